"""The OpenAPI 3.1 document of API v1: every route, schemas generated from the pydantic models."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from readiness.activity import ActivityEvent
from readiness.api import routes
from readiness.api.models import AssessmentList, ErrorEnvelope, NewAssessment
from readiness.api.pagination import page_parameters
from readiness.api.requests import IDEMPOTENCY_KEY_HEADER
from readiness.api.schedule import ScheduleDocument
from readiness.assessments import Assessment
from readiness.cadence import CHANGE_THRESHOLD, ScheduleRequest
from readiness.identity import ASSESSMENT_ID_PATTERN, IMPORT_ID_PATTERN, USER_ID_PATTERN
from readiness.imports import MAX_UPLOAD_BYTES, ImportView, StartedImport
from readiness.ingestion import MAX_ACTIVITIES_PER_CALL, ActivityBatch, IngestionResult
from readiness.privacy import ErasureReceipt, ExportPage
from readiness.questionnaire import QUESTIONNAIRES, QuestionKind, Questionnaire
from readiness.submission import _SubmissionShape

API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"


class SubmissionRequest(_SubmissionShape):
    """A submission: questionnaire answers plus optional dated network activity."""


DESCRIPTION = """\
Job-search readiness, measured before you need it: a questionnaire plus dated network activity
gives a 0-100 readiness score over seven dimensions, explained line by line, with the actions
that would raise it most, tracked over time.

**Users and tokens.** A first `POST /v1/assessments` without credentials creates a user and
returns `user_id` and `user_token` once. Send `Authorization: Bearer <user_token>` on later
submissions (they get `previous`, the delta and what moved the score) and to read your
assessments. Another user's assessment or history answers 404, as if it did not exist.

**Retries.** Send `Idempotency-Key: <random UUID>` with a POST: a retry with the same key and
body returns the first response (with `Idempotent-Replayed: true`) and stores nothing new; the
same key with another body answers 409.

**Activity.** Activity sent earlier keeps counting in later assessments, decaying with age; the
same event sent again (same `id`, or same type, time, counterpart and role) counts once.

**Pushed and imported activity.** `POST /v1/users/{user_id}/activities` stores up to 1,000
events a call for every later assessment; each is accepted, a duplicate (already stored: same `id`,
or same type, time, counterpart and role) or rejected with its reasons, and the others are stored
anyway. `POST /v1/users/{user_id}/imports` starts a LinkedIn data-export import: POST the zip (at
most 50 MB) with the returned form, then poll `GET /v1/users/{user_id}/imports/{import_id}` for the
report. Only derived events are kept (types, dates, salted digests of people); the archive is
deleted once read.

**Schedules.** `PUT /v1/users/{user_id}/schedule` with `{"cadence_days": 7..180}` opts in to
re-assessment on a cadence: when a period ends, the service re-scores you from your stored answers
and activity as of that moment (so a quiet network shows as decay) and stores the assessment with
`trigger: "scheduled"`, once per period. When the band changes or the score moves by at least
{threshold} points, a `ReadinessChanged` event goes to the service's event bus (ids and scores
only). `DELETE` opts out.

**Errors.** Every 4xx and 5xx has the body
`{"error": {"code", "message", "details": [{"field", "message"}]}}`; `field` is a dotted path
such as `answers.reach_1` or `activities.3.occurred_at`. A rejected request writes nothing.

