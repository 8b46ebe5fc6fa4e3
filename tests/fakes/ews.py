"""A loopback EWS SOAP server that exchangelib talks to unmodified, recording every request.

It keeps folders and items in memory, answers FindFolder, GetFolder, FindItem (paged),
GetItem (with MimeContent), MoveItem (new ids), CreateItem (SaveOnly, SendOnly and
SendAndSaveCopy with any number of messages per request) and ResolveNames.
"""

import base64
import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
ENVELOPE = (
    f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}" xmlns:m="{M}" '
    f'xmlns:t="{T}"><s:Header><t:ServerVersionInfo MajorVersion="15" MinorVersion="1" '
    f'MajorBuildNumber="2507" MinorBuildNumber="6"/></s:Header><s:Body>{{}}</s:Body></s:Envelope>'
)


@dataclass
class FakeFolder:
    id: str
    name: str
    parent: str | None
    distinguished: str | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class FakeItem:
    id: str
    changekey: str
    mime: bytes
    received: int


class FakeExchange:
    """The mailbox state and the request log; the HTTP handler only translates."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.folders: dict[str, FakeFolder] = {}
        self.items: dict[str, FakeItem] = {}
        self.sent: list[bytes] = []
        self.requests: Counter[str] = Counter()
        root = self._folder("root", None, "root")
        inbox = self._folder("Inbox", root.id, "inbox")
        self._folder("Sent Items", root.id, "sentitems")
        rapport = self._folder("Rapport", inbox.id)
        for name in ("Queue", "Storage", "Failed"):
            self._folder(name, rapport.id)

    def _folder(
        self, name: str, parent: str | None, distinguished: str | None = None
    ) -> FakeFolder:
        folder = FakeFolder(f"F{next(self.ids)}", name, parent, distinguished)
        self.folders[folder.id] = folder
        return folder

    def folder_named(self, name: str) -> FakeFolder:
        """Return the folder with this display name (or distinguished id)."""
        return next(f for f in self.folders.values() if name in (f.name, f.distinguished))

    def deliver(self, mime: bytes, folder: str = "Queue") -> str:
        """Put a message into a folder, as mail arriving would."""
        with self.lock:
            number = next(self.ids)
            item = FakeItem(f"I{number}", f"CK{number}", mime, number)
            self.items[item.id] = item
            self.folder_named(folder).items.append(item.id)
            return item.id

    def count(self, folder: str) -> int:
        return len(self.folder_named(folder).items)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    # Operations: each takes the operation element and returns the response body XML.

    def handle(self, operation: ET.Element) -> str:
        name = operation.tag.rpartition("}")[2]
        self.requests[name] += 1
        handler = getattr(self, f"op_{name}", None)
        if handler is None:
            return _fault("ErrorInvalidRequest", f"{name} is not supported by the fake")
        with self.lock:
            return handler(operation)

    def _resolve(self, element: ET.Element) -> FakeFolder | None:
        if element.tag == f"{{{T}}}DistinguishedFolderId":
            wanted = element.get("Id")
            if wanted == "msgfolderroot":
                wanted = "root"
            return next((f for f in self.folders.values() if f.distinguished == wanted), None)
        return self.folders.get(element.get("Id", ""))

    def op_GetFolder(self, op: ET.Element) -> str:
        messages = []
        for element in op.find(f"{{{M}}}FolderIds") or []:
            folder = self._resolve(element)
            if folder is None:
                messages.append(_error("GetFolder", "ErrorFolderNotFound"))
                continue
            messages.append(_ok("GetFolder", f"<m:Folders>{self._folder_xml(folder)}</m:Folders>"))
        return _response("GetFolder", messages)

    def _folder_xml(self, folder: FakeFolder) -> str:
        parent = self.folders.get(folder.parent or "")
        parent_xml = f'<t:ParentFolderId Id="{parent.id}" ChangeKey="C"/>' if parent else ""
        children = sum(1 for f in self.folders.values() if f.parent == folder.id)
        return (
            f'<t:Folder><t:FolderId Id="{folder.id}" ChangeKey="C"/>{parent_xml}'
            f"<t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>{escape(folder.name)}"
            f"</t:DisplayName><t:TotalCount>{len(folder.items)}</t:TotalCount>"
            f"<t:ChildFolderCount>{children}</t:ChildFolderCount><t:UnreadCount>0</t:UnreadCount>"
            f"</t:Folder>"
        )

    def op_FindFolder(self, op: ET.Element) -> str:
        parents = [self._resolve(e) for e in op.find(f"{{{M}}}ParentFolderIds") or []]
        constant = op.find(f".//{{{T}}}Constant")
        wanted = constant.get("Value") if constant is not None else None
        messages = []
        for parent in parents:
            found = [
                f
                for f in self.folders.values()
                if parent is not None
                and f.parent == parent.id
                and (wanted is None or f.name.lower() == wanted.lower())
            ]
            body = "".join(self._folder_xml(f) for f in found)
            messages.append(
                _ok(
                    "FindFolder",
                    f'<m:RootFolder IndexedPagingOffset="{len(found)}" TotalItemsInView='
                    f'"{len(found)}" IncludesLastItemInRange="true"><t:Folders>{body}'
                    f"</t:Folders></m:RootFolder>",
                )
            )
        return _response("FindFolder", messages)

    def op_FindItem(self, op: ET.Element) -> str:
        view = op.find(f"{{{M}}}IndexedPageItemView")
        offset = int(view.get("Offset", "0")) if view is not None else 0
        size = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
        messages = []
        for element in op.find(f"{{{M}}}ParentFolderIds") or []:
            folder = self._resolve(element)
            ids = sorted(folder.items, key=lambda i: self.items[i].received) if folder else []
            page = ids[offset : offset + size]
            last = "true" if offset + len(page) >= len(ids) else "false"
            body = "".join(
                f'<t:Message><t:ItemId Id="{i}" ChangeKey="{self.items[i].changekey}"/></t:Message>'
                for i in page
            )
            messages.append(
                _ok(
                    "FindItem",
                    f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
                    f'TotalItemsInView="{len(ids)}" IncludesLastItemInRange="{last}">'
                    f"<t:Items>{body}</t:Items></m:RootFolder>",
                )
            )
        return _response("FindItem", messages)

    def op_GetItem(self, op: ET.Element) -> str:
        messages = []
        for element in op.find(f"{{{M}}}ItemIds") or []:
            item = self.items.get(element.get("Id", ""))
            if item is None:
                messages.append(_error("GetItem", "ErrorItemNotFound"))
                continue
            mime = base64.b64encode(item.mime).decode()
            messages.append(
                _ok(
                    "GetItem",
                    f'<m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{mime}'
                    f'</t:MimeContent><t:ItemId Id="{item.id}" ChangeKey="{item.changekey}"/>'
                    f"</t:Message></m:Items>",
                )
            )
        return _response("GetItem", messages)

    def op_MoveItem(self, op: ET.Element) -> str:
        target_element = op.find(f"{{{M}}}ToFolderId")
        target = self._resolve(target_element[0]) if target_element is not None else None
        messages = []
        for element in op.find(f"{{{M}}}ItemIds") or []:
            item = self.items.pop(element.get("Id", ""), None)
            if item is None or target is None:
                messages.append(_error("MoveItem", "ErrorItemNotFound"))
                continue
            for folder in self.folders.values():
                if item.id in folder.items:
                    folder.items.remove(item.id)
            number = next(self.ids)  # Exchange gives a moved item a new id and changekey
            moved = FakeItem(f"I{number}", f"CK{number}", item.mime, item.received)
            self.items[moved.id] = moved
            target.items.append(moved.id)
            messages.append(
                _ok(
                    "MoveItem",
                    f'<m:Items><t:Message><t:ItemId Id="{moved.id}" ChangeKey="{moved.changekey}"/>'
                    f"</t:Message></m:Items>",
                )
            )
        return _response("MoveItem", messages)

    def op_CreateItem(self, op: ET.Element) -> str:
        disposition = op.get("MessageDisposition", "SaveOnly")
        saved = op.find(f"{{{M}}}SavedItemFolderId")
        folder = self._resolve(saved[0]) if saved is not None else None
        messages = []
        for element in op.find(f"{{{M}}}Items") or []:
            mime_element = element.find(f"{{{T}}}MimeContent")
            if mime_element is not None and mime_element.text:
                mime = base64.b64decode(mime_element.text)
            else:
                subject = element.findtext(f"{{{T}}}Subject") or ""
                mime = (
                    f"Subject: {subject}\r\n\r\n{element.findtext(f'{{{T}}}Body') or ''}".encode()
                )
            if disposition in ("SendOnly", "SendAndSaveCopy"):
                self.sent.append(mime)
            if disposition == "SendOnly" or folder is None:
                messages.append(_ok("CreateItem", "<m:Items/>"))
                continue
            number = next(self.ids)
            item = FakeItem(f"I{number}", f"CK{number}", mime, number)
            self.items[item.id] = item
            folder.items.append(item.id)
            if disposition == "SendAndSaveCopy":
                messages.append(_ok("CreateItem", "<m:Items/>"))
            else:
                messages.append(
                    _ok(
                        "CreateItem",
                        f'<m:Items><t:Message><t:ItemId Id="{item.id}" '
                        f'ChangeKey="{item.changekey}"/></t:Message></m:Items>',
                    )
                )
        return _response("CreateItem", messages)

    def op_ResolveNames(self, op: ET.Element) -> str:
        entry = op.findtext(f"{{{M}}}UnresolvedEntry") or ""
        mailbox = (
            f"<t:Resolution><t:Mailbox><t:Name>{escape(entry)}</t:Name><t:EmailAddress>"
            f"{escape(entry)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
            f"<t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Resolution>"
        )
        return _response(
            "ResolveNames",
            [
                _ok(
                    "ResolveNames",
                    f'<m:ResolutionSet TotalItemsInView="1" IncludesLastItemInRange="true">'
                    f"{mailbox}</m:ResolutionSet>",
                )
            ],
        )


def _ok(operation: str, inner: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError'
        f"</m:ResponseCode>{inner}</m:{operation}ResponseMessage>"
    )


def _error(operation: str, code: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Error"><m:MessageText>{code}'
        f"</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0"
        f"</m:DescriptiveLinkKey></m:{operation}ResponseMessage>"
    )


def _response(operation: str, messages: list[str]) -> str:
    return (
        f"<m:{operation}Response><m:ResponseMessages>{''.join(messages)}"
        f"</m:ResponseMessages></m:{operation}Response>"
    )


ERRORS_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"


def _fault(code: str, message: str) -> str:
    return (
        f"<s:Fault><faultcode>s:Client</faultcode><faultstring>{escape(message)}</faultstring>"
        f"<detail><e:ResponseCode xmlns:e={quoteattr(ERRORS_NS)}>"
        f"{code}</e:ResponseCode></detail></s:Fault>"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "EwsServer"

    def do_POST(self) -> None:  # noqa: N802  (the name http.server calls)
        length = int(self.headers.get("Content-Length", "0"))
        envelope = ET.fromstring(self.rfile.read(length))
        body = envelope.find(f"{{{S}}}Body")
        operation = body[0] if body is not None and len(body) else None
        if operation is None:
            self.send_error(400)
            return
        xml = ENVELOPE.format(self.server.exchange.handle(operation)).encode()
        status = 500 if "<s:Fault>" in xml.decode() else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(xml)))
        self.end_headers()
        self.wfile.write(xml)

    def log_message(self, format: str, *args: object) -> None:
        return


class EwsServer(ThreadingHTTPServer):
    """The fake on 127.0.0.1 and a free port; `url` is its EWS endpoint."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.exchange = FakeExchange()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.opened: list[Any] = []  # clients a test opened, closed with the server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/EWS/Exchange.asmx"

    def __enter__(self) -> "EwsServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)
