"""The Azure Cosmos DB backend, on the async SDK (`azure.cosmos.aio`).

Retry policy: the SDK's own throttling, connection and region-failover retries
(and aiohttp's silent resend) are switched off, and one loop here
(`CosmosStore._call`) retries instead, so that every operation has one
predictable time budget (a Teams turn must finish quickly) and tests can shrink
it. Retried: 429 (waiting what `x-ms-retry-after-ms` asks), 408, 449, 502, 503,
504, timeouts and dropped connections, with capped exponential backoff and
jitter. When the next wait would cross the budget, StoreUnavailable is raised.

A retried write may already have been applied when only its response was lost
(a dropped connection, a timeout). If the retry of such a create or replace then
reports a conflict, the stored document is compared with what we wrote: if it
is ours, the write succeeded. Without this an `update()` could apply twice. (A
delete whose answer was lost and whose retry finds nothing reports False.)

Containers are created with expiry on (`defaultTtl` -1: only documents that carry a
`ttl` expire), and a container made before gets it turned on when the store opens.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlparse

import aiohttp
from azure.core import MatchConditions
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import AioHttpTransport
from azure.cosmos import PartitionKey
from azure.cosmos.aio import CosmosClient
from azure.cosmos.documents import ConnectionPolicy, RetryOptions
from azure.cosmos.exceptions import CosmosClientTimeoutError, CosmosHttpResponseError

from runtime.identity import async_managed_identity
from runtime.retry import backoff_delay, retry_after_ms_seconds
from runtime.settings import Settings, proxy_configured
from .base import (
    CONTAINERS,
    PARTITION_KEY_PATH,
    Conflict,
    DocumentStore,
    NotFound,
    StoreError,
    StoreUnavailable,
    TooLarge,
    check_container,
    check_key,
    check_query,
    content,
    prepare,
    public,
)

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 429, 449, 502, 503, 504}
# Statuses (and transport errors) after which a write may or may not have been applied.
AMBIGUOUS_STATUS = {408, 502, 504}
TRANSPORT_ERRORS = (
    ServiceRequestError,
    ServiceResponseError,
    CosmosClientTimeoutError,
    asyncio.TimeoutError,
    aiohttp.ClientError,
    ConnectionError,
)
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
UNAVAILABLE = "The database is not answering right now; please try again in a moment."


@dataclass(frozen=True)
class RetryPolicy:
    """How long one store operation may keep retrying, and how it waits between attempts."""

    budget: float = 3.0  # seconds for the whole operation, every attempt and wait included (a turn has ~15 s)
    base_delay: float = 0.1  # first backoff; doubles per attempt
    max_delay: float = 1.0  # cap for one backoff wait (a 429's own retry-after is honoured as is)

    def backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.base_delay, self.max_delay)


class _Attempts:
    """What happened during one retried operation."""

    def __init__(self) -> None:
        self.count = 0
        self.ambiguous = False  # an earlier attempt may have been applied without us hearing back


def _transport() -> AioHttpTransport:
    """The SDK's usual aiohttp transport, except that aiohttp may not resend requests itself.

    aiohttp quietly resends an idempotent-method request (PUT, DELETE) once when the
    connection drops. If the first copy of a conditional replace was applied, the copy
    gets a 412, and we would believe someone else had changed the document. Every
    resend has to go through CosmosStore._call, which knows the first may have landed.
    aiohttp has no public switch for this; its own test client sets the same attribute.
    """
    session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
                                    trust_env=proxy_configured())
    session._retry_connection = False  # pylint: disable=protected-access
    return AioHttpTransport(session=session, session_owner=True)


def _may_have_been_applied(error: BaseException) -> bool:
    """False only when the request surely never reached the server (no connection was made).

    azure-core reports every aiohttp client error, including a connection dropped
    after the request was sent, as ServiceRequestError, so look at the cause.
    """
    cause = getattr(error, "inner_exception", None) or error.__cause__ or error
    return not isinstance(cause, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))


def _domain_error(error: CosmosHttpResponseError, what: str) -> StoreError:
    status = error.status_code
    message = str(getattr(error, "message", "") or error)
    if status == 404:
        return NotFound(f"{what} does not exist")
    if status == 409:
        return Conflict(f"{what} already exists")
    if status == 412:
        return Conflict(f"{what} was changed by someone else (ETag mismatch)")
    if status == 413 or "request size is too large" in message.lower():
        return TooLarge(f"{what} is larger than the 2 MB Cosmos DB item limit")
    if status in (401, 403):
        return StoreError(f"Cosmos DB refused the request for {what} ({status}); check COSMOS_ENDPOINT, and "
                          "COSMOS_KEY or the managed identity's Cosmos DB data role")
    return StoreError(f"Cosmos DB error {status} for {what}: {message.splitlines()[0] if message else ''}")


async def _close_credential(credential: Any) -> None:
    if not isinstance(credential, str):
        await credential.close()


class _IdentityFailures:
    """The managed identity credential, whose sign-in failures become StoreUnavailable (the user is told to
    try again; start-up and /readyz report the store down) instead of escaping as azure-identity errors.
    AADSTS500011 (no such resource) still reaches the SDK, which retries with the generic Cosmos DB scope."""

    def __init__(self, credential: Any) -> None:
        self._credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        try:
            return await self._credential.get_token(*scopes, **kwargs)
        except ClientAuthenticationError as error:
            if "AADSTS500011" in str(error):
                raise
            log.warning("cosmos: the managed identity could not sign in: %s", str(error).splitlines()[0][:300])
            raise StoreUnavailable(UNAVAILABLE) from error

    async def close(self) -> None:
        await self._credential.close()


class CosmosStore(DocumentStore):
    backend = "cosmos"

    def __init__(self, client: CosmosClient, retry: RetryPolicy):
        self._client = client
        self._retry = retry
        self._database: Any = None
        self._containers: dict[str, Any] = {}
        self._credential: Any = None  # a managed identity credential to close with the client

    @classmethod
    async def open(cls, settings: Settings, *, retry: Optional[RetryPolicy] = None) -> "CosmosStore":
        """Connect, and create the database and both containers if they are missing."""
        if not settings.uses_cosmos:
            raise ValueError("COSMOS_ENDPOINT must be set to use Cosmos DB")
        if not settings.cosmos_verify_tls and urlparse(settings.cosmos_endpoint).hostname not in LOOPBACK:
            log.warning("COSMOS_VERIFY_TLS is off for %s: its certificate is not checked", settings.cosmos_endpoint)
        policy = ConnectionPolicy()
        policy.RetryOptions = RetryOptions(max_retry_attempt_count=0, max_wait_time_in_seconds=0)
        transport = _transport()
        # The account key when one is set (local use); else the managed identity, whose tokens the SDK asks
        # for the account's own scope (https://<account host>/.default). Azure accounts have key auth off.
        credential = settings.cosmos_key or _IdentityFailures(async_managed_identity(settings))
        try:
            client = CosmosClient(
                settings.cosmos_endpoint,
                credential=credential,
                connection_policy=policy,
                # With discovery on, the SDK retries some failures itself (a write after a dropped
                # connection, a 503), outside our budget and blind to whether the write landed.
                # One account endpoint is all this bot uses.
                enable_endpoint_discovery=False,
                # Off only for the local test server, which has a self-signed certificate.
                connection_verify=settings.cosmos_verify_tls,
                retry_connect=0,
                retry_read=0,
                retry_status=0,
                transport=transport,
            )
        except BaseException:
            await transport.close()
            await _close_credential(credential)
            raise
        store = cls(client, retry or RetryPolicy())
        store._credential = credential
        try:
            database = store._database = await store._ensure(
                f"database {settings.cosmos_database}",
                lambda: client.create_database_if_not_exists(settings.cosmos_database),
            )
            for name in CONTAINERS:
                container = await store._ensure(
                    f"container {name}",
                    lambda name=name: database.create_container_if_not_exists(
                        id=name, partition_key=PartitionKey(path=PARTITION_KEY_PATH), default_ttl=-1
                    ),
                )
                properties = await store._call(f"container {name}", container.read)
                paths = (properties.get("partitionKey") or {}).get("paths")
                if paths != [PARTITION_KEY_PATH]:
                    raise StoreError(
                        f"container {name} in database {settings.cosmos_database} is partitioned by {paths}, "
                        f"not [{PARTITION_KEY_PATH!r}]; use another database or recreate the container"
                    )
                if properties.get("defaultTtl") is None:
                    # Made before documents could expire: turn expiry on (-1: only documents with a `ttl` expire),
                    # keeping the container's indexing policy.
                    container = await store._call(
                        f"container {name}",
                        lambda name=name, container=container, properties=properties: database.replace_container(
                            container, partition_key=PartitionKey(path=PARTITION_KEY_PATH), default_ttl=-1,
                            indexing_policy=properties.get("indexingPolicy"),
                        ),
                    )
                store._containers[name] = container
        except BaseException:
            await client.close()
            await _close_credential(credential)
            raise
        return store

    async def _ensure(self, what: str, operation: Callable[[], Awaitable[Any]]) -> Any:
        """`operation` creates what is missing; instances starting together race to create it, and the
        losers' 409 means it exists now, so they read it on a second try."""
        try:
            return await self._call(what, operation)
        except Conflict:
            return await self._call(what, operation)

    async def _call(
        self, what: str, operation: Callable[[], Awaitable[Any]], attempts: Optional[_Attempts] = None
    ) -> Any:
        """Run operation until it succeeds, fails for good, or the retry budget is spent."""
        attempts = attempts or _Attempts()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry.budget
        while True:
            remaining = deadline - loop.time()
            try:
                async with asyncio.timeout(max(remaining, 0.001)):  # no task per call, as wait_for makes
                    return await operation()
            except CosmosHttpResponseError as error:
                if error.status_code not in RETRY_STATUS:
                    raise _domain_error(error, what) from error
                last: BaseException = error
                headers = error.headers or {}
                wait = retry_after_ms_seconds(headers.get("x-ms-retry-after-ms")) if error.status_code == 429 else None
                if wait is None:
                    wait = self._retry.backoff(attempts.count)
                if error.status_code in AMBIGUOUS_STATUS:
                    attempts.ambiguous = True
            except TRANSPORT_ERRORS as error:
                last = error
                wait = self._retry.backoff(attempts.count)
                if _may_have_been_applied(error):
                    attempts.ambiguous = True
            attempts.count += 1
            if loop.time() + wait >= deadline:
                log.warning("cosmos: giving up on %s after %d attempts: %s", what, attempts.count, last)
                raise StoreUnavailable(UNAVAILABLE) from last
            log.info("cosmos: retrying %s in %.2fs after %s", what, wait, type(last).__name__)
            await asyncio.sleep(wait)

    async def _write(self, what: str, container: str, clean: dict, operation: Callable[[], Awaitable[Any]]) -> dict:
        attempts = _Attempts()
        try:
            return public(await self._call(what, operation, attempts))
        except Conflict as conflict:
            if not attempts.ambiguous:
                raise
            try:
                current = await self.get(container, clean["projectId"], clean["id"])
            except NotFound:
                raise conflict from None
            if content(current) == clean:
                return current  # our earlier attempt went through; only its answer was lost
            raise conflict

    def _container(self, name: str) -> Any:
        check_container(name)
        if name not in self._containers:
            raise StoreError("the store is closed")
        return self._containers[name]

    async def get(self, container: str, project_id: str, id: str) -> dict:
        proxy = self._container(container)
        check_key(project_id, id)
        doc = await self._call(
            f"{container}/{project_id}/{id}", lambda: proxy.read_item(id, partition_key=project_id)
        )
        return public(doc)

    async def create(self, container: str, doc: dict) -> dict:
        proxy = self._container(container)
        clean, _ = prepare(doc)
        what = f"{container}/{clean['projectId']}/{clean['id']}"
        return await self._write(what, container, clean, lambda: proxy.create_item(dict(clean)))

    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        proxy = self._container(container)
        clean, _ = prepare(doc)
        if not isinstance(etag, str) or not etag:
            raise ValueError(f"replace needs the ETag the document was read with, not {etag!r}")
        what = f"{container}/{clean['projectId']}/{clean['id']}"
        return await self._write(
            what,
            container,
            clean,
            lambda: proxy.replace_item(
                clean["id"], dict(clean), etag=etag, match_condition=MatchConditions.IfNotModified
            ),
        )

    async def upsert(self, container: str, doc: dict) -> dict:
        proxy = self._container(container)
        clean, _ = prepare(doc)
        what = f"{container}/{clean['projectId']}/{clean['id']}"
        return public(await self._call(what, lambda: proxy.upsert_item(dict(clean))))

    async def delete(self, container: str, project_id: str, id: str) -> bool:
        proxy = self._container(container)
        check_key(project_id, id)
        try:
            await self._call(f"{container}/{project_id}/{id}", lambda: proxy.delete_item(id, partition_key=project_id))
        except NotFound:
            return False
        return True

    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        proxy = self._container(container)
        check_query(project_id, doc_type, due_by)
        # The projectId condition is redundant with partition_key, and keeps the query
        # honest on servers that would ignore the partition key header.
        sql = "SELECT * FROM c WHERE c.projectId = @projectId"
        parameters: list[dict] = [{"name": "@projectId", "value": project_id}]
        if doc_type is not None:
            sql += " AND c.type = @type"
            parameters.append({"name": "@type", "value": doc_type})
        if due_by is not None:  # the default indexing policy keeps a range index on every string path
            sql += " AND c.dueAt <= @dueBy"
            parameters.append({"name": "@dueBy", "value": due_by})

        async def run() -> list:
            pages = proxy.query_items(sql, parameters=parameters, partition_key=project_id)
            return [item async for item in pages]

        items = await self._call(f"query {container}/{project_id}", run)
        return sorted((public(item) for item in items), key=lambda d: d["id"])

    async def ping(self) -> bool:
        try:
            if self._database is None:
                return False
            await self._call("database", self._database.read)
            return True
        except StoreError:
            return False

    async def close(self) -> None:
        if self._database is not None:
            self._database, self._containers = None, {}
            await self._client.close()
            await _close_credential(self._credential)
