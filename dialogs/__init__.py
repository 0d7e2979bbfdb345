"""Every flow the bot leads or answers, one module each. A flow exposes `commands` (chat command ->
handler) and, when it has cards that act, `card_actions` (Action.Execute verb -> handler);
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
from .forms import Forms
from .links import Links
from .meeting import Meetings
from .outcomes import Outcomes
from .pinning import Pinning
from .plan import Series
from .roster import Roster
from .setup import ProjectSetup


class Flows:
    """All the flows of one bot, with the command and card-action tables routing uses."""

    def __init__(self, services: Services, conversation_state: ConversationState):
        self.forms = Forms(conversation_state)
        self.browse = Browse(services.catalog)
        pinning = Pinning(services)
        self.meetings = Meetings(services)
        agendas = Agendas(services, pinning, self.meetings)
        self.meetings.agenda_card = agendas.render
        flows = [self.browse, ProjectSetup(services, self.forms), Roster(services), Series(services, self.forms, self.meetings),
                 agendas, Attendance(services, self.meetings), Outcomes(services), Actions(services), pinning,
                 Links(services), self.meetings]
        self.commands: dict[str, CommandHandler] = {}
        self.card_actions: dict[str, ActionHandler] = {}
        for flow in flows:
            self.commands.update(flow.commands)
            self.card_actions.update(getattr(flow, "card_actions", {}))
