"""Security headers, as a browser enforces them: no page of Readiness needs inline script, no page may be
framed except the embedded form, and that only by its own centre's registered origins.

The centre's site is a page on another loopback origin (http://localhost:<port>); the local stack is
http://127.0.0.1:<port>. A violation of a Content-Security-Policy is recorded by a listener that
Playwright installs in every frame before the page's own scripts run (it is not subject to the CSP).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import BrowserPage, LocalStackProcess, LoopbackPage, centre_command, open_page
from tests.e2e.test_centres import HostPage, complete_in_frame

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});
"""
PERMISSIONS_OFF = {"camera=()", "microphone=()", "geolocation=()", "payment=()"}


def policy(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


class FramingPage(LoopbackPage):
    """A page on its own loopback origin that frames a URL directly, as a site copying the iframe would."""

    def __init__(self, frame_src: str) -> None:
        self.frame_src = frame_src
        super().__init__("localhost")

    def html(self) -> str:
        return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Framing</title></head>
<body><iframe title="readiness" src="{self.frame_src}" style="width:100%;height:600px"></iframe>
<script>
window.frameLoaded = false;
document.querySelector("iframe").addEventListener("load", () => {{ window.frameLoaded = true; }});
</script></body></html>"""


def revoke(stack: LocalStackProcess, centre_id: str) -> None:
    centre_command(stack, "revoke", centre_id, json_output=False)


def watched_page(browser: Any) -> BrowserPage:
    opened = open_page(browser)
    opened.page.context.add_init_script(RECORD_VIOLATIONS)
    return opened


@pytest.fixture
def framing() -> Iterator[list[FramingPage]]:
    pages: list[FramingPage] = []
    yield pages
    for page in pages:
        page.close()


def test_static_pages_allow_no_inline_script_and_no_framing(stack: LocalStackProcess) -> None:
    http = stack.http
    for path in ("/", "/centre/", "/embed.js", "/no-such-page"):
        response = http.get(path)
        headers = response.headers
        csp = policy(headers["content-security-policy"])
        assert csp["script-src"] == ["'self'"], path
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["object-src"] == ["'none'"], path
        assert "unsafe" not in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert set(headers["permissions-policy"].replace(" ", "").split(",")) >= PERMISSIONS_OFF, path
    # the embedded form is served by the API for one centre at a time, never as a static page
    assert http.get("/embed/").status == 404


def test_the_embed_route_names_the_centres_origins_and_refuses_unknown_centres(
    stack: LocalStackProcess,
) -> None:
    created = centre_command(
        stack,
        "create", "--name", "Example Careers", "--json",
        "--origin", "https://careers.example.edu", "--origin", "http://localhost:8080",
    )  # fmt: skip
    page = stack.http.get(f"/v1/centres/{created['centre_id']}/embed")
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = policy(page.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["https://careers.example.edu", "http://localhost:8080"]
    assert csp["script-src"] == ["'self'"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "x-frame-options" not in page.headers  # it cannot name several origins; frame-ancestors does

    revoke(stack, created["centre_id"])
    for centre_id in (created["centre_id"], "c_0000000000000000000000000a", "nope"):
        refused = stack.http.get(f"/v1/centres/{centre_id}/embed")
        assert refused.status == 404
        assert policy(refused.headers["content-security-policy"])["frame-ancestors"] == ["'none'"]
        assert refused.headers["x-content-type-options"] == "nosniff"


def test_the_form_renders_framed_by_its_centres_origin_and_is_refused_by_any_other(
    browser: Any, stack: LocalStackProcess, framing: list[FramingPage]
) -> None:
    registered = FramingPage("")
    unregistered = FramingPage("")
    framing.extend([registered, unregistered])
    created = centre_command(
        stack, "create", "--name", "Framed Careers", "--origin", registered.origin, "--json"
    )
    url = f"{stack.base_url}/v1/centres/{created['centre_id']}/embed"
    registered.frame_src = unregistered.frame_src = url

    allowed = watched_page(browser)
    try:
        allowed.page.goto(registered.origin + "/")
        allowed.page.wait_for_function("window.frameLoaded")
        form = allowed.page.frame_locator("iframe").locator("#assessment-form")
        assert form.count() == 1  # the form's document is there (it waits for the host's init message)
        assert allowed.page.evaluate("window.cspViolations") == []
    finally:
        allowed.page.context.close()

    refused = watched_page(browser)
    try:
        refused.page.goto(unregistered.origin + "/")
        refused.page.wait_for_function("window.frameLoaded")
        assert refused.page.frame_locator("iframe").locator("#assessment-form").count() == 0
        (child,) = refused.page.main_frame.child_frames
        assert not child.url.startswith(stack.base_url)  # the browser shows its error page instead
        assert any("frame-ancestors" in message for message in refused.console_errors), refused.console_errors
    finally:
        refused.page.context.close()


def test_no_page_needs_inline_script_and_inline_script_is_refused(
    browser: Any, stack: LocalStackProcess
) -> None:
    host = HostPage("localhost", f"{stack.base_url}/embed.js")
    try:
        created = centre_command(
            stack,
            "create",
            "--name",
            "Strict Careers",
            "--origin",
            host.origin,
            "--k-threshold",
            "2",
            "--json",
        )
        host.key = created["publishable_key"]

        opened = watched_page(browser)
        page = opened.page
        try:
            page.goto(stack.base_url + "/")
            page.wait_for_selector("body[data-ready=true]")
            assert page.evaluate("window.cspViolations") == []
            # the policy is enforced: a script written into the page does not run, and is reported
            page.evaluate(
                """() => { const s = document.createElement("script");
                s.textContent = "window.inlineRan = true"; document.body.append(s); }"""
            )
            page.wait_for_function("window.cspViolations.length > 0")
            assert page.evaluate("window.inlineRan") is None
            assert page.evaluate("window.cspViolations")[0]["directive"] == "script-src-elem"

            (injected,) = [e for e in opened.console_errors if "Content Security Policy" in e]
            assert "inline script" in injected

            page.goto(host.origin + "/")
            complete_in_frame(page, share=True)  # the embedded form, start to report
            frame = next(f for f in page.frames if f.url.startswith(f"{stack.base_url}/v1/centres/"))
            assert frame.evaluate("window.cspViolations") == []

            page.goto(stack.base_url + "/centre/")  # the dashboard, signed in: summary charts, roster
            page.locator("#secret-key").fill(created["secret_key"])
            page.locator("#key-form button[type=submit]").click()
            page.locator("body[data-ready=true]").wait_for()
            assert page.locator("table.students tbody tr").count() == 1
            assert page.evaluate("window.cspViolations") == []
            assert [e for e in opened.console_errors if "Content Security Policy" in e] == [injected]
            assert not [e for e in opened.console_errors if "Permissions-Policy" in e]  # all features known
        finally:
            page.context.close()
    finally:
        host.close()
