"""The agenda card of a workshop session: one card that the team shapes, the solution architect
approves and the attendees answer; each person sees their own RSVP on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Optional
from zoneinfo import ZoneInfo

from catalog import Catalog, Workshop
from workshops import agenda, lifecycle, people
from workshops.project import team_zone
from texts import clock, t, t_count, weekday_day

from .common import (card, duration_words, escape, execute_button, field_error, heading, link_button,
                     notice, number_value, people_picker, text)

MAX_REFRESH_USERS = 60  # Teams' limit for refresh.userIds
FORM_TITLES = {"agenda.edit": "cards.agenda.edit_form", "agenda.schedule": "cards.agenda.schedule_form"}  # by verb


def form_title(verb: str) -> str:
    """The title of the card's form that `verb` saves ("Edit agenda", "Schedule")."""
    return t(FORM_TITLES[verb])


def _when(session: Mapping, time_zone: str) -> str:
    if not session.get("start"):
        return t("cards.agenda.not_scheduled")
    tz = ZoneInfo(time_zone)
    start = datetime.fromisoformat(session["start"]).astimezone(tz)
    end = start + timedelta(minutes=session["durationMinutes"])
    return t("cards.agenda.when", day=weekday_day(start.date()), start=clock(start), end=clock(end),
             zone=escape(time_zone))


def _names(people: list[dict]) -> str:
    return ", ".join(escape(p.get("name", "")) for p in people) or t("cards.agenda.nobody_yet")


