"""End-to-end fixtures: the local stack as a subprocess on a free loopback port, an HTTP client for
it, and headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) for the web form."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools.local_http import free_port

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
START_TIMEOUT_SECONDS = 60


# ---------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def error(self) -> dict[str, Any]:
        """The product's error envelope, checked for shape."""
        body = self.json
        assert set(body) == {"error"}, body
        error: dict[str, Any] = body["error"]
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)
        assert isinstance(error["details"], list)
        return error


class Http:
    """A loopback HTTP client (no proxies, whatever the environment says)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None and raw is None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return Response(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
                )
        except urllib.error.HTTPError as error:
            return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, body=body, **kwargs)


# ---------------------------------------------------------------- the local stack


@dataclass
class LocalStackProcess:
    """`python -m tools.local_stack` on a free loopback port with its own data directory."""

    data_dir: Path
    log_path: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def http(self) -> Http:
        return Http(self.base_url)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self, *, fresh: bool = False) -> None:
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            self.port = free_port()
            env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_ENDPOINT_URL"}
            args = [sys.executable, "-m", "tools.local_stack", "--port", str(self.port)]
            args += ["--data-dir", str(self.data_dir), "--quiet", *self.extra_args]
            if fresh:
                args.append("--fresh")
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            if self._wait_ready():
                return
            if "already in use" not in self.log():
                break
        raise AssertionError(f"the local stack did not start:\n{self.log()}")

    def _wait_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        http = self.http
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                if http.get("/v1/questionnaire", timeout=2).status == 200:
                    return True
            time.sleep(0.1)
        self.process.kill()
        return False

    def stop(self) -> int:
        """Ctrl-C, as a person would; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """One local stack for the session (tests that restart a stack start their own)."""
    root = tmp_path_factory.mktemp("local-stack")
    # Every request of the session comes from 127.0.0.1, many from one user: the per-caller limits
    # (tests/integration/test_limits.py proves them) are raised so that they do not refuse the suite.
    raised = [
        "UserSubmissionsPerHour=100000",
        "UserSubmissionsPerDay=1000000",
        "SourceSubmissionsPerHour=100000",
    ]
    running = LocalStackProcess(
        data_dir=root / "data",
        log_path=root / "stack.log",
        extra_args=[arg for value in raised for arg in ("--parameter", value)],
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    """A local stack for one test, stopped afterwards (for restarts and exit codes)."""
    running = LocalStackProcess(data_dir=tmp_path / "data", log_path=tmp_path / "stack.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def http(stack: LocalStackProcess) -> Http:
    return stack.http


@pytest.fixture(scope="session")
def questionnaire(http: Http) -> dict[str, Any]:
    response = http.get("/v1/questionnaire")
    assert response.status == 200
    document: dict[str, Any] = response.json
    return document


def valid_answers(questionnaire: dict[str, Any], level: int = 1) -> dict[str, Any]:
    """An answer to every question of the served questionnaire; a higher level answers higher."""
    answers: dict[str, Any] = {}
    for section in questionnaire["sections"]:
        for question in section["questions"]:
            kind = question["kind"]
            if kind == "likert":
                answers[question["id"]] = min(question["max"], question["min"] + level)
            elif kind == "count":
                answers[question["id"]] = min(question["max"], question["min"] + 3 * level)
            elif kind == "choice":
                choices = question["choices"]
                answers[question["id"]] = choices[min(len(choices) - 1, level)]["value"]
            else:
                answers[question["id"]] = level % 2 == 1
    return answers


def submission(
    questionnaire: dict[str, Any], level: int = 1, activities: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "questionnaire_version": questionnaire["version"],
        "answers": valid_answers(questionnaire, level),
        "activities": activities or [],
    }


def new_key() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------- the browser


def _chromium_missing() -> str | None:
    if not CHROMIUM.exists():
        return "Debian's chromium is missing: `make test` installs it, or run 'sudo apt-get install chromium'"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _chromium_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class BrowserPage:
    """A page in a fresh browser context, with what it logged and which hosts it asked for."""

    page: Any
    console_errors: list[str]
    requested_urls: list[str]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


def open_page(browser: Any, *, width: int = 1280, height: int = 900) -> BrowserPage:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-GB", timezone_id="UTC"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    urls: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("request", lambda request: urls.append(request.url))
    return BrowserPage(page, errors, urls)


@pytest.fixture
def web(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    """A desktop-sized page in a fresh context (empty localStorage: a first-time visitor)."""
    opened = open_page(browser)
    yield opened
    if request.node.stash.get(_FAILED, False):
        opened.page.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
    opened.page.context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/e2e/, emptied once per session: an earlier run's screenshots never pass for these."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # parallel workers would empty each other's
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------- other sites, and centres


class LoopbackPage:
    """A page of another site (a career centre's, say) on its own loopback origin: it serves what
    ``html()`` returns. ``host`` names the origin (``localhost`` and ``127.0.0.1`` are two origins)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                html = page.html().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.origin = f"http://{host}:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def html(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def centre_command(stack: LocalStackProcess, *args: str, json_output: bool = True) -> dict[str, Any]:
    """``python -m readiness centre ARGS`` against the stack's table; its JSON output (``json_output``:
    the command was given ``--json``, or prints it anyway; else an empty document)."""
    endpoint = (stack.data_dir / "dynamodb-endpoint").read_text().strip()
    command = ["centre", "--endpoint-url", endpoint, "--table", "ReadinessTable", *args]
    result = subprocess.run(
        [sys.executable, "-m", "readiness", *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout) if json_output else {}
    return document
