"""Fuzzing: schemathesis against the local stack's own OpenAPI document, over real HTTP on loopback.

Every operation the served document (GET /v1/openapi.json) lists is run, so a route added later is
fuzzed as soon as the document names it. Each gets schemathesis's explicit-examples, coverage and
fuzzing phases (at most ``MAX_EXAMPLES`` generated examples, positive and negative) and every
default check: no 5xx, status codes, content types, headers and bodies as documented, negative
data rejected, positive data accepted, auth enforced, missing required headers refused,
unsupported methods answered 405.

Credentials follow each operation's security requirement: a user token, a centre's secret key
(``sk_...``), a publishable key (``pk_...``, from one of the centre's origins) or none, as the
document allows (see ``Credentials``). Each operation gets a student of its own (a user who took
the assessment through the centre's form, twice, and shares results with it, with an import and a
schedule), so what one operation's fuzzing changes (a consent withdrawn, a schedule, a user erased)
cannot turn another's cases into 404s. Path parameters are that student's real ids most of the time
(``REAL_ID_PERCENT``, unless the path is the part a negative case makes invalid), so that cases reach
the handlers' checks, and generated values the rest.

Two rules of the API are beyond what JSON Schema can say, so positive cases are made to keep them
(``_keep_unschematic_rules``) rather than the checks being loosened: a ``cursor`` is valid only if
the API issued it (positive cases carry one it issued, or none), and an activity's ``occurred_at``
must lie between 1990-01-01 and the server's clock (positive cases' dates are moved into that
window). Negative cases are sent as generated.

The stack is the fuzzing's own, with the per-caller request limits raised out of reach (hundreds of
requests from one user and one address would otherwise be 429s before any validation ran).

Reproducible: a fixed seed, Hypothesis derandomized, no example database, no deadline.
Run alone: ``.venv/bin/python -m pytest tests/e2e/test_fuzz.py``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.e2e.conftest import REPO, Http, LocalStackProcess, centre_command, new_key, submission
from tools.sam_template import load_template

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_EXAMPLES = 100  # generated per operation (fuzzing phase); fewer when an operation's inputs run out
SEED = 20_260_801
REAL_ID_PERCENT = 80  # of the cases whose path is not the invalid part: the rest keep generated ids
FORGED_EVERY = 8  # one case in 8 presents its credentials with a wrong secret
RAISED_LIMIT = 10_000  # a run sends well under this to any one operation (and settings allow it)
CENTRE_ORIGIN = "https://careers.fuzz.example"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
EARLIEST_ACTIVITY = datetime(1990, 1, 1, tzinfo=UTC)
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


@dataclass(frozen=True, slots=True)
class Centre:
    centre_id: str
    publishable_key: str
    secret_key: str


@dataclass(frozen=True, slots=True)
class Student:
    """A user of the centre who shares results with it: a token, two assessments, an import, a schedule."""

    user_id: str
    user_token: str
    assessment_id: str
    import_id: str


@dataclass(frozen=True, slots=True)
class Fuzzing:
    schema: schemathesis.BaseSchema
    real_ids: dict[str, dict[str, str]]  # operation label -> path parameter -> its student's real value
    cursors: dict[str, list[str]]  # operation label -> cursors the API issued for it
    now: datetime  # activity dates of positive cases lie before this


def _raised_request_limits() -> list[str]:
    """Every per-caller request limit of the template (``...PerHour``, ``...PerDay``) out of reach.

    Fuzzing sends hundreds of requests per operation as one user from one address: at the real
    limits most would be 429s answered before any validation, and the handlers would go unfuzzed.
    The limits have tests of their own.
    """
    parameters = load_template(REPO / "template.yaml").parameters
    return [f"--parameter={name}={RAISED_LIMIT}" for name in parameters if re.search(r"Per(Hour|Day)$", name)]


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """A local stack of its own (the fuzzing writes thousands of items), its request limits raised."""
    root = tmp_path_factory.mktemp("fuzz-stack")
    running = LocalStackProcess(
        data_dir=root / "data", log_path=root / "stack.log", extra_args=_raised_request_limits()
    )
    running.start(fresh=True)
    yield running
    running.stop()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _security(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, list[str]]]:
    requirements: list[dict[str, list[str]]] = operation.get("security", document.get("security", []))
    return requirements


def _enrol(http: Http, questionnaire: dict[str, Any], centre: Centre) -> Student:
    """A new user through the centre's form (publishable key from its origin), sharing, with an import."""
    created = http.post(
        "/v1/assessments",
        submission(questionnaire, level=2),
        headers={
            "X-Readiness-Key": centre.publishable_key,
            "Origin": CENTRE_ORIGIN,
            "Idempotency-Key": new_key(),
        },
    )
    assert created.status == 201, created.raw
    user_id, token = created.json["user_id"], created.json["user_token"]
    again = http.post("/v1/assessments", submission(questionnaire, level=3), token=token)  # a history to page
    assert again.status == 201, again.raw
    shared = http.request(
        "PUT", f"/v1/users/{user_id}/consents/{centre.centre_id}", body={"share_results": True}, token=token
    )
    assert shared.status == 200, shared.raw
    started = http.post(f"/v1/users/{user_id}/imports", token=token)
    assert started.status == 201, started.raw
    scheduled = http.request("PUT", f"/v1/users/{user_id}/schedule", body={"cadence_days": 30}, token=token)
    assert scheduled.status == 201, scheduled.raw
    return Student(user_id, token, created.json["assessment_id"], started.json["import_id"])


