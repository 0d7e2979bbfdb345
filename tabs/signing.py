"""Signed, expiring links: an HMAC over what the link grants and when it expires.

Used for downloads the bot serves outside Teams (calendar invitations, exports, tab pages), so
a link grants read access to one thing of one project until it expires, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Optional

# What `sign` makes: up to 12 ASCII digits of expiry, a dot, and 43 base64url characters of
# HMAC-SHA256. Anything else is refused before it is parsed (str.isdigit also takes '²', and
# hmac.compare_digest raises on non-ASCII text).
_TOKEN = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{43})", re.ASCII)


def _mac(secret: bytes, scope: str, expires: str) -> bytes:
    digest = hmac.new(secret, f"{scope}|{expires}".encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def sign(secret: bytes, scope: str, ttl_seconds: int, now: Optional[float] = None) -> str:
    """A token for `scope` (e.g. "calendar|<project>|<workshop>") valid for `ttl_seconds`."""
    expires = str(int((now if now is not None else time.time()) + ttl_seconds))
    return f"{expires}.{_mac(secret, scope, expires).decode()}"


def verify(secret: bytes, scope: str, token: object, now: Optional[float] = None) -> bool:
    """Whether `token` grants `scope` now. Total: any object gives True or False, never an exception."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None or int(match[1]) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_mac(secret, scope, match[1]), match[2].encode("ascii"))
