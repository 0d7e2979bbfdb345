"""When each recommended workshop is held: a week-by-week schedule from the review date forward,
at most `per_week` workshops a week, prerequisites first, and a triage when the runway is short.

- Order: ALM and the data model first, then integration, gap design (before build), security,
  migration, user experience and BI; the test strategy before performance, cutover in Prepare
  (from 10 weeks before go-live), post go-live from two weeks after go-live. A workshop is never
  earlier than one before it in that order; the early ones start in the review week.
- A live project's workshops start in the review week, post go-live last (it closes the engagement).
- Short runway (the workshops due before go-live do not fit the weeks left): merge pairs that share
  attendees and topics, then drop what matters least this close to go-live, each with a reason;
  what still does not fit goes in the last week before go-live, over capacity. Once triaged,
  three-hour workshops are shortened to two, and the schedule carries the risk "Go-live date at risk".

Pure domain code (standard library only).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping

from texts import t

from .words import count, day

ORDER = ("alm", "data-model", "integration", "gap-solution", "security-model", "data-migration", "user-experience",
         "bi-analytics", "test-strategy", "solution-performance", "cutover", "post-go-live")
NOT_BEFORE = {"test-strategy": 20, "solution-performance": 16, "cutover": 10}  # weeks before go-live
AFTER_GO_LIVE = "post-go-live"
WEEKS_AFTER = 2  # post go-live waits this long after go-live
# (guest, host): the guest is held in the host's session; why: workshops.schedule.merge_why.<guest>.
MERGES = (("integration", "data-model"), ("data-migration", "cutover"), ("solution-performance", "test-strategy"))
# In the order they go (the test strategy, migration and cutover never do); why: workshops.schedule.drop_why.<id>.
DROPS = ("user-experience", "bi-analytics", "gap-solution", "alm", "security-model", "data-model", "integration")
SHORT_HOURS = 2


@dataclass(frozen=True)
class Slot:
    week: date | None        # Monday of the week it is held in; None when dropped
    start: date              # the window the agenda checks a chosen time against
    end: date
    hours: int
    note: str = ""           # the triage: merged, shortened, dropped or over capacity, and why


@dataclass(frozen=True)
class Schedule:
    slots: Mapping[str, Slot]
    risk: str = ""           # "Go-live date at risk: ..." when the runway had to be triaged


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def runway_words(go_live: date, today: date) -> str:
    """How long until go-live: "3 weeks", or "10 days" under two weeks."""
    days = (go_live - today).days
    return count("week", days // 7) if days >= 14 else count("day_count", days)


def plan_weeks(wanted: Mapping[str, int], titles: Mapping[str, str], *, go_live: date, today: date, live: bool,
               per_week: int) -> Schedule:
    """`wanted`: the recommended workshops and their hours. Every workshop of ORDER gets a Slot;
    one not wanted gets a window only (it may still be added by hand)."""
    per_week = max(1, per_week)
    first = monday(today)
    weeks_left = 0 if live else (go_live - timedelta(days=1) - first).days // 7 + 1  # calendar weeks before go-live
    runway = runway_words(go_live, today)

    def earliest(wid: str) -> int:
        if live:
            return 0
        if wid == AFTER_GO_LIVE:
            return (go_live + timedelta(weeks=WEEKS_AFTER) - first).days // 7
        return max(0, (go_live - timedelta(weeks=NOT_BEFORE.get(wid, 10_000)) - first).days // 7)

    def place(keep: list[str], merged: Mapping[str, str]) -> dict[str, int]:
        load, weeks, previous = Counter(), {}, 0
        for wid in keep:
            if wid in merged:
                continue
            week = max(previous, earliest(wid))
            while load[week] >= per_week:
                week += 1
            weeks[wid], previous = week, week
            load[week] += 1
        return weeks | {guest: weeks[host] for guest, host in merged.items()}

    def late(weeks: Mapping[str, int]) -> list[str]:
        return [] if live else [w for w, n in weeks.items() if w != AFTER_GO_LIVE and n >= weeks_left]

    keep = [w for w in ORDER if w in wanted]
    merged: dict[str, str] = {}
    notes: dict[str, str] = {}
    dropped = 0
    steps = [("merge", g, h) for g, h in MERGES if g in wanted and h in wanted]
    steps += [("drop", w, "") for w in DROPS if w in wanted]
    weeks = place(keep, merged)
    while late(weeks) and steps:
        action, wid, host = steps.pop(0)
        if action == "merge":
            why = t(f"workshops.schedule.merge_why.{wid}")
            merged[wid] = host
            notes[wid] = t("workshops.schedule.merged", host=titles[host], why=why)
            notes[host] = t("workshops.schedule.held_with", guest=titles[wid], why=why)
        elif wid not in merged and wid not in merged.values():
            keep.remove(wid)
            dropped += 1
            notes[wid] = t("workshops.schedule.dropped", runway=runway, why=t(f"workshops.schedule.drop_why.{wid}"))
        weeks = place(keep, merged)
    triaged = bool(notes) or bool(late(weeks))
    over = late(weeks)
    for wid in over:
        weeks[wid] = weeks_left - 1
        _note(notes, wid, t("workshops.schedule.over_capacity", per_week=per_week))

    slots, shortened = {}, 0
    for wid in ORDER:
        hours = wanted.get(wid, 1)
        if wid not in weeks:
            slots[wid] = Slot(None, *_any_time(wid, go_live, today, live), hours, notes.get(wid, ""))
            continue
        if triaged and wid != AFTER_GO_LIVE and hours > SHORT_HOURS:
            hours, shortened = SHORT_HOURS, shortened + 1
            _note(notes, wid, t("workshops.schedule.shortened", hours=SHORT_HOURS, runway=runway))
        week = first + timedelta(weeks=weeks[wid])
        start, end = max(week, today), week + timedelta(days=6)
        if not live and wid != AFTER_GO_LIVE:
            end = min(end, go_live - timedelta(days=1))
        slots[wid] = Slot(week, start, max(start, end), hours, notes.get(wid, ""))
    if not triaged:
        return Schedule(slots)
    due = [w for w in wanted if w != AFTER_GO_LIVE]
    risk = t("workshops.schedule.risk", due=count("workshop", len(due)), go_live=day(go_live), runway=runway,
             weeks=count("calendar_week", weeks_left), hold=weeks_left * per_week, per_week=per_week,
             merged=len(merged), dropped=dropped, shortened=shortened,
             over=t("workshops.schedule.risk_over", n=len(over)) if over else "")
    return Schedule(slots, risk)


def _note(notes: dict, wid: str, text: str) -> None:
    notes[wid] = f"{notes[wid]}; {text}" if wid in notes else text  # "; " reads alike in both languages


def _any_time(wid: str, go_live: date, today: date, live: bool) -> tuple[date, date]:
    """The window of a workshop that is not in the schedule: any time before go-live (after it for
    post go-live, or any time soon for a live project)."""
    if live:
        return today, today + timedelta(weeks=8)
    if wid == AFTER_GO_LIVE:
        return go_live + timedelta(days=1), go_live + timedelta(weeks=8)
    return today, max(today, go_live - timedelta(days=1))