def _real_ids(student: Student, centre: Centre) -> dict[str, str]:
    return {
        "user_id": student.user_id,
        "assessment_id": student.assessment_id,
        "import_id": student.import_id,
        "centre_id": centre.centre_id,
    }


def _forged(credential: str) -> str:
    """The credential with another secret: its shape, its user or centre, but not valid."""
    tail = "000000" if not credential.endswith("000000") else "111111"
    return credential[: -len(tail)] + tail


def _credential(scheme: str, student: Student, centre: Centre, *, forged: bool = False) -> dict[str, str]:
    change = _forged if forged else str
    if scheme == "userToken":
        return {"Authorization": f"Bearer {change(student.user_token)}"}
    if scheme == "centreSecretKey":
        return {"Authorization": f"Bearer {change(centre.secret_key)}"}
    if scheme == "publishableKey":
        return {"X-Readiness-Key": change(centre.publishable_key), "Origin": CENTRE_ORIGIN}
    raise AssertionError(f"no credential for the security scheme {scheme!r}: teach the fuzz test one")


def _digest(case: schemathesis.Case) -> int:
    """A stable number for the case's inputs: the same case always makes the same choices."""
    inputs = [case.path_parameters, case.query, None if isinstance(case.body, bytes) else case.body]
    return zlib.crc32(json.dumps(inputs, sort_keys=True, default=repr).encode())


class Credentials:
    """A schemathesis auth provider: per case, one of the operation's security requirements, filled in.

    The requirement is picked by a digest of the case's inputs, so a case always gets the same
    credentials (shrinking and replays see what the failure saw) while an operation's cases cover
    all of its alternatives: ``{}`` (none) where the document allows it, a user token, a secret
    key, a publishable key, or a token and a publishable key together. One case in
    ``FORGED_EVERY`` gets the credentials with a wrong secret, so that refusals are checked against
    the document on every route (schemathesis's ``ignored_auth`` probes only routes that need a
    credential, and only whether they refuse).
    """

    students: dict[str, Student]
    centre: Centre
    document: dict[str, Any]

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict[str, str] | None:
        operation = self.document["paths"][case.operation.path][case.operation.method.lower()]
        requirements = _security(self.document, operation)
        if not requirements:
            return None
        digest = _digest(case)
        chosen = requirements[digest % len(requirements)]
        forged = (digest // len(requirements)) % FORGED_EVERY == 0
        student = self.students[case.operation.label]
        headers: dict[str, str] = {}
        for scheme in chosen:
            headers.update(_credential(scheme, student, self.centre, forged=forged))
        return headers or None

    def set(self, case: schemathesis.Case, data: dict[str, str], context: schemathesis.AuthContext) -> None:
        if case.headers is None:
            case.headers = {}
        for name, value in data.items():
            case.headers[name] = value


def _issued_cursors(
    http: Http, document: dict[str, Any], students: dict[str, Student], centre: Centre
) -> dict[str, list[str]]:
    """For each GET operation with a ``cursor``: the next_cursor of its first page (of one item if it can)."""
    cursors: dict[str, list[str]] = {}
    for method, path, operation in _operations(document):
        names = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
        if method != "GET" or "cursor" not in names:
            continue
        label = f"{method} {path}"
        student = students[label]
        url = path.format(**_real_ids(student, centre)) + ("?limit=1" if "limit" in names else "")
        headers: dict[str, str] = {}
        for scheme in next((r for r in _security(document, operation) if r), {}):
            headers.update(_credential(scheme, student, centre))
        page = http.get(url, headers=headers)
        assert page.status == 200, (label, page.raw)
        issued = page.json.get("next_cursor")
        cursors[label] = [issued] if isinstance(issued, str) else []
    return cursors


@pytest.fixture(scope="module")
def fuzzing(fuzz_stack: LocalStackProcess) -> Fuzzing:
    http = fuzz_stack.http
    document = http.get("/v1/openapi.json").json
    questionnaire = http.get("/v1/questionnaire").json
    created = centre_command(
        fuzz_stack, "create", "--name", "Fuzz Careers", "--origin", CENTRE_ORIGIN, "--json"
    )
    centre = Centre(created["centre_id"], created["publishable_key"], created["secret_key"])

    students = {
        f"{method} {path}": _enrol(http, questionnaire, centre) for method, path, _ in _operations(document)
    }
    cursors = _issued_cursors(http, document, students, centre)

    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Hypothesis's timing health check (data generation too slow) depends on the machine's load,
            # not on the API: left out so that a busy machine cannot fail the run
            "suppress-health-check": ["too_slow"],
            "base-url": fuzz_stack.base_url,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "checks": {
                # schemathesis's list of rejections, and 413: the API's documented answer to a body over
                # its size or item limits (more than 5,000 activities, say) is a rejection as well
                "negative_data_rejection": {
                    "expected-statuses": [
                        *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422"),
                        *("428", "429", "5xx"),
                    ]
                }
            },
        }
    )
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.base_url}/v1/openapi.json", config=config)

    class BoundCredentials(Credentials):
        pass

    BoundCredentials.students = students
    BoundCredentials.centre = centre
    BoundCredentials.document = document
    schema.auth(refresh_interval=None)(BoundCredentials)  # no caching: each case chooses its own
    real_ids = {label: _real_ids(student, centre) for label, student in students.items()}
    return Fuzzing(schema, real_ids, cursors, now=datetime.now(UTC) - timedelta(minutes=1))


