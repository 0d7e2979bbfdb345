"""The Bot Framework adapter: authentication from settings, one place for turn errors, and connector
clients pooled for the process (bot/connector.py)."""

from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from .connector import PooledAuthentication
from runtime.settings import Settings
from texts import speaking, t

log = logging.getLogger(__name__)

# botbuilder looks up an invoke's answer under this turn-state key.
INVOKE_RESPONSE_KEY = "BotFrameworkAdapter.InvokeResponse"


def auth_configuration(settings: Settings) -> SimpleNamespace:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""
    config = SimpleNamespace(
        APP_ID=settings.app_id or None,
        APP_PASSWORD=settings.app_password or None,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id or None,
    )
    if settings.openid_metadata_url:
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_metadata_url
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.openid_metadata_url
        # Either key switches botbuilder from its public-cloud defaults to taking every endpoint from this
        # object: unset, the expected issuer is None (every real token is refused) and the bot's outgoing
        # credentials have no login URL. Everything but the metadata URL stays the public cloud's.
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        config.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        config.OAUTH_URL = AuthenticationConstants.OAUTH_URL
        config.CALLER_ID = CallerIdConstants.public_azure_channel
    return config


def error_body(status: int, code: str, message: str) -> dict:
    """The Universal Actions error answer (type application/vnd.microsoft.error)."""
    return {"statusCode": status, "type": "application/vnd.microsoft.error",
            "value": {"code": code, "message": message}}


def invoke_error(status: int, code: str, message: str) -> InvokeResponse:
    return InvokeResponse(status=status, body=error_body(status, code, message))


def set_invoke_answer(turn_context: TurnContext, response: InvokeResponse) -> None:
    """Answer the turn's invoke with `response` (what botbuilder sends back in the HTTP response)."""
    turn_context.turn_state[INVOKE_RESPONSE_KEY] = Activity(type=ActivityTypes.invoke_response, value=response)


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log the failure with a reference the user can quote; tell the user one short sentence."""
    ref = uuid.uuid4().hex[:8]
    activity = turn_context.activity
    # Ids only, never the text; quoted (%r) so that an id cannot forge log lines.
    log.error("turn failed ref=%s type=%r conversation=%r", ref, activity.type,
              getattr(activity.conversation, "id", None), exc_info=error)
    with speaking(activity.locale):  # the turn's own language block has ended by now
        message = t("bot.adapter.turn_failed", ref=ref)
    if activity.type == ActivityTypes.invoke:
        set_invoke_answer(turn_context, invoke_error(500, "InternalError", message))
        return
    try:
        await turn_context.send_activity(message)
    except Exception:  # the channel itself may be what failed
        log.exception("could not tell the user about ref=%s", ref)


def create_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(auth_configuration(settings))))
    adapter.on_turn_error = on_turn_error
    return adapter