**Limits.** Per caller, in fixed UTC windows: a user's submissions and activity pushes (30 an hour,
200 a day), a user's imports (10 a day), a career centre's submissions through its publishable key
(2,000 an hour) and its secret key's pushes and schedule changes (1,000 an hour), first submissions
from one network address (20 an hour); these are the defaults, a deployment may set others. Over a
limit is a 429 `rate_limited` whose `details` name the limit and `Retry-After` says the seconds to
the window's end; the request writes nothing.
"""


def _error(description: str, example_code: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": REF.format(model="ErrorEnvelope")},
                "example": {"error": {"code": example_code, "message": description, "details": []}},
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _header(ref: str) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{ref}"}


def _ok(description: str, schema: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "headers": {"X-Correlation-Id": _header("CorrelationId"), **(headers or {})},
        "content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}},
    }
    return response


def _responses(*codes: int) -> dict[str, Any]:
    return {str(code): {"$ref": f"#/components/responses/{_RESPONSE_NAMES[code]}"} for code in codes}


_RESPONSE_NAMES = {
    400: "MalformedJson",
    401: "Unauthorized",
    404: "NotFound",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "Unprocessable",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def _schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [
            (Questionnaire, "serialization"),
            (SubmissionRequest, "validation"),
            (ActivityEvent, "validation"),
            (NewAssessment, "serialization"),
            (Assessment, "serialization"),
            (AssessmentList, "serialization"),
            (ErrorEnvelope, "serialization"),
            (ScheduleRequest, "validation"),
            (ScheduleDocument, "serialization"),
            (ActivityBatch, "validation"),
            (IngestionResult, "serialization"),
            (StartedImport, "serialization"),
            (ImportView, "serialization"),
            (ExportPage, "serialization"),
            (ErasureReceipt, "serialization"),
        ],
        ref_template=REF,
    )
    schemas: dict[str, Any] = copy.deepcopy(top["$defs"])
    submission = schemas["SubmissionRequest"]["properties"]
    submission["questionnaire_version"] = {
        "type": "string",
        "enum": sorted(QUESTIONNAIRES),
        "description": "the version of the questionnaire answered (`version` of GET /v1/questionnaire)",
    }
    answers_description = (
        "question id -> answer, for the questionnaire of `questionnaire_version` (GET "
        "/v1/questionnaire): every required question answered, no unknown ids; likert and count "
        "answers are whole numbers within the question's min and max, choice answers one of its "
        "choices' values, boolean answers true or false; an optional question may be null."
    )
    by_version = {version: _answers_schema(form) for version, form in QUESTIONNAIRES.items()}
    if len(by_version) == 1:
        (submission["answers"],) = by_version.values()
    else:  # each version's answers: the schema of the version the submission names
        submission["answers"] = {"type": "object"}
        schemas["SubmissionRequest"]["allOf"] = [
            {
                "if": {"properties": {"questionnaire_version": {"const": version}}},
                "then": {"properties": {"answers": answers}},
            }
            for version, answers in by_version.items()
        ]
    submission["answers"]["description"] = answers_description
    event = schemas["ActivityEvent"]["properties"]
    for name in ("id", "counterpart"):  # stripped of surrounding white space, then at least 1 character
        (text,) = [branch for branch in event[name]["anyOf"] if branch.get("type") == "string"]
        text["pattern"] = NOT_BLANK_TEXT
    # A pushed batch is checked event by event: a value that is not an activity event is rejected on
    # its own (in the 200's rejections) and the others are stored; only the body as a whole can be a 4xx.
    schemas["JsonValue"] = {
        "description": "any JSON value (its names and strings plain text, as in every request body)",
        "anyOf": [
            {"type": ["null", "boolean", "number"]},
            {"type": "string"},
            {"type": "array", "items": {"$ref": REF.format(model="JsonValue")}},
            {
                "type": "object",
                "propertyNames": {"type": "string"},
                "additionalProperties": {"$ref": REF.format(model="JsonValue")},
            },
        ],
    }
    batch = schemas["ActivityBatch"]["properties"]["activities"]
    batch["items"] = {
        "anyOf": [{"$ref": REF.format(model="ActivityEvent")}, {"$ref": REF.format(model="JsonValue")}],
        "description": "an activity event; any other value is rejected on its own, in the response's "
        "`rejections`, and does not stop the others",
    }
    submission["activities"]["maxItems"] = 5000
    submission["activities"]["description"] = (
        "dated network activity, at most 5,000 events; occurred_at from 1990-01-01 to 5 minutes after "
        "the server's clock"
    )
    assessment_id = {"type": "string", "pattern": f"^{ASSESSMENT_ID_PATTERN}$"}
    user_id = {"type": "string", "pattern": f"^{USER_ID_PATTERN}$"}
    for name in ("Assessment", "NewAssessment"):
        schemas[name]["properties"]["assessment_id"].update(assessment_id)
        schemas[name]["properties"]["user_id"].update(user_id)
    return schemas


def _answers_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """The answers object a questionnaire accepts (readiness.questionnaire.validate_answers), exactly."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    example: dict[str, Any] = {}
    for section in questionnaire.sections:
        for question in section.questions:
            answer: dict[str, Any]
            if question.kind is QuestionKind.BOOLEAN:
                answer, example[question.id] = {"type": "boolean"}, True
            elif question.kind is QuestionKind.CHOICE:
                values = [choice.value for choice in question.choices or []]
                answer, example[question.id] = {"type": "string", "enum": values}, values[len(values) // 2]
            else:  # likert and count: whole numbers (a JSON 3.0 is 3) within the question's bounds
                assert question.min is not None
                assert question.max is not None
                answer = {"type": "integer", "minimum": question.min, "maximum": question.max}
                example[question.id] = (question.min + question.max) // 2
            if question.required:
                required.append(question.id)
            else:
                answer = {"anyOf": [answer, {"type": "null"}]}
            properties[question.id] = answer
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "example": example,
    }


