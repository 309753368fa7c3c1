"""The local stack's HTTP front: API Gateway (HTTP API, payload v2) in front of the local functions,
and a static file server for the web form.

Each /v1 request becomes the event API Gateway would send (tools.http_api_event) for the route
template.yaml maps it to; each handler result becomes the HTTP response API Gateway would return.
Everything else is a file under web/ (no directory listings, nothing outside web/).
"""

from __future__ import annotations

import base64
import errno
import json
import posixpath
import socket
import socketserver
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import unquote, urlsplit

from tools.http_api_event import build_event
from tools.local_authorizer import GatewayAuth, gateway_body, with_authorizer_context
from tools.local_lambda import FunctionFailed, FunctionTimedOut, Invocation, WorkerLost
from tools.local_s3 import LocalUploads
from tools.sam_template import DEFAULT_ROUTE, SamTemplate

API_PREFIX = "/v1"
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's HTTP API payload limit
# API Gateway's HTTP API quota: "total combined size of request line and header values", 10240 bytes
MAX_REQUEST_LINE_AND_HEADER_BYTES = 10240
# A client that stops sending its body for this long is answered 408 (its thread is not held forever).
BODY_IDLE_SECONDS = 5.0
# Hop-by-hop and length headers are the front's business, not the function's.
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"}
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}
# The headers a static host should send with web/ (docs/api.md): the pages run no inline script or
# style, and no page of web/ may be framed. The one page that is framed, the form a career centre
# embeds, is not a static file: the API serves it (GET /v1/centres/{centre_id}/embed) with
# frame-ancestors naming that centre's origins, which a static host cannot vary per centre.
STATIC_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",  # browsers older than frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        "payment=(), usb=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


class PortInUse(OSError):
    """The address is taken (or not ours to bind)."""


def error_envelope(code: str, message: str, details: list[dict[str, str]] | None = None) -> bytes:
    """The product's error body (PRODUCT.md): what a client gets whoever produced the error."""
    return json.dumps({"error": {"code": code, "message": message, "details": details or []}}).encode()


def is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media
        in {
            "application/json",
            "application/xml",
            "application/javascript",
            "application/x-www-form-urlencoded",
            "",
        }
        or media.endswith(("+json", "+xml"))
    )