def agenda_card(project: Mapping, session: Mapping, workshop: Workshop, catalog: Catalog, roster: Mapping, *,
                now: datetime, viewer: Optional[str] = None, message: str = "", style: str = "Good",
                calendar_url: Optional[str] = None, typed: Optional[Mapping] = None,
                errors: Optional[Mapping] = None, schedule_anyway: Optional[Mapping] = None,
                own_view: bool = False) -> dict:
    """`viewer` (an aadObjectId) gets the personal view: their own RSVP is shown. The buttons are
    the actions workshops/lifecycle.py allows at `now`; on a card only the viewer sees (`own_view`: an
    invoke answer or a refresh), only those their roles allow too (the server checks each again).
    `typed` (the answers of a form that was refused, its verb among them) and `errors` (by input id, or
    "form"): that form comes back as it was typed, each error under its input. `schedule_anyway` (day,
    time, version) asks to confirm a time outside the recommended window or working hours."""
    members = (roster.get("members") or {}) if roster else {}
    invited = agenda.invitees(workshop, roster or {})
    status = session["status"]
    tz = team_zone(project)
    allows = lambda action: lifecycle.check(session, now, action, title=workshop.title, tz=tz).allowed  # noqa: E731
    may_shape = not own_view or people.is_lead(project, roster or {}, viewer or "")
    may_approve = not own_view or people.can_approve(roster or {}, viewer or "")
    data = {"workshopId": workshop.id}
    versioned = {**data, "version": session["version"]}

    body = heading(workshop.title, escape(project.get("name", "")))
    if message:
        body.append(notice(message, style))
    retry = typed.get("verb") if typed else None
    if retry in FORM_TITLES:
        body.append(text(t("cards.agenda.typed_kept", form=form_title(retry)), isSubtle=True, spacing="None"))
    if schedule_anyway:
        body.append({"type": "ActionSet", "actions": [execute_button(
            t("cards.agenda.schedule_anyway"), "agenda.schedule",
            {**versioned, **schedule_anyway, "confirmed": True})]})
    state = lifecycle.state(session, now)
    status_text = lifecycle.LABELS[state]
    if state == agenda.APPROVED and session.get("approvedBy"):
        status_text += t("cards.agenda.approved_by", name=escape(session['approvedBy'].get('name', '')))
    body.append(text(f"**{status_text}** · {_when(session, project.get('timeZone', 'UTC'))}",
                     color="Good" if status == agenda.APPROVED else "Default"))
    meeting = session.get("meeting") or {}
    body.append(text(workshop.purpose, isSubtle=True))

    topics = [t for t in session["topics"] if not t["dropped"]]
    lines = []
    for n, topic in enumerate(topics, start=1):
        owner = members.get(topic["owner"], {}).get("name") if topic["owner"] else None
        done = "✓ " if topic["id"] in (session.get("covered") or ()) else ""  # ticked in the meeting's side panel
        minutes = t("cards.agenda.topic_minutes", minutes=topic["minutes"])
        lines.append(f"{n}. {done}{escape(topic['title'])} ({minutes}{', ' + escape(owner) if owner else ''})")
    body.append(text(t("cards.agenda.agenda"), spacing="Medium"))
    body.append(text("\n".join(lines)))
    planned, available = agenda.agenda_minutes(session), session["durationMinutes"]
    if planned > available:
        body.append(text(t("cards.agenda.over_time", planned=planned, available=available), color="Warning"))

    body.append(text(t("cards.agenda.mandatory", names=_names(invited['mandatory'])), spacing="Medium"))
    if invited["unfilled"]:
        labels = ", ".join(catalog.role_label(r) for r in invited["unfilled"])
        body.append(text(t("cards.agenda.unfilled", labels=labels), color="Attention", spacing="None"))
    body.append(text(t("cards.agenda.recommended", names=_names(invited['recommended'])), spacing="None"))

    rsvps = session.get("rsvps", {})
    counts = {r: [v["name"] for v in rsvps.values() if v["response"] == r] for r in agenda.RSVP_LABELS}
    summary = " · ".join(f"{label}: {len(counts[r])}" for r, label in agenda.RSVP_LABELS.items())
    body.append(text(t("cards.agenda.rsvps", summary=summary), spacing="Medium"))
    for response, label in agenda.RSVP_LABELS.items():
        if counts[response]:
            body.append(text(f"{label}: {', '.join(escape(n) for n in counts[response])}", size="Small",
                             spacing="None"))
    if viewer:
        mine = rsvps.get(viewer)
        body.append(text(t("cards.agenda.your_answer", answer=agenda.RSVP_LABELS[mine['response']]) if mine
                         else t("cards.agenda.not_answered"), spacing="Small"))
    answers = [execute_button(t(f"cards.agenda.rsvp.{response}"), "agenda.rsvp", {**data, "response": response})
               for response in ("accept", "tentative", "decline")] if allows(lifecycle.RSVP) else []
    if lifecycle.check_in_offered(session, now):
        answers.append(execute_button(t("cards.agenda.im_here"), "attendance.checkin", data))
    if answers:
        body.append({"type": "ActionSet", "actions": answers})

    actions = []
    if may_approve and allows(lifecycle.APPROVE):
        actions.append(execute_button(t("cards.agenda.approve"), "agenda.approve", versioned))
    def form_state(verb: str) -> tuple[Mapping, Mapping]:
        return (typed, errors or {}) if retry == verb else ({}, {})

    if may_shape and allows(lifecycle.EDIT):
        actions.append({"type": "Action.ShowCard", "title": form_title("agenda.edit"),
                        "card": _edit_form(session, members, versioned, *form_state("agenda.edit"))})
    if may_shape and allows(lifecycle.SCHEDULE):
        actions.append({"type": "Action.ShowCard", "title": form_title("agenda.schedule"),
                        "card": _schedule_form(session, project, versioned, *form_state("agenda.schedule"))})
    if meeting.get("joinUrl"):
        actions.append(link_button(t("cards.agenda.join"), meeting["joinUrl"]))
    if calendar_url and session.get("start"):
        actions.append(link_button(t("cards.agenda.add_to_calendar"), calendar_url))
    if workshop.learn_more:
        actions.append(link_button(t("cards.agenda.pre_reading"), workshop.learn_more))

    result = card(body, actions)
    user_ids = [p.get("userId") for p in invited["mandatory"] + invited["recommended"] if p.get("userId")]
    result["refresh"] = {"action": {"type": "Action.Execute", "verb": "agenda.refresh", "data": data},
                         "userIds": user_ids[:MAX_REFRESH_USERS]}
    return result


