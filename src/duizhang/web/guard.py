"""What the explorer lets in: one ASGI middleware in front of every route.

A server on 127.0.0.1 is still reachable from any page the user opens in a
browser: a page can post a form to it (so state-changing requests must come from
our own pages: the Origin, else Referer, check), and with DNS rebinding a page
can even read it under its own host name (so only the names the server is meant
to be reached by are answered: the Host allow-list). Pages are sent with a
Content-Security-Policy and X-Frame-Options so that report text, which is
untrusted, can never run script or be framed. Uploads are counted while they
arrive and refused at the limit, not after the whole body is on disk.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Names a local server answers to, whatever ``--host`` says.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: Addresses that mean "every interface": the user chose to serve the network, and
#: the names it is reached by are not known here (``--allow-host`` narrows them).
ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})

#: Our pages load only our own scripts and styles (charts are served locally);
#: nothing may frame them. The API docs page runs Swagger UI's inline start-up script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Multipart framing around an upload's bytes (boundaries, part headers).
UPLOAD_OVERHEAD = 64 * 1024


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """Host names to answer, or None for any (serving every interface without a list).

    >>> sorted(allowed_hosts("127.0.0.1"))
    ['127.0.0.1', '::1', 'localhost']
    >>> allowed_hosts("0.0.0.0") is None, sorted(allowed_hosts("0.0.0.0", ["reports.example.org"]))
    (True, ['127.0.0.1', '::1', 'localhost', 'reports.example.org'])
    """
    names = {h.strip().lower().strip("[]") for h in extra if h.strip()}
    if host in ANY_INTERFACE and not names:
        return None
    if host not in ANY_INTERFACE:
        names.add(host.lower().strip("[]"))
    return frozenset(LOCAL_HOSTS | names)


def host_name(value: str) -> str:
    """The host part of a Host header or URL netloc, lower case, without port or brackets.

    >>> host_name("LOCALHOST:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TooLarge(HTTPException):
    """Raised from the body stream: the route's error handling answers it with a 413."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(413, f"the upload is larger than the {limit_mb} MB limit")


class Guard:
    """Host allow-list, same-origin writes, security headers and a streaming upload limit."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None, max_upload: int,
                 upload_paths: tuple[str, ...] = ("/api/upload",)) -> None:
        self.app = app
        self.hosts = hosts
        self.max_body = max_upload + UPLOAD_OVERHEAD
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        host = headers.get("host", "")
        if self.hosts is not None and host_name(host) not in self.hosts:
            await _refuse(send, 400, f"this server does not answer to the host name {host_name(host) or '(none)'!r}",
                          path)
            return
        if scope.get("method", "GET") in UNSAFE_METHODS and not _same_origin(headers, host):
            await _refuse(send, 403, "refused: the request comes from another site's page", path)
            return
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await _refuse(send, 400, "a query parameter holds a NUL character", path)
            return
        is_upload = path in self.upload_paths
        length = headers.get("content-length", "")
        if is_upload and length.isdigit() and int(length) > self.max_body:
            await _refuse(send, 413, f"the upload is larger than the {(self.max_body - UPLOAD_OVERHEAD) // 2**20} MB limit",
                          path)
            return
        csp = (CSP_DOCS if path == "/docs" else CSP).encode()
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS,
                                      (b"content-security-policy", csp)]
            await send(message)

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise TooLarge((self.max_body - UPLOAD_OVERHEAD) // 2**20)
            return message

        try:
            await self.app(scope, counted_receive if is_upload else receive, send_with_headers)
        except TooLarge as e:
            if not started:  # raised where no route handled it
                await _refuse(send, 413, str(e.detail), path)


def _same_origin(headers: dict[str, str], host: str) -> bool:
    """Whether a state-changing request comes from one of our own pages.

    Browsers send Origin on every cross-site POST (Referer where an old one does
    not); clients that send neither (curl, scripts) are not a browser page.
    """
    origin = headers.get("origin")
    if origin is not None:
        return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()
    referer = headers.get("referer")
    if referer is not None:
        return urlsplit(referer).netloc.lower() == host.lower()
    return True


async def _refuse(send: Send, status: int, message: str, path: str) -> None:
    if path.startswith("/api/"):
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        from html import escape

        body = (f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                f"<h1>{status}</h1><p>{escape(message)}</p>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS, (b"content-security-policy", CSP.encode())]})
    await send({"type": "http.response.body", "body": body})
