"""One short id per (API, account), carried by every piece of shared paid state.

Redis keys (pacer, cool-down, token, journal) and the task runner's journal records are
named with it, so two accounts — or the sandbox and the real API — using one Redis or one
journal never share a rate budget, a token, a result or a task.
"""

from __future__ import annotations

import hashlib
import json

__all__ = ["account_scope"]


def account_scope(base_url: str, client_id: str) -> str:
    """A stable 20-hex-digit id of (the API base URL without trailing slashes, the client id).

    The client id is not a secret; hashing keeps keys compact and free of odd characters. The
    two parts are hashed as a JSON pair, so no choice of characters shifts one into the other.
    """
    text = json.dumps([base_url.rstrip("/"), client_id], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
