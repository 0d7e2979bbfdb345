"""Baseline: an echo agent on the Microsoft 365 Agents SDK for Python (microsoft-agents-hosting-aiohttp),
written the way the SDK's quickstart writes it: AgentApplication + CloudAdapter with an MSAL connection
manager from environment configuration, served by aiohttp behind the SDK's JWT middleware. Anonymous:
no client id is configured and ANONYMOUS_ALLOWED is set, so requests without a token are accepted and
replies are sent without one (the SDK's local-development mode). Nothing here is tuned.

`PORT=3980 python -m bench.echo_agents`, loopback only.
"""

import os
import sys
import traceback

from aiohttp.web import Application, Request, Response, run_app
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState

# Anonymous local mode unless the environment configures a real connection.
os.environ.setdefault("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED", "true")
agents_sdk_config = load_configuration_from_env(os.environ)

STORAGE = MemoryStorage()
CONNECTION_MANAGER = MsalConnectionManager(**agents_sdk_config)
ADAPTER = CloudAdapter(connection_manager=CONNECTION_MANAGER)
AGENT_APP = AgentApplication[TurnState](storage=STORAGE, connection_manager=CONNECTION_MANAGER, **agents_sdk_config)


@AGENT_APP.conversation_update("membersAdded")
async def on_members_added(context: TurnContext, _state: TurnState):
    await context.send_activity("Hello and welcome!")


@AGENT_APP.activity("message")
async def on_message(context: TurnContext, _state: TurnState):
    await context.send_activity(f"Echo: {context.activity.text}")


@AGENT_APP.error
async def on_error(context: TurnContext, error: Exception):
    print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
    traceback.print_exc()
    await context.send_activity("The agent encountered an error or bug.")


async def entry_point(req: Request) -> Response:
    return await start_agent_process(req, req.app["agent_app"], req.app["adapter"])


async def readiness(_req: Request) -> Response:
    return Response(text="OK")


APP = Application(middlewares=[jwt_authorization_middleware])
APP.router.add_post("/api/messages", entry_point)
APP.router.add_get("/readiness", readiness)
APP["agent_configuration"] = CONNECTION_MANAGER.get_default_connection_configuration()
APP["agent_app"] = AGENT_APP
APP["adapter"] = ADAPTER

if __name__ == "__main__":
    run_app(APP, host="127.0.0.1", port=int(os.environ.get("PORT", "3978")), access_log=None, print=None)
