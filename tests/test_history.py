"""The change log helper: entry shape, a new list each time, and trimming to MAX_HISTORY."""

from datetime import datetime, timezone

from workshops.history import MAX_HISTORY, logged

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
ADA = {"aadObjectId": "a1", "name": "Ada"}


def test_entry_shape_and_the_log_is_not_changed():
    log = [{"at": "earlier", "by": ADA, "action": "edit", "detail": ""}]
    result = logged(log, NOW, ADA, "remove", workshopId="alm", reason="Mature already")
    assert result[-1] == {"at": NOW.isoformat(), "by": ADA, "action": "remove", "workshopId": "alm",
                          "reason": "Mature already"}
    assert list(result[-1]) == ["at", "by", "action", "workshopId", "reason"]
    assert result[:-1] == log and len(log) == 1


def test_no_log_yet():
    assert logged(None, NOW, ADA, "approve", detail="") == [
        {"at": NOW.isoformat(), "by": ADA, "action": "approve", "detail": ""}]


def test_a_full_log_drops_its_oldest_entries():
    log = [{"at": str(n), "by": ADA, "action": "edit", "detail": ""} for n in range(MAX_HISTORY)]
    result = logged(log, NOW, ADA, "schedule", detail="later")
    assert len(result) == MAX_HISTORY
    assert result[0]["at"] == "1" and result[-1]["detail"] == "later"
    assert len(logged(log + log, NOW, ADA, "edit", detail="")) == MAX_HISTORY
