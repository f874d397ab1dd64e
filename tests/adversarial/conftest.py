"""The adversarial tests use the same real redis-server as the Redis backend's tests."""

from tests.redis_backend.conftest import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]
