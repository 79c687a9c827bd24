"""The interviewer's gate: pages exist only when ``LAB_INTERVIEWER_PASSCODE`` is set.

The passcode is compared in constant time on hashes (``hmac.compare_digest``), is never
stored in plain text (the settings hold it as a secret; a browser session that passed the
gate holds only a token derived with a key private to this process) and never echoed.
A refused attempt is logged (without what was typed).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading

from lab.config import get_settings

log = logging.getLogger("lab.interview")
_KEY: bytes | None = None
_lock = threading.Lock()


def enabled() -> bool:
    secret = get_settings().interviewer_passcode
    return secret is not None and bool(secret.get_secret_value())


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _process_key() -> bytes:
    # Made on first use (never at import), lives only in this process's memory.
    global _KEY
    with _lock:
        if _KEY is None:
            _KEY = secrets.token_bytes(32)
        return _KEY


def _token_for(digest: bytes) -> str:
    return hmac.new(_process_key(), digest, hashlib.sha256).hexdigest()


def check(typed: str, where: str = "app") -> str | None:
    """The session token for a right passcode, None for a wrong one (logged)."""
    if not enabled():
        return None
    expected = _digest(get_settings().interviewer_passcode.get_secret_value())
    if hmac.compare_digest(_digest(typed or ""), expected):
        return _token_for(expected)
    log.warning("interviewer passcode refused (%s)", where)
    return None


def valid(token: object) -> bool:
    """True for a token :func:`check` gave under the current passcode; anything else a
    browser session may hold (set by hand, from an older passcode) is refused."""
    if not enabled() or not isinstance(token, str):
        return False
    expected = _token_for(_digest(get_settings().interviewer_passcode.get_secret_value()))
    return hmac.compare_digest(token.encode(), expected.encode())