@pytest.fixture(scope="module")
def api_schema(fuzzing: Fuzzing) -> schemathesis.BaseSchema:
    return fuzzing.schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's fixture loader reads and renames ``Node._nodeid``, which pytest 9.2 lacks."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _within(moment: datetime, now: datetime) -> datetime:
    """A date outside [1990-01-01, now] moved inside it, always to the same place."""
    span = int((now - EARLIEST_ACTIVITY).total_seconds())
    return EARLIEST_ACTIVITY + timedelta(seconds=int(moment.timestamp()) % span)


def _dates_within_the_clock(value: Any, now: datetime) -> None:
    if isinstance(value, list):
        for item in value:
            _dates_within_the_clock(item, now)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name == "occurred_at" and isinstance(item, str) and RFC3339.fullmatch(item):
                try:
                    moment = datetime.fromisoformat(item.upper())
                except ValueError:
                    continue  # e.g. a time zone offset that moves it out of datetime's range: as generated
                if not EARLIEST_ACTIVITY <= moment <= now:  # RFC3339 has an offset: moment is aware
                    value[name] = _within(moment, now).strftime("%Y-%m-%dT%H:%M:%SZ")
            else:
                _dates_within_the_clock(item, now)


def _real_path_ids(case: schemathesis.Case, fuzzing: Fuzzing) -> None:
    """Most cases whose path is not the part made invalid name the operation's student's real ids.

    (A negative case is negative in one part; with a made-up user id in its path it would only
    ever be a 404, and its invalid body or query would go unread.)
    """
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return
    real = fuzzing.real_ids.get(case.operation.label, {})
    if _digest(case) % 100 < REAL_ID_PERCENT:
        for name in case.path_parameters or {}:
            if name in real:
                case.path_parameters[name] = real[name]


def _keep_unschematic_rules(case: schemathesis.Case, fuzzing: Fuzzing) -> None:
    """Make a positive case keep the two rules its schema cannot state (see the module's docstring)."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if isinstance(case.query, dict) and "cursor" in case.query:
        issued = fuzzing.cursors.get(case.operation.label) or []
        if case.query["cursor"] not in issued:
            if issued:
                case.query["cursor"] = issued[_digest(case) % len(issued)]
            else:
                del case.query["cursor"]  # the first page: always valid
    if case.body is not None and not isinstance(case.body, bytes):
        _dates_within_the_clock(case.body, fuzzing.now)


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@fuzzed.parametrize()
def test_every_operation_holds_to_the_document(case: schemathesis.Case, fuzzing: Fuzzing) -> None:
    _real_path_ids(case, fuzzing)
    _keep_unschematic_rules(case, fuzzing)
    case.call_and_validate(timeout=30)


# ---------------------------------------------------------------- what the fuzzing found, pinned


def _new_user(http: Http) -> tuple[str, str]:
    created = http.post("/v1/assessments", submission(http.get("/v1/questionnaire").json, level=2))
    assert created.status == 201, created.raw
    return created.json["user_id"], created.json["user_token"]


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_methods_the_api_lacks_answer_405_with_allow(fuzz_stack: LocalStackProcess, method: str) -> None:
    response = fuzz_stack.http.request(method, "/v1/questionnaire")

    assert response.status == 405  # not http.server's 501
    assert response.error["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET, OPTIONS"


def test_a_path_parameter_no_id_could_have_is_404_not_405(fuzz_stack: LocalStackProcess) -> None:
    _, token = _new_user(fuzz_stack.http)

    response = fuzz_stack.http.get("/v1/users/%C2%84/schedule", token=token)  # U+0084, a C1 control

    assert response.status == 404  # it was "405: GET is not allowed here; allowed: DELETE, GET, PUT"
    assert response.error["code"] == "not_found"


def test_a_whole_number_written_with_a_fraction_is_a_cadence(fuzz_stack: LocalStackProcess) -> None:
    user_id, token = _new_user(fuzz_stack.http)

    response = fuzz_stack.http.request(
        "PUT", f"/v1/users/{user_id}/schedule", raw=b'{"cadence_days": 30.0}', token=token,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip

    assert response.status == 201, response.raw  # JSON Schema's integer: 30.0 is 30
    assert response.json["cadence_days"] == 30
