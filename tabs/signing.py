"""Signed, expiring links: an HMAC over what the link grants and when it expires.

Used for downloads the bot serves outside Teams (calendar invitations, exports, tab pages), so
a link grants read access to one thing of one project until it expires, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Optional


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(secret: bytes, scope: str, ttl_seconds: int, now: Optional[float] = None) -> str:
    """A token for `scope` (e.g. "calendar:<project>:<workshop>") valid for `ttl_seconds`."""
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    mac = hmac.new(secret, f"{scope}|{expires}".encode(), hashlib.sha256).digest()
    return f"{expires}.{_b64(mac)}"


def verify(secret: bytes, scope: str, token: object, now: Optional[float] = None) -> bool:
    if not isinstance(token, str) or token.count(".") != 1:
        return False
    expires_text, mac_text = token.split(".")
    if not expires_text.isdigit() or len(expires_text) > 12:
        return False
    if int(expires_text) < (now if now is not None else time.time()):
        return False
    expected = _b64(hmac.new(secret, f"{scope}|{expires_text}".encode(), hashlib.sha256).digest())
    return hmac.compare_digest(expected, mac_text)
