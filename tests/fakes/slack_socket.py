"""A local Socket Mode endpoint: a minimal WebSocket server that pushes Slack envelopes."""

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from socketserver import BaseRequestHandler, ThreadingTCPServer
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    """Accepts Socket Mode connections, sends queued envelopes, records the acks."""

    def __init__(self) -> None:
        self.envelopes: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server = ThreadingTCPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.server_address[1]}/link"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record_ack(self, ack: dict[str, Any]) -> None:
        with self._changed:
            self.acks.append(ack)
            self._changed.notify_all()

    def wait_for_acks(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.acks) < count and (remaining := deadline - time.monotonic()) > 0:
                self._changed.wait(remaining)
            assert len(self.acks) >= count, f"expected {count} acks, got {self.acks}"
            return list(self.acks)


def _handler(fake: FakeSocketMode) -> type[BaseRequestHandler]:
    class Handler(BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            if not _handshake(sock):
                return
            _send(sock, TEXT, json.dumps({"type": "hello", "num_connections": 1}).encode())
            for envelope in fake.envelopes:
                _send(sock, TEXT, json.dumps(envelope).encode())
            while True:
                frame = _receive(sock)
                if frame is None or frame[0] == CLOSE:
                    return
                opcode, data = frame
                if opcode == PING:
                    _send(sock, PONG, data)
                elif opcode == TEXT:
                    fake.record_ack(json.loads(data))

    return Handler


def _handshake(sock: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = sock.recv(1024)
        if not chunk:
            return False
        request += chunk
    headers = dict(
        line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
    )
    key = {name.lower(): value for name, value in headers.items()}["sec-websocket-key"]
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    sock.sendall(
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()
    )
    return True


def _send(sock: socket.socket, opcode: int, data: bytes) -> None:
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        head += bytes([len(data)])
    elif len(data) < 65536:
        head += bytes([126]) + struct.pack("!H", len(data))
    else:
        head += bytes([127]) + struct.pack("!Q", len(data))
    sock.sendall(head + data)


def _receive(sock: socket.socket) -> tuple[int, bytes] | None:
    head = _exactly(sock, 2)
    if head is None:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(sock, 2) or b"\0\0")[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(sock, 8) or bytes(8))[0]
    mask = _exactly(sock, 4) if head[1] & 0x80 else b"\0\0\0\0"
    data = _exactly(sock, length) or b""
    return opcode, bytes(byte ^ (mask or b"\0\0\0\0")[i % 4] for i, byte in enumerate(data))


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data
