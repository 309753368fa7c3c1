"""A career centre as the service keeps it: name, allowed origins, branding, k-anonymity threshold.

``CentreSettings.parse`` validates what an operator types; every problem names its field and
nothing is stored for a rejected request.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from readiness.errors import FieldError, NotFound, ReadinessError

# Crockford's base32, lower-cased (as user and assessment ids): no i, l, o, u.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CENTRE_ID_PATTERN = r"c_[0-9a-hjkmnp-tv-z]{26}"
_CENTRE_ID = re.compile(CENTRE_ID_PATTERN)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_K_THRESHOLD = 10
MIN_K_THRESHOLD = 2
MAX_K_THRESHOLD = 1000
MAX_ORIGINS = 20
MAX_NAME = 120
DEFAULT_ACCENT = "#1f5f8b"
# Counter shards per centre: writes pick one at random, the summary reads them all in one request.
# Fixed for every centre (the summary must know which keys to read); changing it needs a migration.
COUNTER_SHARDS = 16
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


class InvalidCentre(ReadinessError):
    """Centre settings break the rules; each problem names its field."""

    def __init__(self, details: list[FieldError]) -> None:
        self.details = details
        super().__init__("; ".join(f"{d.field}: {d.message}" for d in details))


class CentreNotFound(NotFound):
    """No such centre (or, to a caller, not one it may see)."""


class CentreStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


def new_centre_id() -> str:
    value = secrets.randbits(128)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "c_" + "".join(reversed(chars))


def is_centre_id(value: str) -> bool:
    return _CENTRE_ID.fullmatch(value) is not None


def normalise_origin(text: str) -> str:
    """``https://Careers.Example.edu/`` -> ``https://careers.example.edu``; ValueError if not an origin.

    An origin is a scheme, a host and an optional port, nothing else (no path, query, user or
    fragment): exactly what a browser sends in ``Origin``. Plain http is allowed for loopback
    hosts only, so that a centre can try the embed on its own machine.
    """
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ValueError("is not a URL origin such as https://careers.example.edu") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must start with https:// and name a host, e.g. https://careers.example.edu")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and optional port, no path")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if parts.scheme == "http" and host not in _LOOPBACK_HOSTS:
        raise ValueError("must use https (plain http only for localhost and 127.0.0.1)")
    default_port = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port is not None and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


@dataclass(frozen=True, slots=True)
class Branding:
    """How the embedded form looks on the centre's site."""

    display_name: str
    accent_colour: str = DEFAULT_ACCENT
    logo_url: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "display_name": self.display_name,
            "accent_colour": self.accent_colour,
            "logo_url": self.logo_url,
        }


@dataclass(frozen=True, slots=True)
class KeyHashes:
    """What is stored of a centre's keys: SHA-256 hashes, and the previous pair during a rotation grace."""

    publishable: str = field(repr=False)
    secret: str = field(repr=False)
    previous_publishable: str | None = field(default=None, repr=False)
    previous_secret: str | None = field(default=None, repr=False)
    previous_valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Centre:
    centre_id: str
    name: str
    origins: tuple[str, ...]
    branding: Branding
    k_threshold: int
    keys: KeyHashes
    created_at: datetime
    status: CentreStatus = CentreStatus.ACTIVE
    keys_rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    version: int = 1  # every change is conditional on the version it read

    @property
    def active(self) -> bool:
        return self.status is CentreStatus.ACTIVE

    def allows_origin(self, origin: str | None) -> bool:
        if not origin:
            return False
        try:
            return normalise_origin(origin) in self.origins
        except ValueError:
            return False

    def with_keys(self, keys: KeyHashes, *, at: datetime) -> Centre:
        return replace(self, keys=keys, keys_rotated_at=at, version=self.version + 1)

    def revoked(self, *, at: datetime) -> Centre:
        return replace(self, status=CentreStatus.REVOKED, revoked_at=at, version=self.version + 1)


@dataclass(frozen=True, slots=True)
class CentreSettings:
    """What an operator chooses for a centre (validated)."""

    name: str
    origins: tuple[str, ...]
    branding: Branding
    k_threshold: int = DEFAULT_K_THRESHOLD

    @classmethod
    def parse(
        cls,
        *,
        name: str,
        origins: Sequence[str],
        display_name: str | None = None,
        accent_colour: str | None = None,
        logo_url: str | None = None,
        k_threshold: int = DEFAULT_K_THRESHOLD,
    ) -> CentreSettings:
        details: list[FieldError] = []
        clean_name = " ".join(name.split())
        if not clean_name:
            details.append(FieldError("name", "is required"))
        elif len(clean_name) > MAX_NAME:
            details.append(FieldError("name", f"must be at most {MAX_NAME} characters"))
        elif not clean_name.isprintable():
            details.append(FieldError("name", "must be printable text"))
        clean_origins = list(_origins(origins, details))
        shown = " ".join((display_name if display_name is not None else clean_name).split())
        if display_name is not None and not shown:
            details.append(FieldError("display_name", "must not be empty"))
        elif len(shown) > MAX_NAME or not shown.isprintable():
            details.append(
                FieldError("display_name", f"must be printable text of at most {MAX_NAME} characters")
            )
        colour = (accent_colour or DEFAULT_ACCENT).strip()
        if _COLOUR.fullmatch(colour) is None:
            details.append(FieldError("accent_colour", "must be a colour such as #1f5f8b"))
        logo = _logo(logo_url, details)
        if isinstance(k_threshold, bool) or not MIN_K_THRESHOLD <= k_threshold <= MAX_K_THRESHOLD:
            details.append(
                FieldError(
                    "k_threshold", f"must be a whole number from {MIN_K_THRESHOLD} to {MAX_K_THRESHOLD}"
                )
            )
        if details:
            raise InvalidCentre(details)
        return cls(
            name=clean_name,
            origins=tuple(clean_origins),
            branding=Branding(display_name=shown, accent_colour=colour.lower(), logo_url=logo),
            k_threshold=k_threshold,
        )


def _origins(origins: Iterable[str], details: list[FieldError]) -> Iterable[str]:
    seen: list[str] = []
    for index, origin in enumerate(origins):
        try:
            normal = normalise_origin(origin)
        except ValueError as exc:
            details.append(FieldError(f"origins.{index}", str(exc)))
            continue
        if normal not in seen:
            seen.append(normal)
    if not seen and not any(d.field.startswith("origins.") for d in details):
        details.append(FieldError("origins", "at least one origin is required (where the form is embedded)"))
    if len(seen) > MAX_ORIGINS:
        details.append(FieldError("origins", f"at most {MAX_ORIGINS} origins"))
    return seen


def _logo(logo_url: str | None, details: list[FieldError]) -> str | None:
    if logo_url is None or not logo_url.strip():
        return None
    text = logo_url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or len(text) > 500:
        details.append(FieldError("logo_url", "must be an https:// URL of at most 500 characters"))
        return None
    if parts.username or parts.password or any(c in text for c in "\"'<> \\"):
        details.append(FieldError("logo_url", "must be a plain https:// URL"))
        return None
    return text
