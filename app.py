"""Composition root: read settings once, build the catalog, adapter, bot and web app; `python app.py` serves it."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.adapter import create_adapter
from bot.handler import WorkshopBot
from bot.settings import Settings, SettingsError
from bot.web import MAX_BODY_BYTES, PRIVACY, TERMS, health_handler, json_errors, messages_handler, static_page
from catalog import CatalogError, default_catalog

log = logging.getLogger("workshops")


def create_app(settings: Settings) -> web.Application:
    catalog = default_catalog()
    adapter = create_adapter(settings)
    bot = WorkshopBot(catalog)

    async def store_ping() -> bool:
        return True

    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get("/healthz", health_handler(settings, store_ping))
    # The manifest links to these two pages.
    app.router.add_get("/privacy", static_page(PRIVACY))
    app.router.add_get("/terms", static_page(TERMS))
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        app = create_app(settings)
    except (SettingsError, CatalogError) as error:
        log.error("cannot start: %s", error)
        sys.exit(2)
    if settings.anonymous:
        log.warning("=" * 72)
        log.warning("ANONYMOUS LOCAL MODE: no MicrosoftAppId is set, so requests are NOT authenticated.")
        log.warning("Listening on %s only. Set MicrosoftAppId/MicrosoftAppPassword for Azure Bot Service.", settings.host)
        log.warning("=" * 72)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
