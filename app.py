"""Composition root: read settings once, build the catalog, store, adapter, bot and web app;
`python app.py` serves it."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.adapter import create_adapter
from bot.card_updates import CardUpdates
from bot.delivery import Deliveries, claim_before_writing
from bot.handler import WorkshopBot
from bot.language import TurnLanguage
from bot.sending import SendPolicy
from bot.state_storage import BotStateStorage, WorkshopConversationState
from bot.telemetry import TurnTelemetry
from bot.web import MAX_BODY_BYTES, health_handler, json_errors, liveness_handler, messages_handler, readiness_handler
from catalog import CatalogError, default_catalog
from dialogs.context import Services, utc_now
from dialogs.outbox import Outbox
from dialogs.reminders import Reminders
from dialogs.replies import Messenger
from graph.client import GraphClient, graph_from_settings
from runtime.access_log import PathOnlyAccessLogger
from runtime.memory import freeze_startup_objects
from runtime.settings import Settings, SettingsError, read_environment
from runtime.telemetry import configure_logging, configure_telemetry, shutdown_telemetry
from store import StoreError, open_store
from store.cached import CachedStore
from store.hooked import BeforeWrites
from store.traced import TracedStore
from tabs.downloads import add_download_routes
from tabs.panel import add_panel_routes
from tabs.routes import add_tab_routes
from tabs.sso import SsoVerifier

log = logging.getLogger("workshops")

STORE = web.AppKey("store", object)
BOT = web.AppKey("bot", WorkshopBot)
REMINDERS = web.AppKey("reminders", asyncio.Task)
OUTBOX = web.AppKey("outbox", asyncio.Task)


def create_app(settings: Settings, graph: Optional[GraphClient] = None) -> web.Application:
    """The store opens when the app starts (the Cosmos DB client needs the running loop) and
    closes when it stops; the catalog is loaded and validated before anything is served. Graph is
    on when the app's credentials are set; tests pass a client for a local stand-in."""
    catalog = default_catalog()
    graph = graph or graph_from_settings(settings)
    adapter = SendPolicy().install(create_adapter(settings))
    sso = SsoVerifier(settings.app_id, urlsplit(settings.base_url).netloc, settings.sso_openid_metadata_url,
                      allowed_tenants=settings.allowed_tenants)
    adapter.use(TurnTelemetry())
    adapter.use(TurnLanguage())
    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY_BYTES)

    async def open_services(app: web.Application) -> None:
        # Recent documents from memory (store/cached.py); only the store's real calls are traced.
        store = CachedStore(TracedStore(await open_store(settings)), settings.store_cache_seconds)
        app[STORE] = store
        turn_store = BeforeWrites(store, claim_before_writing)  # a turn's writes wait for its delivery claim
        reminders = Reminders(store, adapter, catalog, settings.app_id)
        app[REMINDERS] = asyncio.create_task(reminders.run_forever(settings.reminder_interval_seconds))
        outbox, messenger = Outbox(turn_store), Messenger(adapter, settings.app_id)
        services = Services(turn_store, catalog, settings, graph=graph, messenger=messenger, outbox=outbox)
        app[BOT] = WorkshopBot(services, WorkshopConversationState(BotStateStorage(turn_store)), Deliveries(store),
                               settings.allowed_tenants,
                               CardUpdates(messenger, outbox, settings.card_update_seconds))
        app[OUTBOX] = asyncio.create_task(outbox.run_forever(settings.reminder_interval_seconds))

    async def close_services(app: web.Application) -> None:
        loops = (app[REMINDERS], app[OUTBOX])
        for loop in loops:
            loop.cancel()
        await asyncio.wait(loops, timeout=10)  # bounded: shutting down never waits on a loop for long
        await app[BOT].card_updates.settled()
        await app[STORE].close()
        await sso.close()
        if graph:
            await graph.close()

    async def store_ping() -> bool:
        return await app[STORE].ping()

    app.on_startup.append(open_services)
    app.on_cleanup.append(close_services)
    app.router.add_post("/api/messages", messages_handler(adapter, lambda: app[BOT]))
    app.router.add_get("/healthz", health_handler(settings, store_ping))  # as before: 503 while the store is down
    app.router.add_get("/livez", liveness_handler())
    app.router.add_get("/readyz", readiness_handler(settings, store_ping))
    add_download_routes(app, settings, catalog, lambda: app[STORE], utc_now)
    add_tab_routes(app, settings, catalog, lambda: app[STORE])
    add_panel_routes(app, catalog, lambda: app[STORE], sso, lambda: app[BOT].flows.meetings, utc_now)
    return app


def main() -> None:
    configure_logging(read_environment().get("LOG_FORMAT", ""))  # first: reading the settings may warn
    try:
        settings = Settings.from_env()
        exporter = configure_telemetry(settings)
        app = create_app(settings)
        app.on_startup.append(freeze_startup_objects)  # last: after the store and services are up
    except (SettingsError, CatalogError) as error:
        log.error("cannot start: %s", error)
        sys.exit(2)
    if settings.anonymous:
        log.warning("=" * 72)
        log.warning("ANONYMOUS LOCAL MODE: no MicrosoftAppId is set, so requests are NOT authenticated.")
        log.warning("Listening on %s only. Set MicrosoftAppId/MicrosoftAppPassword for Azure Bot Service.", settings.host)
        log.warning("=" * 72)
    log.info("store: %s; telemetry: %s", settings.store_backend, exporter)
    try:
        # SIGTERM (and Ctrl+C): stop listening, let the turns in flight finish and answer (up to
        # SHUTDOWN_TIMEOUT_SECONDS), then stop the loops and close the store.
        web.run_app(app, host=settings.host, port=settings.port, print=None,
                    shutdown_timeout=settings.shutdown_timeout_seconds,
                    access_log_class=PathOnlyAccessLogger)  # never logs a query: links carry tokens
    except StoreError as error:
        log.error("cannot start: the %s store is not available: %s", settings.store_backend, error)
        sys.exit(2)
    finally:
        shutdown_telemetry()
    log.info("stopped")


if __name__ == "__main__":
    main()
