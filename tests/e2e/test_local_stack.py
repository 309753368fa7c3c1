"""The local stack itself: API Gateway's event and response shapes, static files, CORS, start-up errors."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Http, LocalStackProcess
from tools.local_http import LocalFront
from tools.local_lambda import Invocation
from tools.sam_template import load_template

pytestmark = pytest.mark.e2e


class RecordingFront:
    """The HTTP front with a stand-in for the functions: it records each event and answers as told."""

    def __init__(self, web_root: Path) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.authorized: list[dict[str, Any]] = []
        self.result: Any = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}
        self.front = LocalFront(
            ("127.0.0.1", 0),
            template=load_template(),
            invoke=self._invoke,
            web_root=web_root,
            access_log=False,
        )
        self.thread = threading.Thread(
            target=self.front.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.http = Http(f"http://127.0.0.1:{self.front.server_port}")

    def _invoke(self, function_id: str, event: Mapping[str, Any]) -> Invocation:
        if function_id == "AuthorizeRequestFunction":  # the routes' Lambda authorizer: let everyone in
            self.authorized.append(dict(event))
            return Invocation({"isAuthorized": True, "context": {"kind": "anonymous"}}, "auth-1")
        self.events.append((function_id, dict(event)))
        return Invocation(self.result, "req-1")

    def raw_get(self, path: str) -> int:
        """A request with the path exactly as written (no client-side normalisation)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.front.server_port, timeout=10)
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        status = connection.getresponse().status
        connection.close()
        return status

    def close(self) -> None:
        self.front.shutdown()
        self.front.server_close()


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    (root / "nested").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (root / "app.js").write_text("export {};", encoding="utf-8")
    (root / "styles.css").write_text("body{}", encoding="utf-8")
    (root / "nested" / "file.txt").write_text("hello", encoding="utf-8")
    (root / ".hidden").write_text("secret", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("outside", encoding="utf-8")
    (root / "escape.txt").symlink_to(tmp_path / "outside.txt")
    return root


@pytest.fixture
def front(web_root: Path) -> Iterator[RecordingFront]:
    running = RecordingFront(web_root)
    yield running
    running.close()


def test_a_request_becomes_an_http_api_v2_event(front: RecordingFront) -> None:
    response = front.http.request(
        "GET",
        "/v1/users/u_123/assessments?limit=5&cursor=abc&tag=a&tag=b",
        headers={"X-Custom": "Yes", "Cookie": "a=1; b=2", "Authorization": "Bearer t0ken"},
    )

    assert response.status == 200
    function_id, event = front.events[-1]
    assert function_id == "ListAssessmentsFunction"
    stage = load_template().stage
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/users/{user_id}/assessments"
    assert event["rawPath"] == f"/{stage}/v1/users/u_123/assessments"
    assert event["rawQueryString"] == "limit=5&cursor=abc&tag=a&tag=b"
    assert event["queryStringParameters"] == {"limit": "5", "cursor": "abc", "tag": "a,b"}
    assert event["pathParameters"] == {"user_id": "u_123"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-custom"] == "Yes"
    assert event["headers"]["authorization"] == "Bearer t0ken"
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    context = event["requestContext"]
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == event["rawPath"]
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["http"]["userAgent"].startswith("Python-urllib")
    assert context["stage"] == stage
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert isinstance(context["timeEpoch"], int)
    assert context["time"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event


def test_a_text_body_is_passed_as_text_and_a_binary_one_in_base64(front: RecordingFront) -> None:
    front.http.post("/v1/assessments", {"answers": {}})
    _, text_event = front.events[-1]
    binary = bytes(range(256))
    front.http.request(
        "POST", "/v1/assessments", raw=binary, headers={"Content-Type": "application/octet-stream"}
    )
    _, binary_event = front.events[-1]

    assert text_event["routeKey"] == "POST /v1/assessments"
    assert text_event["isBase64Encoded"] is False
    assert json.loads(text_event["body"]) == {"answers": {}}
    assert binary_event["isBase64Encoded"] is True
    assert base64.b64decode(binary_event["body"]) == binary


def test_a_handler_result_becomes_the_http_response(front: RecordingFront) -> None:
    front.result = {
        "statusCode": 202,
        "headers": {"Content-Type": "image/png", "X-One": "1"},
        "multiValueHeaders": {"X-Many": ["a", "b"]},
        "cookies": ["session=abc; HttpOnly", "theme=dark"],
        "body": base64.b64encode(b"\x89PNG\x00\x01").decode(),
        "isBase64Encoded": True,
    }

    connection = http.client.HTTPConnection("127.0.0.1", front.front.server_port, timeout=10)
    connection.request("GET", "/v1/questionnaire")
    response = connection.getresponse()
    body = response.read()
    connection.close()

    assert response.status == 202
    assert body == b"\x89PNG\x00\x01"
    assert response.getheader("Content-Type") == "image/png"
    assert response.getheader("X-One") == "1"
    assert response.msg.get_all("X-Many") == ["a", "b"]
    assert response.msg.get_all("Set-Cookie") == ["session=abc; HttpOnly", "theme=dark"]
    assert response.getheader("Content-Length") == str(len(body))


def test_a_result_without_status_code_is_a_json_200(front: RecordingFront) -> None:
    front.result = {"hello": "world"}

    response = front.http.get("/v1/questionnaire")

    assert response.status == 200
    assert response.json == {"hello": "world"}


def test_the_deployed_stage_prefix_is_accepted_too(front: RecordingFront) -> None:
    stage = load_template().stage

    front.http.get(f"/{stage}/v1/questionnaire")

    function_id, event = front.events[-1]
    assert function_id == "GetQuestionnaireFunction"
    assert event["rawPath"] == f"/{stage}/v1/questionnaire"


def test_an_unknown_api_path_reaches_the_catch_all_route(front: RecordingFront) -> None:
    front.http.get("/v1/nothing/here")

    function_id, event = front.events[-1]
    assert function_id == load_template().match("GET", "/v1/nothing/here").route.function_id  # type: ignore[union-attr]
    assert event["routeKey"] == "$default"


def test_a_cors_preflight_goes_to_the_default_route_as_api_gateway_sends_it(front: RecordingFront) -> None:
    # template.yaml has no CorsConfiguration (the functions answer CORS, echoing career centres'
    # origins), so API Gateway routes a preflight like any request: to $default, with no authorizer
    front.result = {
        "statusCode": 204,
        "headers": {"Access-Control-Allow-Origin": "https://careers.example.edu"},
    }
    response = front.http.request(
        "OPTIONS",
        "/v1/assessments",
        headers={
            "Origin": "https://careers.example.edu",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )

    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "https://careers.example.edu"
    ((function_id, event),) = front.events
    assert function_id == "RouteNotFoundFunction"
    assert event["routeKey"] == "$default"
    assert event["requestContext"]["http"]["method"] == "OPTIONS"
    assert front.authorized == []  # $default has no authorizer


def test_the_routes_authorizer_runs_first_and_its_context_reaches_the_function(front: RecordingFront) -> None:
    front.http.get("/v1/questionnaire")

    (request,) = front.authorized
    assert (request["type"], request["routeKey"], request["identitySource"]) == (
        "REQUEST",
        "GET /v1/questionnaire",
        [],
    )
    ((_, event),) = front.events
    assert event["requestContext"]["authorizer"] == {"lambda": {"kind": "anonymous"}}
    missing = front.http.get("/v1/assessments/a_01k4bwz8e9f0g1h2j3k4m5n6p7")  # needs a credential
    assert (missing.status, missing.json) == (401, {"message": "Unauthorized"})
    assert len(front.events) == 1  # refused at the gateway: no function ran


def test_static_files_have_their_content_types(front: RecordingFront) -> None:
    index = front.http.get("/")
    script = front.http.get("/app.js")
    sheet = front.http.get("/styles.css")
    text = front.http.get("/nested/file.txt")

    assert (index.status, index.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert sheet.headers["content-type"] == "text/css; charset=utf-8"
    assert text.raw == b"hello"
    assert index.headers["x-content-type-options"] == "nosniff"
    revalidated = front.http.get("/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert revalidated.status == 304


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/nested/../../outside.txt",
        "/escape.txt",
        "/.hidden",
        "/nested/",
        "/missing.js",
        "/index.html%00.js",
    ],
)
def test_nothing_outside_web_and_no_directory_listing(front: RecordingFront, path: str) -> None:
    assert front.raw_get(path) == 404


def test_only_reading_methods_on_static_files(front: RecordingFront) -> None:
    response = front.http.request("POST", "/index.html", raw=b"x")

    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_a_port_in_use_is_one_clear_line_and_exit_code_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(
            [sys.executable, "-m", "tools.local_stack", "--port", str(port), "--data-dir", str(tmp_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert finished.returncode == 1
    output = (finished.stdout + finished.stderr).strip()
    assert len(output.splitlines()) == 1, output
    assert "already in use" in output
    assert "Traceback" not in output


def test_one_data_directory_serves_one_stack_at_a_time(stack: LocalStackProcess, tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "tools.local_stack", "--port", "0", "--data-dir", str(stack.data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 1
    assert "in use by another local stack" in finished.stderr
    assert "Traceback" not in finished.stderr
