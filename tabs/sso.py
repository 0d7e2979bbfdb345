"""Teams single sign-on for the tab pages: the token a page gets from teams-js
`authentication.getAuthToken()` and sends as `Authorization: Bearer <token>`.

A token is accepted only when all of these hold, else `SsoRefused` (the routes answer 401):
- its signature verifies (RS256) with a key from the JWKS that Entra ID's OpenID metadata names
  (SSO_OPENID_METADATA; fetched on first use, again when a token names a key not seen yet, at most
  once a minute, so a forged `kid` cannot make the bot hammer Entra ID); fetching failing refuses;
- its issuer is the metadata's, with the token's own tenant put in (`{tenantid}`), or the v1
  issuer `https://sts.windows.net/<tenant>/`;
- its audience is the manifest's webApplicationInfo resource, `api://<host>/<app id>` (v1 tokens),
  or the app id itself (v2 tokens);
- it has not expired (a minute's clock skew allowed) and carries `oid` and `tid`;
- with ALLOWED_TENANTS set, its tenant is one of them.
Who may then see or change what (the roster and roles, by `oid`) is the routes' to decide.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional

import aiohttp
import jwt

from texts import t

log = logging.getLogger(__name__)

ENTRA_METADATA = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
LEEWAY_SECONDS = 60
REFETCH_AFTER = 60.0  # seconds: the shortest wait before keys are fetched again for an unknown kid


class SsoRefused(Exception):
    """The token is not one to accept; the message says why, in words fit for a 401 answer."""


@dataclass(frozen=True)
class SsoUser:
    oid: str
    tid: str
    name: str


class SsoVerifier:
    def __init__(self, app_id: str, public_host: str, metadata_url: str = ENTRA_METADATA, *,
                 allowed_tenants: frozenset = frozenset(), clock: Callable[[], float] = time.time) -> None:
        self.app_id, self.metadata_url, self.allowed_tenants = app_id, metadata_url or ENTRA_METADATA, allowed_tenants
        self.audiences = [f"api://{public_host}/{app_id}", app_id] if app_id else []
        self.clock = clock
        self._keys: dict[str, object] = {}
        self._issuer = ""
        self._fetched_at: Optional[float] = None
        self._lock = asyncio.Lock()
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def verify(self, token: str) -> SsoUser:
        if not self.app_id:
            raise SsoRefused(t("tabs.sso.no_app_id"))
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SsoRefused(t("tabs.sso.not_a_token")) from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise SsoRefused(t("tabs.sso.not_signed"))
        key = await self._key(header["kid"])
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.audiences, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iss", "aud", "tid", "oid"], "verify_iss": False})
        except jwt.ExpiredSignatureError:
            raise SsoRefused(t("tabs.sso.expired")) from None
        except jwt.InvalidAudienceError:
            raise SsoRefused(t("tabs.sso.not_for_app")) from None
        except jwt.PyJWTError as error:
            raise SsoRefused(t("tabs.sso.not_valid", why=type(error).__name__)) from None
        tenant = str(claims["tid"])
        if claims["iss"] not in (self._issuer.replace("{tenantid}", tenant), f"https://sts.windows.net/{tenant}/"):
            raise SsoRefused(t("tabs.sso.wrong_issuer"))
        if self.allowed_tenants and tenant not in self.allowed_tenants:
            raise SsoRefused(t("tabs.sso.not_available"))
        return SsoUser(str(claims["oid"]), tenant, str(claims.get("name") or ""))

    async def _key(self, kid: str):
        async with self._lock:
            stale = self._fetched_at is None or self.clock() - self._fetched_at >= REFETCH_AFTER
            if kid not in self._keys and stale:
                await self._fetch()
        if kid not in self._keys:
            raise SsoRefused(t("tabs.sso.unknown_key"))
        return self._keys[kid]

    async def _fetch(self) -> None:
        self._fetched_at = self.clock()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        try:
            async with self._session.get(self.metadata_url) as response:
                response.raise_for_status()
                metadata = await response.json(content_type=None)
            async with self._session.get(metadata["jwks_uri"]) as response:
                response.raise_for_status()
                jwks = await response.json(content_type=None)
            keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if k.get("kty") == "RSA" and k.get("kid")}
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, TypeError, jwt.PyJWTError) as error:
            log.warning("SSO: cannot fetch the signing keys: %s", type(error).__name__)
            raise SsoRefused(t("tabs.sso.no_keys")) from None
        self._keys, self._issuer = keys, str(metadata.get("issuer", ""))
