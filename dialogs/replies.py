"""Card messages as the bot sends them."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity


class SentCard(dict):
    """JSON the bot sends and never changes afterwards (a card, an invoke answer's body).

    botbuilder deep-copies every outgoing activity, card included, so that stamping the
    conversation on it cannot change the caller's object; that stamping touches only the
    activity's own fields, so copying the card protects nothing, and it was about a tenth of
    a help turn. deepcopy hands this object back as it is."""

    def __deepcopy__(self, memo) -> "SentCard":
        return self


def card_message(card: dict) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(SentCard(card)))