def _typed(typed: Mapping, id_: str, stored: str) -> str:
    value = typed.get(id_)
    return value if isinstance(value, str) else stored


def _edit_form(session: Mapping, members: Mapping, versioned: dict, typed: Mapping, errors: Mapping) -> dict:
    """The topics as stored, or as typed when this form was refused (`typed`, `errors`)."""
    owners = {agenda.NO_OWNER: t("cards.agenda.no_owner"), **{aad: m.get("name", "") for aad, m in members.items()}}
    owner_label, minutes_label = t("cards.agenda.owner"), t("cards.agenda.minutes")  # once, not per topic
    body = [text(t("cards.agenda.edit_hint"), isSubtle=True)]
    body += field_error(errors, "form")
    for topic in session["topics"]:
        tid = topic["id"]
        body += [
            {"type": "Input.Toggle", "id": f"keep:{tid}", "title": topic["title"],
             "value": _typed(typed, f"keep:{tid}", "false" if topic["dropped"] else "true"), "valueOn": "true",
             "valueOff": "false", "separator": True},
            {"type": "ColumnSet", "spacing": "None", "columns": [
                {"type": "Column", "width": "stretch", "items": [
                    people_picker(f"owner:{tid}", owner_label, owners,
                                  _typed(typed, f"owner:{tid}", topic["owner"] or agenda.NO_OWNER)),
                    *field_error(errors, f"owner:{tid}")]},
                {"type": "Column", "width": "auto", "items": [
                    {"type": "Input.Number", "id": f"minutes:{tid}", "label": minutes_label, "min": 1,
                     "max": agenda.MAX_MINUTES, "value": number_value(typed.get(f"minutes:{tid}"), topic["minutes"])},
                    *field_error(errors, f"minutes:{tid}")]},
            ]},
        ]
    body += [
        text(t("cards.agenda.add_topic"), spacing="Medium"),
        {"type": "Input.Text", "id": "newTitle", "label": t("cards.agenda.topic"), "maxLength": agenda.MAX_TOPIC_TITLE,
         "value": _typed(typed, "newTitle", "")},
        *field_error(errors, "newTitle"),
        people_picker("newOwner", owner_label, owners, _typed(typed, "newOwner", agenda.NO_OWNER)),
        *field_error(errors, "newOwner"),
        {"type": "Input.Number", "id": "newMinutes", "label": minutes_label, "min": 1,
         "max": agenda.MAX_MINUTES,
         "value": number_value(typed.get("newMinutes"), 15)},
        *field_error(errors, "newMinutes"),
    ]
    return card(body, [execute_button(t("cards.agenda.save_agenda"), "agenda.edit", versioned)])


def _schedule_form(session: Mapping, project: Mapping, versioned: dict, typed: Mapping, errors: Mapping) -> dict:
    """The stored time, or the one typed when it was refused (`typed`); the error under both inputs."""
    tz = project.get("timeZone", "UTC")
    day = time_of_day = ""
    if session.get("start"):
        local = datetime.fromisoformat(session["start"]).astimezone(ZoneInfo(tz))
        day, time_of_day = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
    planned, available = agenda.agenda_minutes(session), session["durationMinutes"]
    session_length = duration_words(available)
    length = t("cards.agenda.length_fits" if planned <= available else "cards.agenda.length_over",
               planned=t_count("cards.common.minutes", planned), session=session_length, edit=form_title("agenda.edit"))
    return card([
        text(t("cards.agenda.times_in_zone", zone=escape(tz), length=length), isSubtle=True),
        {"type": "Input.Date", "id": "day", "label": t("cards.agenda.date"), "value": _typed(typed, "day", day)},
        {"type": "Input.Time", "id": "time", "label": t("cards.agenda.start_time"),
         "value": _typed(typed, "time", time_of_day)},
        # The refusals are about the date and time together (in the past, after go-live): said under both.
        *field_error({"time": errors[k] for k in ("form", "day", "time") if k in errors}, "time"),
    ], [execute_button(t("cards.agenda.save_time"), "agenda.schedule", versioned)])