_ACTIVITIES_DESCRIPTION = (
    f"Up to {MAX_ACTIVITIES_PER_CALL:,} events in the activity event model. Each one is accepted "
    "(stored now), a duplicate (already stored: by `id`, or by type, time, counterpart and role when "
    "it has none; stored once however often it is sent) or rejected with a reason per field; a "
    "rejected event does not stop the others. The body as a whole must be well-formed: malformed "
    'JSON is a 400, a body that is not `{"activities": [...]}` a 422, more than '
    f"{MAX_ACTIVITIES_PER_CALL:,} events or 1 MB a 413, and those write nothing."
)


def _activity_operations(user_id_param: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "pushActivities",
            "tags": ["activity"],
            "summary": "Store activity events for every later assessment",
            "description": _ACTIVITIES_DESCRIPTION,
            "security": [{"userToken": []}],
            "parameters": [user_id_param],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF.format(model="ActivityBatch")}}},
            },
            "responses": {
                "200": _ok("what became of each event", "IngestionResult"),
                **_responses(400, 401, 404, 413, 415, 422, 429, 500, 503),
            },
        }
    }


def _import_operations(user_id_param: dict[str, Any]) -> dict[str, dict[str, Any]]:
    owner: list[dict[str, list[str]]] = [{"userToken": []}]
    import_id_param = {
        "name": "import_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{IMPORT_ID_PATTERN}$"},
    }
    return {
        "start": {
            "post": {
                "operationId": "startImport",
                "tags": ["imports"],
                "summary": "Start a LinkedIn data-export import",
                "description": "Returns the import and an upload form: POST the export's zip file (at most "
                f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB) as multipart/form-data to `upload.url`, with every "
                "field of `upload.fields` and then the file as `file`, before `upload.expires_at`. The "
                "import runs when the upload arrives; poll the import for its status and report.",
                "security": owner,
                "parameters": [user_id_param],
                "responses": {
                    "201": _ok(
                        "the import, awaiting its upload", "StartedImport", {"Location": _header("Location")}
                    ),
                    **_responses(401, 404, 429, 500, 503),
                },
            }
        },
        "read": {
            "get": {
                "operationId": "getImport",
                "tags": ["imports"],
                "summary": "An import's status, its report and what was stored",
                "description": "`status`: awaiting_upload, importing, completed, failed or expired. Once "
                "finished, `report` says what was read (files, rows, events per type, rows skipped with "
                "reasons, the dates covered) and `stored` what was added to your history. A hostile or "
                "unreadable archive is a failed import whose report names the error; nothing is stored.",
                "security": owner,
                "parameters": [user_id_param, import_id_param],
                "responses": {
                    "200": _ok("the import", "ImportView"),
                    **_responses(401, 404, 429, 500, 503),
                },
            }
        },
    }


