"""Requests over a raw socket, for what a test client cannot send: a body cut off before its Content-Length."""

import socket
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RawResponse:
    status: int
    body: bytes


def multipart_body(parts: list[tuple[str, bytes, str | None]]) -> tuple[str, bytes]:
    """The Content-Type and body of a multipart form of ``(field, value, file name or None)`` parts."""
    boundary = uuid.uuid4().hex
    body = b""
    for field, value, file_name in parts:
        disposition = f'form-data; name="{field}"' + (f'; filename="{file_name}"' if file_name else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return f"multipart/form-data; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


def send_cut_off(server_url: str, method: str, path: str, body: bytes, *, sent: int,
                 headers: dict[str, str], hold_open: bool = False, timeout: float = 10) -> RawResponse:
    """Declare ``len(body)`` as Content-Length, send only its first ``sent`` bytes, then end the stream.

    The socket is shut for writing, which the server reads as a dropped connection
    (end of file mid-body) while the answer can still be read. With ``hold_open`` the
    stream stays open instead: an answer then proves the server stopped reading early.
    """
    address = urlsplit(server_url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {address.netloc}", f"Content-Length: {len(body)}",
             "Connection: close", *(f"{name}: {value}" for name, value in headers.items())]
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[:sent])
        if not hold_open:
            connection.shutdown(socket.SHUT_WR)
        reader = connection.makefile("rb")
        status = int(reader.readline().split()[1])
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return RawResponse(status=status, body=reader.read(length))
