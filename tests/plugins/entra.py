"""A local stand-in for Entra ID's OpenID metadata and keys, and the Teams SSO tokens it would sign.

The metadata names its issuer with a `{tenantid}` template, as Entra ID's multi-tenant (`common`)
document does. Tokens carry the claims a Teams SSO (v1) access token carries: aud (the app id URI),
iss, tid, oid, name, exp, iat, nbf, scp. `token(**changes)` signs one; `forged(...)` signs with a key
the metadata does not list.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.plugins.botapp import TENANT, serving

SSO_APP_ID = "c0ffee00-0000-4000-8000-000000000001"
SSO_HOST = "workshops.example.com"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Entra:
    url: str = ""
    requests: list = field(default_factory=list)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}common/v2.0/.well-known/openid-configuration"

    def issuer(self, tenant: str) -> str:
        return f"{self.url}{tenant}/v2.0"

    def app(self):
        from aiohttp import web

        async def metadata(request):
            self.requests.append(request.path)
            return web.json_response({"issuer": f"{self.url}{{tenantid}}/v2.0",
                                      "jwks_uri": f"{self.url}common/discovery/v2.0/keys",
                                      "id_token_signing_alg_values_supported": ["RS256"]})

        async def keys(request):
            self.requests.append(request.path)
            key = json.loads(RSAAlgorithm.to_jwk(_KEY.public_key()))
            return web.json_response({"keys": [{**key, "kid": "sso-key-1", "use": "sig"}]})

        app = web.Application()
        app.router.add_get("/common/v2.0/.well-known/openid-configuration", metadata)
        app.router.add_get("/common/discovery/v2.0/keys", keys)
        return app

    def claims(self, who: str, tenant: str = TENANT, **changes) -> dict:
        """`who` is the oid; a change to None leaves that claim out."""
        now = int(time.time())
        claims = {"aud": f"api://{SSO_HOST}/{SSO_APP_ID}", "iss": self.issuer(tenant), "tid": tenant, "oid": who,
                  "name": "Someone", "scp": "access_as_user", "iat": now, "nbf": now, "exp": now + 3600,
                  "ver": "1.0", **changes}
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, who: str, tenant: str = TENANT, **changes) -> str:
        return jwt.encode(self.claims(who, tenant, **changes), _KEY, algorithm="RS256", headers={"kid": "sso-key-1"})

    def forged(self, who: str, **changes) -> str:
        return jwt.encode(self.claims(who, **changes), _OTHER_KEY, algorithm="RS256", headers={"kid": "sso-key-1"})


@pytest.fixture(scope="session")
async def entra():
    async with serving(Entra()) as stand_in:
        yield stand_in