def _schedule_operations(user_id_param: dict[str, Any]) -> dict[str, Any]:
    owner: list[dict[str, list[str]]] = [{"userToken": []}]
    return {
        "put": {
            "operationId": "putSchedule",
            "tags": ["schedules"],
            "summary": "Opt in to re-assessment on a cadence, or change the cadence",
            "description": "A new schedule first falls due one cadence from now. Changing the cadence keeps "
            "the start of the current period and gives it the new length (a period already over falls "
            "due now). Sending the cadence the schedule already has changes nothing.",
            "security": owner,
            "parameters": [user_id_param],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF.format(model="ScheduleRequest")}}},
            },
            "responses": {
                "200": _ok("the schedule, changed or as it was", "ScheduleDocument"),
                "201": _ok("the new schedule", "ScheduleDocument"),
                **_responses(400, 401, 404, 413, 415, 422, 429, 500, 503),
            },
        },
        "get": {
            "operationId": "getSchedule",
            "tags": ["schedules"],
            "summary": "Your schedule and when it next falls due",
            "security": owner,
            "parameters": [user_id_param],
            "responses": {
                "200": _ok("the schedule", "ScheduleDocument"),
                **_responses(401, 404, 429, 500, 503),
            },
        },
        "delete": {
            "operationId": "deleteSchedule",
            "tags": ["schedules"],
            "summary": "Opt out of scheduled re-assessment",
            "description": "Nothing is re-assessed on a schedule after this; assessments already stored "
            "stay. Opting out when not opted in is not an error.",
            "security": owner,
            "parameters": [user_id_param],
            "responses": {
                "204": {
                    "description": "opted out",
                    "headers": {"X-Correlation-Id": _header("CorrelationId")},
                },
                **_responses(401, 404, 429, 500, 503),
            },
        },
    }


