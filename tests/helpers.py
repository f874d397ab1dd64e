"""Small helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "samples"
BASE = "https://api.snov.io"
TOKEN_URL = f"{BASE}/v1/oauth/access_token"
BALANCE_URL = f"{BASE}/v1/get-balance"
CLIENT_ID = "c57a0459f6t141659ea75cccb393c5111"
CLIENT_SECRET = "77cbf92b71553e85ce3bfd505214f40b-super-secret"


def sample(name: str) -> Any:
    """A recorded reference payload from tests/samples (JSON decoded)."""
    return json.loads((SAMPLES / name).read_text())


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def token_payload(token: str = "tok-1", expires_in: int = 3600) -> dict[str, Any]:
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def calls(m: Any, method: str, url: str) -> list[Any]:
    """The requests aioresponses recorded for one method and URL (query ignored)."""
    out = []
    for (meth, u), reqs in m.requests.items():
        if meth == method and str(u).split("?")[0] == url:
            out.extend(reqs)
    return out
