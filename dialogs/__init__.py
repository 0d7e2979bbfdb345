"""Every flow the bot leads or answers, one module each. A flow exposes `commands` (chat command ->
handler) and, when it has cards that act, `card_actions` (Action.Execute verb -> handler), and for other invokes (the message extension's search and
link previews, all read-only) `invokes` (invoke name -> handler);
bot/handler.py routes to them. Proactive flows (reminders, digest) are started by app.py.

Where a change goes: a new command or card action in the flow it belongs to (or a new module);
domain rules in workshops/, cards in cards/, never here."""

from __future__ import annotations

from botbuilder.core import ConversationState

from .actions import Actions
from .agenda import Agendas
from .attendance import Attendance
from .browse import Browse
from .context import ActionHandler, CommandHandler, Services
from .search import InvokeHandler
from .forms import Forms
from .links import Links
from .meeting import Meetings
from .outcomes import Outcomes
from .pinning import Pinning
from .plan import Series
from .personal import Personal
from .roster import Roster
from .search import Search
from .setup import ProjectSetup
from .unfurl import Unfurl


class Flows:
    """All the flows of one bot, with the command and card-action tables routing uses."""

    def __init__(self, services: Services, conversation_state: ConversationState):
        self.forms = Forms(conversation_state)
        self.browse = Browse(services.catalog)
        pinning = Pinning(services)
        self.meetings = Meetings(services)
        agendas = Agendas(services, pinning, self.meetings)
        self.meetings.agenda_card = agendas.render
        flows = [self.browse, ProjectSetup(services, self.forms), Roster(services),
                 Series(services, self.forms, self.meetings), agendas, Attendance(services, self.meetings),
                 Outcomes(services), Actions(services), pinning, Links(services), self.meetings,
                 Personal(services), Search(services), Unfurl(services)]
        self.commands: dict[str, CommandHandler] = {}
        self.card_actions: dict[str, ActionHandler] = {}
        self.invokes: dict[str, InvokeHandler] = {}  # read-only invokes other than card actions, by name
        for flow in flows:
            self.commands.update(getattr(flow, "commands", {}))
            self.card_actions.update(getattr(flow, "card_actions", {}))
            self.invokes.update(getattr(flow, "invokes", {}))
