"""The one place that decides which Azure credential the bot uses when a service has no key or secret
configured: its managed identity.

azure-identity finds the identity endpoint itself: App Service and Container Apps set IDENTITY_ENDPOINT and
IDENTITY_HEADER (the token request must carry that header), a VM answers on IMDS (with `Metadata: true`).
A user-assigned identity is named by its client id (AZURE_CLIENT_ID, or the bot's app id when
MicrosoftAppType is UserAssignedMSI); without one, the system-assigned identity is used.

Graph's token provider is synchronous (it runs in a worker thread, like msal), Cosmos DB's async client
needs the asyncio credential: both are made here.
"""

from __future__ import annotations

from runtime.settings import Settings


def managed_identity(settings: Settings):
    """A synchronous credential (for code that runs in a worker thread)."""
    from azure.identity import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=settings.managed_identity_client_id or None)


def async_managed_identity(settings: Settings):
    """An asyncio credential (azure.identity.aio), for the Cosmos DB client; close it with the client."""
    from azure.identity.aio import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=settings.managed_identity_client_id or None)
