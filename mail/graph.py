"""Exchange Online through Microsoft Graph on httpx: mail folders, MIME, move, send, delta."""

import base64
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import httpx

from mail.mailbox import QueuedMessage

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TokenProvider = Callable[[], str]


def msal_token_provider(
    *,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    authority_host: str = "https://login.microsoftonline.com",
    http_client: Any = None,
) -> TokenProvider:
    """Return a provider of app-only tokens (client credentials), cached by MSAL per process."""
    import msal

    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=client_secret,
        authority=f"{authority_host}/{tenant_id}",
        http_client=http_client,
    )
    lock = threading.Lock()

    def token() -> str:
        with lock:
            result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if "access_token" not in result:
            raise RuntimeError(
                f"Microsoft Entra refused a Graph token: {result.get('error')}: "
                f"{result.get('error_description', '')[:200]}"
            )
        return str(result["access_token"])

    return token


class GraphError(RuntimeError):
    """Graph answered with an error status."""


class GraphMailbox:
    """A mailbox in Exchange Online, read with delta queries and moved message by message.

    The queue is listed with a delta query: the first pass lists every message, later passes
    only what arrived since. Messages listed but not moved yet are kept and offered again.
    """

    def __init__(
        self,
        *,
        user: str,
        token: TokenProvider,
        address: str | None = None,
        base_url: str = GRAPH_URL,
        queue: str = "Inbox/Rapport/Queue",
        storage: str = "Inbox/Rapport/Storage",
        failed: str = "Inbox/Rapport/Failed",
        page_size: int = 50,
        client: httpx.Client | None = None,
    ) -> None:
        self.user = user
        self.address = address or user
        self.token = token
        self.base = f"{base_url.rstrip('/')}/users/{quote(user)}"
        self.paths = {"queue": queue, "storage": storage, "failed": failed}
        self.page_size = page_size
        self.http = client or httpx.Client(timeout=30.0)
        self._folders: dict[str, str] = {}
        self._delta_link: str | None = None
        self._unmoved: dict[str, None] = {}

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = self.http.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise GraphError(f"Graph {method} {url.split('?')[0]}: {response.status_code}")
        return response

    def folder(self, name: str) -> str:
        """Return the id of the queue, storage or failed folder, found once by its path."""
        if name not in self._folders:
            parts = [part for part in self.paths[name].split("/") if part]
            first = parts[0].lower()
            well_known = first in {"inbox", "archive", "drafts", "sentitems"}
            url = f"{self.base}/mailFolders/{first if well_known else 'msgfolderroot'}"
            folder_id = self._request("GET", url, params={"$select": "id"}).json()["id"]
            for part in parts[1:] if well_known else parts:
                escaped = part.replace("'", "''")
                found = self._request(
                    "GET",
                    f"{self.base}/mailFolders/{folder_id}/childFolders",
                    params={"$filter": f"displayName eq '{escaped}'", "$select": "id"},
                ).json()["value"]
                if not found:
                    raise GraphError(f"Exchange Online has no folder {self.paths[name]!r}")
                folder_id = found[0]["id"]
            self._folders[name] = folder_id
        return self._folders[name]

    def _delta(self) -> list[str]:
        url: str | None = self._delta_link or (
            f"{self.base}/mailFolders/{self.folder('queue')}/messages/delta?$select=id"
        )
        added: list[str] = []
        prefer = {"Prefer": f"odata.maxpagesize={self.page_size}"}
        while url:
            page = self._request("GET", url, headers=prefer).json()
            for entry in page.get("value", []):
                if "@removed" in entry:
                    self._unmoved.pop(entry["id"], None)
                else:
                    added.append(entry["id"])
            url = page.get("@odata.nextLink")
            if "@odata.deltaLink" in page:
                self._delta_link = page["@odata.deltaLink"]
        return added

    def queue(self, limit: int | None = None) -> Iterator[QueuedMessage]:
        for message_id in self._delta():
            self._unmoved[message_id] = None
        for taken, message_id in enumerate(list(self._unmoved)):
            if limit is not None and taken >= limit:
                return
            try:
                raw = self._request("GET", f"{self.base}/messages/{message_id}/$value").content
            except GraphError as error:
                log.warning("Exchange Online could not return message %s: %s", message_id, error)
                self._unmoved.pop(message_id, None)
                continue
            yield QueuedMessage(message_id, raw)

    def count(self) -> int:
        url = f"{self.base}/mailFolders/{self.folder('queue')}"
        return int(
            self._request("GET", url, params={"$select": "totalItemCount"}).json()["totalItemCount"]
        )

    def store(self, ref: str) -> None:
        self._move(ref, "storage")

    def fail(self, ref: str, reason: str) -> None:
        log.info("Exchange Online message moved to the failed folder: %s", reason)
        self._move(ref, "failed")

    def _move(self, ref: str, name: str) -> None:
        destination = self.folder(name)
        self._request(
            "POST", f"{self.base}/messages/{ref}/move", json={"destinationId": destination}
        )
        self._unmoved.pop(ref, None)

    def send(self, message: EmailMessage) -> None:
        # sendMail takes the whole MIME message, base64-encoded, as text/plain.
        body = base64.b64encode(bytes(message))
        self._request(
            "POST", f"{self.base}/sendMail", content=body, headers={"Content-Type": "text/plain"}
        )
        log.info("Exchange Online sent a message to %s", message["To"])

    def send_many(self, messages: Sequence[EmailMessage]) -> None:
        for message in messages:
            self.send(message)
