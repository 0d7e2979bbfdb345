"""The arithmetic the retry loops share: how long a Retry-After header asks for, and capped exponential
backoff with jitter. Which statuses are retried, how often and within what budget stays with each loop
(bot/connector.py, bot/sending.py, graph/client.py, store/cosmos.py)."""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Optional

_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # no sign, exponent, inf or nan


def _number(value) -> Optional[float]:
    text = str(value).strip() if value is not None else ""
    return float(text) if _NUMBER.fullmatch(text) else None


def retry_after_seconds(value, now: Optional[datetime] = None) -> Optional[float]:
    """Seconds a Retry-After header value asks to wait (RFC 9110 section 10.2.3): delta-seconds (decimals
    are taken too) or an HTTP date, 0 when that date has passed. None when the value is missing, negative
    or neither. `now` (aware) is for tests."""
    seconds = _number(value)
    if seconds is not None or value is None:
        return seconds
    try:
        when = parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": HTTP dates are UTC anyway
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def retry_after_ms_seconds(value) -> Optional[float]:
    """Seconds from a header that counts milliseconds (Cosmos DB's x-ms-retry-after-ms); None as above."""
    milliseconds = _number(value)
    return milliseconds / 1000 if milliseconds is not None else None


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """The wait after failed attempt `attempt` (0 first): between half and all of min(cap, base * 2**attempt)
    ("equal jitter", so clients that failed together do not come back together)."""
    ceiling = min(cap, base * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)
