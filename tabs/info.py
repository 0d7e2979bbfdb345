"""The two pages the app manifest links to: privacy and terms of use."""

from __future__ import annotations

from aiohttp import web

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>{title}</h1>{body}</body></html>"""

PRIVACY = _PAGE.format(title="Privacy", body=(
    "<p>Implementation Workshops stores what your project team gives it in Teams: the project's details, "
    "who holds which role, the chosen workshops, agendas, RSVPs, attendance and outcomes. It keeps them in "
    "your organisation's own store (Azure Cosmos DB or a local file) and uses them only to run your workshops.</p>"
    "<p>It reads team membership and, when configured, creates meetings and tabs through Microsoft Graph "
    "with the permissions your administrator grants. Ask your project administrator to remove your data.</p>"))
TERMS = _PAGE.format(title="Terms of use", body=(
    "<p>Implementation Workshops is provided as is, to help Dynamics 365 project teams plan and run their "
    "implementation workshops. The workshop descriptions follow Microsoft's public implementation guidance; "
    "decisions about your project remain your team's.</p>"))


def _static(html: str):
    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    return page


def add_info_routes(app: web.Application) -> None:
    app.router.add_get("/privacy", _static(PRIVACY))
    app.router.add_get("/terms", _static(TERMS))