@dataclass(frozen=True)
class CorsPolicy:
    """The HTTP API's CorsConfiguration, as API Gateway applies it (preflight answered at the edge)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, template: SamTemplate) -> CorsPolicy | None:
        for resource in (template.document.get("Resources") or {}).values():
            if resource.get("Type") != "AWS::Serverless::HttpApi":
                continue
            config = (resource.get("Properties") or {}).get("CorsConfiguration")
            if not config:
                return None
            if config is True:
                return cls(("*",), ("*",), ("*",))

            def values(name: str, config: dict[str, Any] = config) -> tuple[str, ...]:
                return tuple(_parameter_value(v, template.parameters) for v in config.get(name) or [])

            max_age = config.get("MaxAge")
            return cls(
                allow_origins=values("AllowOrigins"),
                allow_methods=tuple(m.upper() for m in values("AllowMethods")),
                allow_headers=tuple(h.lower() for h in values("AllowHeaders")),
                expose_headers=values("ExposeHeaders"),
                max_age=int(_parameter_value(max_age, template.parameters)) if max_age is not None else None,
                allow_credentials=bool(config.get("AllowCredentials", False)),
            )
        return None

    def allowed_origin(self, origin: str) -> str | None:
        if "*" in self.allow_origins:
            return origin if self.allow_credentials else "*"
        return origin if origin in self.allow_origins else None

    def preflight(self, origin: str, method: str, headers: str) -> dict[str, str] | None:
        allowed = self.allowed_origin(origin)
        if allowed is None or ("*" not in self.allow_methods and method.upper() not in self.allow_methods):
            return None
        requested = [h.strip().lower() for h in headers.split(",") if h.strip()]
        if "*" not in self.allow_headers and any(h not in self.allow_headers for h in requested):
            return None
        answer = {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Allow-Methods": ",".join(self.allow_methods),
            "Access-Control-Allow-Headers": ",".join(requested)
            if requested
            else ",".join(self.allow_headers),
        }
        if self.max_age is not None:
            answer["Access-Control-Max-Age"] = str(self.max_age)
        if self.allow_credentials:
            answer["Access-Control-Allow-Credentials"] = "true"
        return answer

    def response_headers(self, origin: str) -> dict[str, str]:
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return {}
        answer = {"Access-Control-Allow-Origin": allowed}
        if self.expose_headers:
            answer["Access-Control-Expose-Headers"] = ",".join(self.expose_headers)
        if self.allow_credentials:
            answer["Access-Control-Allow-Credentials"] = "true"
        return answer


def _parameter_value(value: Any, parameters: Mapping[str, str]) -> str:
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    return str(value)


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def response_from_result(result: Any) -> HttpResponse:
    """A Lambda proxy result (payload v2) as API Gateway turns it into an HTTP response.

    A result without ``statusCode`` is, as API Gateway infers for format 2.0, a 200 JSON body.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("Content-Type", "application/json")], text.encode())
    status = int(result["statusCode"])
    if not 100 <= status <= 599:
        raise ValueError(f"statusCode {status} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in _DROPPED_RESPONSE_HEADERS:
            headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name.lower() not in _DROPPED_RESPONSE_HEADERS and not any(
            h[0].lower() == name.lower() for h in headers
        ):
            headers.extend((str(name), str(v)) for v in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = str(raw).encode()
    if body and not any(h[0].lower() == "content-type" for h in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


class LocalFront(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, keep-alive, loopback by default."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        template: SamTemplate,
        invoke: Callable[[str, Mapping[str, Any]], Invocation],
        web_root: Path,
        access_log: bool = True,
        uploads: LocalUploads | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.uploads = uploads  # the embedded S3 on this origin (set once it runs; see tools.local_s3)
        self.invoke = invoke
        self.web_root = web_root.resolve()
        self.access_log = access_log
        self.cors = CorsPolicy.from_template(template)
        self.auth = GatewayAuth.from_template(template, parameters)
        self.has_default_route = any(r.path == DEFAULT_ROUTE for r in template.routes)
        try:
            super().__init__(address, FrontHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {address[1]} on {address[0]} is already in use: stop whatever is using it, "
                    f"or pick another port (make run PORT={address[1] + 1})"
                ) from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise PortInUse(
                    f"not allowed to listen on {address[0]}:{address[1]}: pick a port above 1023"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise PortInUse(f"{address[0]} is not an address of this machine") from None
            raise

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS, which can stall start-up for seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)


class FrontHandler(BaseHTTPRequestHandler):
    server: LocalFront
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (40 ms on Linux) on every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "readiness-local"
    sys_version = ""
    _status = 0

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the front writes its own access log (see _log)

    def parse_request(self) -> bool:
        """The request line and headers; beyond API Gateway's size quota, a 431 and nothing runs."""
        if not super().parse_request():
            return False
        size = len(self.requestline) + sum(len(value) for value in self.headers.values())
        if size > MAX_REQUEST_LINE_AND_HEADER_BYTES:
            self.close_connection = True
            self._send_error(
                431,
                "request_header_fields_too_large",
                f"the request line and headers must be at most {MAX_REQUEST_LINE_AND_HEADER_BYTES} bytes",
                details=[{"field": "headers", "message": f"{size} bytes with the request line"}],
            )
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a line or header too long, too many headers, a bad request line)
        in the API's envelope, not as an HTML page."""
        self.close_connection = True
        reason = self.responses.get(code, ("error", ""))[0]
        self._send_error(
            code,
            reason.lower().replace(" ", "_"),
            message or reason,
            details=[{"field": "headers" if code == 431 else "request", "message": message or reason}],
        )

    def do_GET(self) -> None:
        self._dispatch()

    # TRACE and QUERY too: they go to the routes like any other method ($default, whose function
    # answers 405 with Allow on a known path), where http.server alone would answer 501
    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = do_QUERY = do_GET

    # ------------------------------------------------------------ dispatch

    def _dispatch(self) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        path = split.path or "/"
        stage = self.server.template.stage
        if stage != DEFAULT_ROUTE and (path == f"/{stage}" or path.startswith(f"/{stage}/")):
            path = path[len(stage) + 1 :] or "/"  # the deployed URL's stage prefix is accepted too
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            function_id = self._api(path, split.query)
        elif self.server.uploads is not None and self.server.uploads.serves(path):
            function_id = None
            self._s3(path, split.query)
        else:
            function_id = None
            self._static(path)
        if self.server.access_log:
            elapsed = (time.perf_counter() - started) * 1000
            target = f" -> {function_id}" if function_id else ""
            print(
                f"{self.command} {path}{target} {self._status} {elapsed:.1f} ms", file=sys.stderr, flush=True
            )

    def _send(self, response: HttpResponse) -> None:
        self._status = response.status
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):  # these have no body, and say no length
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def _send_error(
        self,
        status: int,
        code: str,
        message: str,
        extra: list[tuple[str, str]] | None = None,
        *,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        headers = [("Content-Type", "application/json"), *(extra or [])]
        self._send(HttpResponse(status, headers, error_envelope(code, message, details)))

    # ------------------------------------------------------------ the API

    def _read_body(self) -> bytes | None:
        """The request body, or None when a response has already been sent for it: a body that stops
        arriving for BODY_IDLE_SECONDS is a 408, one that ends before its Content-Length a 400."""
        self.connection.settimeout(BODY_IDLE_SECONDS)
        try:
            body = self._read_declared_body()
        except TimeoutError:
            self.close_connection = True
            self._send_error(
                408,
                "request_timeout",
                f"the request body stopped arriving for {BODY_IDLE_SECONDS:g} seconds",
                details=[{"field": "body", "message": "is shorter than its Content-Length"}],
            )
            return None
        finally:
            self.connection.settimeout(self.timeout)
        return body

    def _read_declared_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._send_error(
                400,
                "bad_request",
                "Content-Length is not a number",
                details=[{"field": "headers.Content-Length", "message": "must be a whole number of bytes"}],
            )
            return None
        if length > MAX_PAYLOAD_BYTES:
            self.close_connection = True
            self._send_error(
                413,
                "payload_too_large",
                f"the request body must be at most {MAX_PAYLOAD_BYTES} bytes",
                details=[{"field": "body", "message": f"must be at most {MAX_PAYLOAD_BYTES} bytes"}],
            )
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client closed its side early: never pass a truncated body on
            self.close_connection = True
            self._send_error(
                400,
                "bad_request",
                "the request body ended before its Content-Length",
                details=[{"field": "body", "message": "is shorter than its Content-Length"}],
            )
            return None
        return body

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                self.close_connection = True
                self._send_error(400, "bad_request", "malformed chunked body")
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_PAYLOAD_BYTES:
                self.close_connection = True
                self._send_error(
                    413, "payload_too_large", f"the request body must be at most {MAX_PAYLOAD_BYTES} bytes"
                )
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _request_headers(self) -> tuple[dict[str, str], list[str]]:
        """Headers as API Gateway passes them: lower-cased, repeats joined by commas, cookies apart."""
        headers: dict[str, str] = {}
        for name in self.headers:
            key = name.lower()
            if key in headers:
                continue
            headers[key] = ",".join(self.headers.get_all(name) or [])
        cookies: list[str] = []
        for value in self.headers.get_all("Cookie") or []:
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        headers.pop("cookie", None)
        headers.pop("transfer-encoding", None)
        return headers, cookies

    def _api(self, path: str, raw_query: str) -> str | None:
        server = self.server
        origin = self.headers.get("Origin")
        if (
            self.command == "OPTIONS"
            and origin
            and self.headers.get("Access-Control-Request-Method")
            and server.cors
        ):
            allowed = server.cors.preflight(
                origin,
                self.headers["Access-Control-Request-Method"],
                self.headers.get("Access-Control-Request-Headers", ""),
            )
            self._send(HttpResponse(204, list((allowed or {}).items())))
            return None
        body = self._read_body()
        if body is None:
            return None
        cors_headers = list(server.cors.response_headers(origin).items()) if server.cors and origin else []
        decoded_path = unquote(path)
        match = server.template.match(self.command, decoded_path)
        if match is None:
            self._send_error(404, "not_found", f"no route for {self.command} {path}", cors_headers)
            return None
        route = match.route
        route_key = DEFAULT_ROUTE if route.path == DEFAULT_ROUTE else f"{route.method} {route.path}"
        headers, cookies = self._request_headers()
        host = self.client_address[0]
        headers.setdefault("x-forwarded-for", str(host))
        headers.setdefault("x-forwarded-proto", "http")
        headers.setdefault("x-forwarded-port", str(server.server_port))
        request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16]
        textual = is_text(headers.get("content-type", ""))
        try:
            text_body = body.decode("utf-8") if body and textual else None
        except UnicodeDecodeError:
            text_body = None
        event = build_event(
            self.command,
            decoded_path,  # API Gateway's HTTP API passes the path decoded, as it matched it
            route_key=route_key,
            stage=server.template.stage,
            path_parameters=match.path_parameters or None,
            headers=headers,
            query=raw_query,
            body=text_body if body else None,
            source_ip=str(host),
            request_id=request_id,
        )
        if body and text_body is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        if cookies:
            event["cookies"] = cookies
        extra = [("apigw-requestid", request_id), *cors_headers]
        # the route's Lambda authorizer, as API Gateway runs it (tools.local_authorizer)
        outcome = server.auth.check(self.command, route.path, event, self._authorize)
        if not outcome.allowed:
            assert outcome.status is not None
            gateway = [("Content-Type", "application/json"), *extra]
            self._send(HttpResponse(outcome.status, gateway, gateway_body(outcome)))
            return f"{outcome.authorizer} (refused)"
        with_authorizer_context(event, outcome.context)
        try:
            invocation = server.invoke(route.function_id, event)
            response = response_from_result(invocation.result)
        except FunctionFailed as exc:
            print(f"local stack: {exc}\n{exc.traceback}", file=sys.stderr, flush=True)
            self._send_error(
                500,
                "internal_error",
                "the function failed; the local stack's console has the traceback",
                extra,
            )
            return route.function_id
        except FunctionTimedOut as exc:
            print(f"local stack: {exc}", file=sys.stderr, flush=True)
            self._send_error(504, "function_timeout", str(exc), extra)
            return route.function_id
        except WorkerLost as exc:
            print(f"local stack: {exc}", file=sys.stderr, flush=True)
            self._send_error(502, "function_crashed", str(exc), extra)
            return route.function_id
        except (ValueError, TypeError) as exc:
            print(
                f"local stack: {route.function_id} returned an invalid response: {exc}",
                file=sys.stderr,
                flush=True,
            )
            self._send_error(
                502, "invalid_function_response", f"{route.function_id} returned an invalid response", extra
            )
            return route.function_id
        response.headers.extend(extra)
        self._send(response)
        return route.function_id

    # ------------------------------------------------------------ S3 (uploads of LinkedIn exports)

    def _s3(self, path: str, query: str) -> None:
        uploads = self.server.uploads
        assert uploads is not None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._send(
                HttpResponse(
                    411,
                    [("Content-Type", "application/xml")],
                    b"<Error><Code>MissingContentLength</Code></Error>",
                )
            )
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = uploads.handle(self.command, path, query, headers, cast(BinaryIO, self.rfile), length)
        if answer.status >= 400 and length:
            self.close_connection = True  # the body may not all have been read
        self._send(HttpResponse(answer.status, answer.headers, answer.body))

    def _authorize(self, function_id: str, event: dict[str, Any]) -> Any:
        return self.server.invoke(function_id, event).result

    # ------------------------------------------------------------ the web form

    def _static(self, path: str) -> None:
        if self.command not in ("GET", "HEAD"):
            self._send(
                HttpResponse(
                    405,
                    [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")],
                    b"Method not allowed\n",
                )
            )
            return
        target = self._static_target(path)
        if target is None:
            self._not_found()
            return
        if target.is_dir():
            if not path.endswith("/"):
                self._send(HttpResponse(301, [("Location", path + "/")]))
                return
            target = target / "index.html"
            if not target.is_file():
                self._not_found()  # never a directory listing
                return
        stat = target.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = [
            ("Content-Type", CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")),
            ("ETag", etag),
            *STATIC_SECURITY_HEADERS.items(),
        ]
        if etag in [tag.strip() for tag in (self.headers.get("If-None-Match") or "").split(",")]:
            self._send(HttpResponse(304, headers))
            return
        self._send(HttpResponse(200, headers, target.read_bytes()))

    def _static_target(self, path: str) -> Path | None:
        decoded = unquote(path)
        if "\x00" in decoded or "\\" in decoded:
            return None
        parts = [part for part in posixpath.normpath(decoded).split("/") if part]
        if any(part.startswith(".") for part in parts):
            return None  # no dotfiles, no parent directories
        root = self.server.web_root
        target = root.joinpath(*parts).resolve() if parts else root
        if target != root and not target.is_relative_to(root):
            return None  # a symlink pointing out of web/
        return target if target.exists() else None

    def _not_found(self) -> None:
        page = (
            b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>'
            b'<body><h1>Not found</h1><p><a href="/">Go to the readiness check</a></p></body></html>'
        )
        self._send(
            HttpResponse(
                404, [("Content-Type", "text/html; charset=utf-8"), *STATIC_SECURITY_HEADERS.items()], page
            )
        )


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for tests and benchmarks that start a stack)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
