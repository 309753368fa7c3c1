"""JSON request bodies read strictly: a body has one meaning, whichever parser reads it.

RFC 8259 leaves duplicate names, lone surrogates and numbers beyond a double to each parser, and
parsers disagree (first wins, last wins, replacement characters, infinity). A body that one reader
could take one way and another reader another way is refused, naming the field, before anything
validates or stores it. So are text that would display as something else (control characters,
bidirectional overrides) and nesting no request of this API needs.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from readiness.errors import FieldError, InvalidSubmission

MAX_DEPTH = 16  # a submission is three levels deep; anything deeper is not a request of this API
# C0 and C1 controls (NUL among them), bidirectional embeddings, overrides and isolates, and surrogate
# code points (json.loads keeps a lone "\ud800" escape as one; a valid pair becomes one character).
_FORBIDDEN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the names it was given more than once."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated: list[str] = []
        if len(self) != len(pairs):
            seen: set[str] = set()
            for name, _ in pairs:
                if name in seen and name not in self.repeated:
                    self.repeated.append(name)
                seen.add(name)


def _not_a_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def read_json_body(body: bytes | str) -> Any:
    """The decoded document; InvalidSubmission naming each problem otherwise.

    Not UTF-8, a byte order mark, not JSON or NaN/Infinity: ``malformed`` (HTTP 400). A name given
    twice in one object, a lone surrogate or a control or bidirectional-override character in a name
    or a string, a number too large for a double, nesting deeper than MAX_DEPTH: HTTP 422, with the
    dotted path of the field.
    """
    if isinstance(body, bytes):
        if body.startswith(b"\xef\xbb\xbf"):
            raise _malformed("must not start with a byte order mark")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("is not UTF-8 text") from None
    else:
        text = body
    try:
        document = json.loads(text, object_pairs_hook=_Object, parse_constant=_not_a_constant)
    except RecursionError:
        raise InvalidSubmission(
            [FieldError("body", f"must not be nested more than {MAX_DEPTH} levels deep")]
        ) from None
    except ValueError as exc:  # JSONDecodeError, NaN, and an integer of more than 4,300 digits
        message = str(exc)
        if "integer string conversion" in message:
            raise _malformed("has a number with more digits than any value of this API") from None
        raise _malformed(f"is not valid JSON ({message.split(':', 1)[0].split(' (', 1)[0]})") from None
    problems = _problems(document)
    if problems:
        raise InvalidSubmission(problems)
    return document


def _malformed(message: str) -> InvalidSubmission:
    return InvalidSubmission([FieldError("body", message)], malformed=True)


def _problems(document: Any) -> list[FieldError]:
    """Every problem in the document, walked without recursion (its depth is the client's choice)."""
    problems: list[FieldError] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack and len(problems) < 20:
        value, path = stack.pop()
        if isinstance(value, str):
            if _FORBIDDEN_TEXT.search(value):
                problems.append(FieldError(_dotted(path), _text_message(value)))
        elif isinstance(value, float):
            if math.isinf(value):
                problems.append(FieldError(_dotted(path), "is a number too large to represent"))
        elif isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                problems.append(
                    FieldError(_dotted(path), f"must not be nested more than {MAX_DEPTH} levels deep")
                )
                continue
            if isinstance(value, list):
                stack.extend((item, (*path, str(index))) for index, item in reversed(list(enumerate(value))))
                continue
            for name in getattr(value, "repeated", ()):
                problems.append(FieldError(_dotted((*path, name)), "is given more than once"))
            items = list(value.items())
            for name, _ in items:
                if _FORBIDDEN_TEXT.search(name):
                    problems.append(
                        FieldError(_dotted((*path, name)), "is not a valid name: " + _text_message(name))
                    )
            stack.extend((item, (*path, name)) for name, item in reversed(items))
    return problems


def _text_message(text: str) -> str:
    found = _FORBIDDEN_TEXT.search(text)
    assert found is not None
    character = found.group()
    if "\ud800" <= character <= "\udfff":
        return "must not contain a lone surrogate (a \\ud800-\\udfff escape without its pair)"
    if "\u202a" <= character <= "\u2069":
        return f"must not contain bidirectional control characters (U+{ord(character):04X})"
    return f"must not contain control characters (U+{ord(character):04X})"


def _dotted(path: tuple[str, ...]) -> str:
    # a name the client made up is shown with its control characters escaped, never raw
    return (
        ".".join(_FORBIDDEN_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", part) for part in path) or "body"
    )
