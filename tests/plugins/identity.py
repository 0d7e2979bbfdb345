"""A local stand-in for the managed identity endpoint of App Service and Container Apps
(IDENTITY_ENDPOINT + IDENTITY_HEADER): it checks every token request as Azure does (GET, api-version
2019-08-01, a resource, the X-IDENTITY-HEADER secret, the user-assigned identity's client_id), records it,
and answers with a fresh token, or with a 400 like Azure's when the request is wrong."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

API_VERSION = "2019-08-01"
CLIENT_ID = "7c1e1d0e-0000-4000-8000-00000000a11d"  # the user-assigned identity's client id


@dataclass
class IdentityEndpoint:
    header: str = field(default_factory=lambda: secrets.token_hex(16))
    client_id: str = CLIENT_ID
    requests: list = field(default_factory=list)  # (query, headers) of every request
    issued: dict = field(default_factory=dict)  # token -> resource
    refuse: bool = False  # answer every request as if the identity had no access
    accepted_by: list = field(default_factory=list)  # dicts (token -> tenant) of stand-ins that accept its tokens
    tenant: str = ""
    url: str = ""
    _ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/msi/token", self._token)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        query, headers = dict(request.query), dict(request.headers)
        self.requests.append((query, headers))

        def bad(status: int, message: str) -> web.Response:
            return web.json_response({"statusCode": status, "message": message}, status=status)

        if request.method != "GET":
            return bad(405, "GET only")
        if headers.get("X-IDENTITY-HEADER") != self.header:
            return bad(401, "missing or wrong X-IDENTITY-HEADER")
        if query.get("api-version") != API_VERSION:
            return bad(400, f"api-version must be {API_VERSION}")
        resource = query.get("resource", "")
        if not resource.startswith("https://"):
            return bad(400, "a resource is required")
        if query.get("client_id") != self.client_id:
            return bad(400, "no user-assigned identity with that client_id")
        if self.refuse:
            return bad(400, "AADSTS700016: the identity has no access")
        token = f"mi-{next(self._ids)}-{secrets.token_hex(8)}"
        self.issued[token] = resource
        for accepted in self.accepted_by:
            accepted[token] = self.tenant
        return web.json_response({"access_token": token, "expires_on": str(int(time.time()) + 3600),
                                  "resource": resource, "token_type": "Bearer", "client_id": self.client_id})

    def resources(self) -> list[str]:
        """The resource of every well-formed token request, in order."""
        return [query.get("resource", "") for query, _ in self.requests]


@pytest.fixture
async def identity_endpoint(monkeypatch):
    """The stand-in, and the environment App Service sets for it (azure-identity and msal read it)."""
    endpoint = IdentityEndpoint()
    server = TestServer(endpoint.app(), host="127.0.0.1")
    await server.start_server()
    endpoint.url = str(server.make_url("/msi/token"))
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint.url)
    monkeypatch.setenv("IDENTITY_HEADER", endpoint.header)
    for name in ("MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_SERVER_THUMBPRINT", "AZURE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    yield endpoint
    await server.close()
