"""Citizens' identities as logs and Redis keys may carry them: hashed, never in clear.

Shared by the webhook (an edge) and the services (the core), so neither imports the other.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache


@lru_cache(maxsize=4096)  # one message's Redis keys and log lines hash the same openid several times
def hash_openid(openid: str) -> str:
    """Logs and Redis keys never carry an openid in clear."""
    return hashlib.sha256(("wb|" + openid).encode("utf-8")).hexdigest()[:16]