def _privacy_operations(user_id_param: dict[str, Any]) -> dict[str, dict[str, Any]]:
    owner: list[dict[str, list[str]]] = [{"userToken": []}]
    return {
        "export": {
            "get": {
                "operationId": "exportUserData",
                "tags": ["privacy"],
                "summary": "Everything stored about you, page by page (portability)",
                "description": "Every stored item of yours, decoded, in a stable order: your latest answers, "
                "every assessment, every activity event as stored (counterparts and ids are the salted "
                "digests the service keeps, never names or e-mail addresses), imports, your schedule and "
                "your career-centre memberships with consent. Credentials are never exported (only their "
                "hashes are stored). Follow `next_cursor` until it is null; a page holds at most "
                "50 items and 5,000 events.",
                "security": owner,
                "parameters": [
                    user_id_param,
                    {
                        "name": "cursor",
                        "in": "query",
                        "required": False,
                        "description": "`next_cursor` of the previous page (opaque)",
                        "schema": {"type": "string", "maxLength": 400},
                    },
                ],
                "responses": {
                    "200": _ok("a page of your data", "ExportPage"),
                    **_responses(401, 404, 422, 429, 500, 503),
                },
            }
        },
        "erase": {
            "delete": {
                "operationId": "eraseUser",
                "tags": ["privacy"],
                "summary": "Erase everything stored about you",
                "description": "Deletes your assessments, answers, activity, imports and their uploads, your "
                "schedule, your career-centre memberships and consent (and takes your share out of each "
                "centre's aggregates), and the records of your retried submissions. Your token stops "
                "working. The receipt counts what was deleted, per kind. If it answers 503, retry: what "
                "is left is erased then.",
                "security": owner,
                "parameters": [user_id_param],
                "responses": {
                    "200": _ok("erased", "ErasureReceipt"),
                    **_responses(401, 404, 429, 500, 503),
                },
            }
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (cached: it depends only on the code)."""
    user_id_param = {
        "name": "user_id",
        "in": "path",
        "required": True,
        "description": "your user id (from the response that created your user)",
        "schema": {"type": "string", "pattern": f"^{USER_ID_PATTERN}$"},
    }
    assessment_id_param = {
        "name": "assessment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{ASSESSMENT_ID_PATTERN}$"},
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Readiness API",
            "version": API_VERSION,
            "summary": "Job-search readiness, measured before you need it.",
            "description": DESCRIPTION.replace("{threshold}", str(CHANGE_THRESHOLD)),
        },
        "servers": [{"url": "..", "description": "this deployment (relative to this document's URL)"}],
        "tags": [
            {"name": "questionnaire", "description": "what to answer"},
            {"name": "assessments", "description": "scores, explanations, next actions, history"},
            {"name": "schedules", "description": "re-assessment on a cadence"},
            {"name": "privacy", "description": "export and erase everything stored about you"},
            {"name": "activity", "description": "dated network activity, pushed for later assessments"},
            {"name": "imports", "description": "LinkedIn data exports turned into activity"},
            {"name": "meta", "description": "this document"},
        ],
        "paths": {
            routes.as_template_path(routes.QUESTIONNAIRE): {
                "get": {
                    "operationId": "getQuestionnaire",
                    "tags": ["questionnaire"],
                    "summary": "The current questionnaire",
                    "description": "Render the form from this document: sections, questions, bounds.",
                    "security": [],
                    "parameters": [
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "description": "an earlier questionnaire version (default, or empty: the "
                            "current one)",
                            "schema": {"type": "string", "enum": ["", *sorted(QUESTIONNAIRES)]},
                        }
                    ],
                    "responses": {
                        "200": _ok("the questionnaire", "Questionnaire"),
                        **_responses(422, 429, 500),
                    },
                }
            },
            routes.as_template_path(routes.ASSESSMENTS): {
                "post": {
                    "operationId": "createAssessment",
                    "tags": ["assessments"],
                    "summary": "Score a submission and store the assessment",
                    "description": "Without credentials this creates a user and returns `user_token` once. "
                    "With `Authorization: Bearer <user_token>` the assessment is added to that user's "
                    "history and has `previous`.",
                    "security": [{}, {"userToken": []}],
                    "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                    "requestBody": {
                        "required": True,
                        "description": "at most 1 MB of JSON",
                        "content": {
                            "application/json": {"schema": {"$ref": REF.format(model="SubmissionRequest")}}
                        },
                    },
                    "responses": {
                        "201": _ok(
                            "the new assessment (a retry with the same Idempotency-Key returns the same one)",
                            "NewAssessment",
                            {
                                "Location": _header("Location"),
                                "Idempotent-Replayed": _header("IdempotentReplayed"),
                            },
                        ),
                        **_responses(400, 401, 409, 413, 415, 422, 429, 500, 503),
                    },
                }
            },
            routes.as_template_path(routes.ASSESSMENT): {
                "get": {
                    "operationId": "getAssessment",
                    "tags": ["assessments"],
                    "summary": "One of your assessments",
                    "security": [{"userToken": []}],
                    "parameters": [assessment_id_param],
                    "responses": {
                        "200": _ok("the assessment, as it was returned when created", "Assessment"),
                        **_responses(401, 404, 429, 500, 503),
                    },
                }
            },
            routes.as_template_path(routes.USER_ASSESSMENTS): {
                "get": {
                    "operationId": "listAssessments",
                    "tags": ["assessments"],
                    "summary": "Your assessments, newest first",
                    "security": [{"userToken": []}],
                    "parameters": [
                        user_id_param,
                        *page_parameters(),
                    ],
                    "responses": {
                        "200": _ok("a page of assessments", "AssessmentList"),
                        **_responses(401, 404, 422, 429, 500, 503),
                    },
                }
            },
            routes.as_template_path(routes.SCHEDULE): _schedule_operations(user_id_param),
            routes.as_template_path(routes.USER_EXPORT): _privacy_operations(user_id_param)["export"],
            routes.as_template_path(routes.USER): _privacy_operations(user_id_param)["erase"],
            routes.as_template_path(routes.USER_ACTIVITIES): _activity_operations(user_id_param),
            routes.as_template_path(routes.USER_IMPORTS): _import_operations(user_id_param)["start"],
            routes.as_template_path(routes.USER_IMPORT): _import_operations(user_id_param)["read"],
            routes.as_template_path(routes.OPENAPI): {
                "get": {
                    "operationId": "getOpenapi",
                    "tags": ["meta"],
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "the OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_responses(429, 500),
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "userToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "rdy1.<user_id>.<secret>",
                    "description": "the user_token returned when your user was created",
                }
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": IDEMPOTENCY_KEY_HEADER,
                    "in": "header",
                    "required": False,
                    "description": "makes retries safe: same key and body -> the same response, one "
                    "assessment; same key, other body -> 409. Keys are scoped to the caller and kept for "
                    "an hour.",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{15,254}$"},
                }
            },
            "headers": {
                "CorrelationId": {
                    "description": "the request id; quote it when reporting a problem",
                    "schema": {"type": "string"},
                },
                "Location": {"description": "URL path of the new assessment", "schema": {"type": "string"}},
                "IdempotentReplayed": {
                    "description": "`true` when this is the stored response to an earlier request",
                    "schema": {"type": "string", "enum": ["true"]},
                },
                "RetryAfter": {
                    "description": "seconds to wait before retrying",
                    "schema": {"type": "integer"},
                },
                "WwwAuthenticate": {"description": "the Bearer challenge", "schema": {"type": "string"}},
            },
            "responses": {
                "MalformedJson": _error("the body is not JSON", "malformed_json"),
                "Unauthorized": _error(
                    "missing, malformed or invalid user token",
                    "unauthorized",
                    {"WWW-Authenticate": _header("WwwAuthenticate")},
                ),
                "NotFound": _error("no such resource, or not yours", "not_found"),
                "Conflict": _error(
                    "the Idempotency-Key was used with another body (idempotency_key_reused), or a request "
                    "with it is still in progress (idempotency_in_progress; retry after Retry-After)",
                    "idempotency_key_reused",
                    {"Retry-After": _header("RetryAfter")},
                ),
                "PayloadTooLarge": _error(
                    "the body is over 1 MB or has more than 5,000 activities", "payload_too_large"
                ),
                "UnsupportedMediaType": _error(
                    "the body is not sent as `Content-Type: application/json` (field `headers.Content-Type`)",
                    "unsupported_media_type",
                ),
                "Unprocessable": _error(
                    "the content is invalid; each problem is in details with its field", "invalid_submission"
                ),
                "TooManyRequests": _error(
                    "over a per-caller limit (`rate_limited`, details name the limit), or the API's own "
                    "throttling (API Gateway's body); retry after Retry-After",
                    "rate_limited",
                    {"Retry-After": _header("RetryAfter")},
                ),
                "InternalError": _error("an unexpected error; it has been logged", "internal_error"),
                "ServiceUnavailable": _error(
                    "storage is busy; retry after Retry-After",
                    "service_unavailable",
                    {"Retry-After": _header("RetryAfter")},
                ),
            },
        },
    }
    from readiness.api.centres_openapi import with_access

    # who may call each route and the career-centre routes; then what any request body's text may hold
    return _plain_request_text(with_access(document))


# readiness.json_body refuses a request body with any of these in a name or a string: C0 and C1
# controls, bidirectional embeddings, overrides and isolates (and lone surrogates, which no UTF-8
# text holds and which a JSON Schema regex need not accept in a class, so they are left out here)
_REFUSED_TEXT = "\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069"
# what pydantic's str_strip_whitespace strips (Unicode White_Space, less the controls above)
_STRIPPED_SPACE = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
PLAIN_TEXT = f"^[^{_REFUSED_TEXT}]*$"
NOT_BLANK_TEXT = f"^[^{_REFUSED_TEXT}]*[^{_REFUSED_TEXT}{_STRIPPED_SPACE}][^{_REFUSED_TEXT}]*$"


def _plain_request_text(document: dict[str, Any]) -> dict[str, Any]:
    """Every free string of a request body gets PLAIN_TEXT (a pattern, enum or format says it already)."""
    schemas = document["components"]["schemas"]
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                walk(schemas[name])
        kinds = node.get("type")
        if (kinds == "string" or (isinstance(kinds, list) and "string" in kinds)) and not (
            {"pattern", "enum", "const", "format"} & set(node)
        ):
            node["pattern"] = PLAIN_TEXT
        for key in ("properties", "patternProperties", "$defs"):
            walk(list((node.get(key) or {}).values()))
        for key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
            walk(node.get(key))
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            walk(node.get(key))

    for item in document["paths"].values():
        for operation in item.values():
            for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
                walk(media.get("schema"))
    return document
