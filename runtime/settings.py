"""Settings, read once from the environment at start-up (a `.env` file is honoured)."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Mapping, Optional

from dotenv import dotenv_values

VERSION = "0.1.0"

log = logging.getLogger(__name__)


PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


def proxy_configured() -> bool:
    """Whether outgoing HTTP should honour proxy settings; aiohttp's trust_env costs two thread hops
    per request, so the HTTP clients turn it on only when a proxy is configured."""
    return any(os.environ.get(name) for name in PROXY_VARIABLES)


def read_environment(environ: Optional[Mapping[str, str]] = None, dotenv_path: str = ".env") -> dict:
    """The variables of the `.env` file (when there is one) with `environ` (default: the real
    environment) laid over them, so real environment variables win."""
    env: dict = {}
    if dotenv_path and os.path.exists(dotenv_path):
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return env


class SettingsError(ValueError):
    """A setting is present but unusable; the message says which and why."""


def _flag(value: Optional[str], name: str, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _port(value: Optional[str]) -> int:
    if not value:
        return 3978
    try:
        port = int(value)
    except ValueError:
        raise SettingsError(f"PORT must be a number, not {value!r}") from None
    if not 0 <= port <= 65535:
        raise SettingsError(f"PORT must be between 0 and 65535, not {port}")
    return port


def _number(value: Optional[str], name: str, default: float, *, zero_allowed: bool = False) -> float:
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None
    if number < 0 or number == 0 and not zero_allowed:
        raise SettingsError(f"{name} must be {'0 or more' if zero_allowed else 'greater than 0'}, not {value!r}")
    return number


def _per_week(value: str) -> int:
    if not value:
        return 2
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 20:
        raise SettingsError(f"PLAN_WORKSHOPS_PER_WEEK must be a whole number from 1 to 20, not {value!r}")
    return int(value)


def _choice(value: str, name: str, choices: tuple) -> str:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _secret(value: str, app_id: str) -> dict:
    """The configured signing secret. Unset is only for anonymous local mode: a random secret per
    process would break every link on restart and on every other instance, silently."""
    if not value:
        if app_id:
            raise SettingsError(
                "SIGNING_SECRET is not set. With MicrosoftAppId set it is required: it signs the tab, calendar and "
                "export links, and a random one per process would break them on every restart and on every other "
                f"instance. Make one with {MAKE_A_SECRET} and set the same value on every instance.")
        log.warning("SIGNING_SECRET is not set: links are signed with a random secret and stop working when the "
                    "bot restarts (set one with %s).", MAKE_A_SECRET)
        return {}
    if len(value) < 32:
        raise SettingsError(f"SIGNING_SECRET must be at least 32 characters long; make one with {MAKE_A_SECRET}")
    return {"signing_secret": value.encode(), "signing_secret_configured": True}


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    host: str = "127.0.0.1"
    port: int = 3978
    public_base_url: str = ""
    sqlite_path: str = "data/workshops.sqlite3"
    cosmos_endpoint: str = ""
    cosmos_key: str = ""
    cosmos_database: str = "workshops"
    cosmos_verify_tls: bool = True
    # Where the Bot Framework token validator fetches signing keys; tests point it at a stand-in.
    openid_metadata_url: str = ""
    # Where the tab pages' Teams SSO tokens get their signing keys (Entra ID's; tests point it at a stand-in).
    sso_openid_metadata_url: str = ""
    # Signs download and tab links. Unset: a random one per process (links die on restart); from_env
    # allows that only in anonymous mode.
    signing_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    signing_secret_configured: bool = False
    allowed_tenants: frozenset = frozenset()  # empty: any tenant
    # Microsoft Graph is on when the app id and password are set; these point it elsewhere (tests).
    graph_base_url: str = ""
    aad_authority_host: str = ""
    aad_ca_file: str = ""
    reminder_lead_hours: float = 24.0
    reminder_interval_seconds: float = 60.0
    plan_workshops_per_week: int = 2  # how many workshops a team holds a week, for the plan's schedule
    # The user-assigned managed identity (its client id) for Cosmos DB and Graph when no key or secret is set.
    azure_client_id: str = ""
    # Telemetry: Azure Monitor when the connection string is set; console spans only when asked (debugging).
    appinsights_connection_string: str = field(default="", repr=False)
    telemetry_console: bool = False
    log_format: str = "text"  # or "json": one JSON object per line, for a log collector
    # How long SIGTERM waits for turns in flight before the process exits (Azure gives 30 s).
    shutdown_timeout_seconds: float = 20.0
    # How long a document this instance read or wrote is answered from memory (store/cached.py); 0: never.
    store_cache_seconds: float = 2.0
    # How long the update of a posted card waits for more changes to the same card (bot/card_updates.py).
    card_update_seconds: float = 1.0

    @property
    def base_url(self) -> str:
        """Where people's browsers reach the bot: PUBLIC_BASE_URL, else this machine."""
        return self.public_base_url or f"http://localhost:{self.port}"

    @property
    def anonymous(self) -> bool:
        """No app id: local development with the Agents Playground, no token check."""
        return not self.app_id

    @property
    def uses_cosmos(self) -> bool:
        """Cosmos DB when its endpoint is set: with COSMOS_KEY, or else through the managed identity."""
        return bool(self.cosmos_endpoint)

    @property
    def managed_identity_client_id(self) -> str:
        """AZURE_CLIENT_ID, or the bot's own app id when the bot is a user-assigned managed identity."""
        if self.azure_client_id:
            return self.azure_client_id
        return self.app_id if self.app_type.lower() == "userassignedmsi" else ""

    @property
    def store_backend(self) -> str:
        return "cosmos" if self.uses_cosmos else "sqlite"

    @classmethod
    def from_env(
        cls, environ: Optional[Mapping[str, str]] = None, dotenv_path: str = ".env"
    ) -> "Settings":
        """Real environment variables win over the `.env` file."""
        env = read_environment(environ, dotenv_path)
        get = lambda name, default="": (env.get(name) or default).strip()  # noqa: E731
        app_id = get("MicrosoftAppId")
        return cls(
            app_id=app_id,
            app_password=get("MicrosoftAppPassword"),
            app_type=get("MicrosoftAppType", "MultiTenant"),
            app_tenant_id=get("MicrosoftAppTenantId"),
            # Anonymous mode listens on loopback only unless HOST says otherwise.
            host=get("HOST", "127.0.0.1" if not app_id else "0.0.0.0"),
            port=_port(get("PORT")),
            public_base_url=get("PUBLIC_BASE_URL").rstrip("/"),
            sqlite_path=get("SQLITE_PATH", "data/workshops.sqlite3"),
            cosmos_endpoint=get("COSMOS_ENDPOINT"),
            cosmos_key=get("COSMOS_KEY"),
            cosmos_database=get("COSMOS_DATABASE", "workshops"),
            cosmos_verify_tls=_flag(env.get("COSMOS_VERIFY_TLS"), "COSMOS_VERIFY_TLS", True),
            openid_metadata_url=get("BOT_OPENID_METADATA"),
            sso_openid_metadata_url=get("SSO_OPENID_METADATA"),
            **_secret(get("SIGNING_SECRET"), app_id),
            graph_base_url=get("GRAPH_BASE_URL"),
            aad_authority_host=get("AAD_AUTHORITY_HOST"),
            aad_ca_file=get("AAD_CA_FILE"),
            allowed_tenants=frozenset(t.strip() for t in get("ALLOWED_TENANTS").split(",") if t.strip()),
            reminder_lead_hours=_number(get("REMINDER_LEAD_HOURS"), "REMINDER_LEAD_HOURS", 24.0),
            reminder_interval_seconds=_number(get("REMINDER_INTERVAL_SECONDS"), "REMINDER_INTERVAL_SECONDS", 60.0),
            plan_workshops_per_week=_per_week(get("PLAN_WORKSHOPS_PER_WEEK")),
            azure_client_id=get("AZURE_CLIENT_ID"),
            appinsights_connection_string=get("APPLICATIONINSIGHTS_CONNECTION_STRING"),
            telemetry_console=_flag(env.get("TELEMETRY_CONSOLE"), "TELEMETRY_CONSOLE", False),
            log_format=_choice(get("LOG_FORMAT", "text").lower(), "LOG_FORMAT", ("text", "json")),
            shutdown_timeout_seconds=_number(get("SHUTDOWN_TIMEOUT_SECONDS"), "SHUTDOWN_TIMEOUT_SECONDS", 20.0),
            card_update_seconds=_number(get("CARD_UPDATE_SECONDS"), "CARD_UPDATE_SECONDS", 1.0,
                                        zero_allowed=True),
            store_cache_seconds=_number(get("STORE_CACHE_SECONDS"), "STORE_CACHE_SECONDS", 2.0,
                                        zero_allowed=True),
        )
