"""runtime/retry.py: reading Retry-After, and the backoff the retry loops share."""

from datetime import datetime, timezone

import pytest

from runtime.retry import backoff_delay, retry_after_ms_seconds, retry_after_seconds

NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, seconds", [("120", 120.0), ("0", 0.0), (" 5 ", 5.0), ("1.5", 1.5), ("0.25", 0.25)])
def test_delta_seconds_whole_or_decimal(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_an_http_date_in_the_future_is_the_seconds_until_it():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=NOW) == 60.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 -0000", now=NOW) == 60.0, "no zone: UTC"


def test_an_http_date_already_past_is_no_wait():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:26:00 GMT", now=NOW) == 0.0


def test_an_http_date_is_read_against_the_real_clock_by_default():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "  ", "soon", "1e3", "nan", "inf", "1,5", "0x10", "5 s",
                                   "Wed, 32 Oct 2015 07:28:00 GMT"])
def test_missing_or_garbage_is_none(value):
    assert retry_after_seconds(value, now=NOW) is None


@pytest.mark.parametrize("value", ["-1", "-0.5", "+3"])
def test_negative_or_signed_is_none(value):
    assert retry_after_seconds(value, now=NOW) is None


@pytest.mark.parametrize("value, seconds", [("250", 0.25), ("12.5", 0.0125), ("0", 0.0), (None, None),
                                            ("-10", None), ("soon", None)])
def test_milliseconds(value, seconds):
    assert retry_after_ms_seconds(value) == seconds


@pytest.mark.parametrize("attempt, ceiling", [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 4.0), (10, 4.0)])
def test_backoff_is_between_half_and_all_of_the_capped_doubling(attempt, ceiling):
    delays = [backoff_delay(attempt, base=0.5, cap=4.0) for _ in range(200)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1, "jittered"
