"""Who a row is about, reduced to a salted digest: profile-URL and name keys, the directory, roles.

A counterpart id is HMAC-SHA256(per-user salt, key), truncated to 32 hex characters (128 bits). The
key is the profile URL's slug when the row has one, else the person's normalised full name. Because
some files carry only a name (Recommendations_*.csv, older Connections.csv without URL), the
directory remembers which name goes with which profile URL elsewhere in the same export, so the
same person maps to the same id in every file. A name shared by two profiles is ambiguous and keeps
its own name key. Keys live in memory for the duration of one import only; nothing but the digests
leaves this module.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from urllib.parse import unquote

from readiness.activity import CounterpartRole

MIN_SALT_BYTES = 16
COUNTERPART_ID_HEX = 32
EVENT_ID_PREFIX = "li_"
_COUNTERPART_CONTEXT = b"readiness/linkedin/counterpart/v1\x00"
_EVENT_CONTEXT = b"readiness/linkedin/event/v1\x00"

# Placeholders LinkedIn writes for members who left or hide their profile: not a person we can key on.
_ANONYMOUS_NAMES = frozenset({"linkedin member", "linkedin user", "unknown", "n a"})
_NOT_A_WORD = re.compile(r"[\W_]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
# A URL-ish value: a scheme, or a host with a dot followed by a path.
_LOOKS_LIKE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w-]+(?:\.[\w-]+)+/)", re.IGNORECASE)


def profile_key(url: str) -> str | None:
    """A stable key for a profile URL: ``in:<slug>`` for linkedin.com/in/<slug> in any of its spellings.

    ``https://www.linkedin.com/in/Ada-L/``, ``www.linkedin.com/in/ada-l`` and
    ``https://uk.linkedin.com/in/ada%2Dl?trk=x`` are the same key.
    """
    value = url.strip().lower()
    if not value:
        return None
    value = _SCHEME.sub("", value)
    value = value.split("?", 1)[0].split("#", 1)[0]
    host, _, path = value.partition("/")
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    path = unquote(path).strip("/")
    if not path:
        return None
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        segments = [segment for segment in path.split("/") if segment]
        if len(segments) >= 2 and segments[0] == "in":
            return "in:" + segments[1]
        if len(segments) >= 2 and segments[0] == "pub":  # the pre-2013 form: /pub/name/1a/2b/3c
            return "pub:" + "/".join(segments[1:])
        return "li:" + "/".join(segments)
    return "url:" + host + "/" + path


def is_company_page(key: str | None) -> bool:
    """Company and showcase pages send sponsored InMail; people do not have such URLs."""
    return key is not None and key.startswith(("li:company/", "li:showcase/", "li:school/"))


def name_key(*parts: str) -> str | None:
    """A stable key for a full name: accents, case, punctuation and spacing do not matter."""
    text = " ".join(part for part in parts if part)
    if not text:
        return None
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = _NOT_A_WORD.sub(" ", text.casefold()).strip()
    if not folded or folded in _ANONYMOUS_NAMES:
        return None
    return "name:" + folded


def identity_key(hint: str) -> str | None:
    """The key of an owner hint, which may be a profile URL or a full name."""
    if _LOOKS_LIKE_URL.match(hint.strip()):
        return profile_key(hint)
    return name_key(hint)


def salted_digest(salt: bytes, context: bytes, text: str, length: int) -> str:
    return hmac.digest(salt, context + text.encode("utf-8", "surrogatepass"), "sha256").hex()[:length]


# Role inference reads only job titles (Connections "Position", Recommendations "Job Title"), which are
# as of export time. It is deliberately narrow: a wrong "recruiter" inflates the market dimension, a
# missing one costs little. Titles containing manager / director / head of / VP / founder are NOT taken
# as hiring managers: most such people are not hiring at a given time, and the title says nothing about
# whether they were hiring when the message was exchanged.
_RECRUITER_TITLE = re.compile(
    r"\b(?:recruit\w*|talent\s+acquisition|talent\s+(?:partner|sourc\w*|scout)|sourcer|"
    r"head\s*hunt\w*|executive\s+search|staffing\s+(?:consultant|specialist|partner))\b"
)
_HIRING_TITLE = re.compile(r"\bhiring\b")


def infer_role(title: str) -> CounterpartRole | None:
    """``recruiter`` or ``hiring_manager`` from a job title when it says so plainly, else None."""
    if not title:
        return None
    text = title.casefold()
    if _RECRUITER_TITLE.search(text):
        return CounterpartRole.RECRUITER
    if _HIRING_TITLE.search(text):
        return CounterpartRole.HIRING_MANAGER
    return None


class CounterpartDirectory:
    """One import's memory of people: name -> profile key, roles, and the digests handed out."""

    def __init__(self, salt: bytes, *, max_entries: int) -> None:
        if len(salt) < MIN_SALT_BYTES:
            raise ValueError(f"the counterpart salt must be at least {MIN_SALT_BYTES} bytes")
        self._salt = salt
        self._max_entries = max_entries
        self._profile_of_name: dict[str, str | None] = {}  # None: the name belongs to several profiles
        self._roles: dict[str, CounterpartRole] = {}
        self._ids: dict[str, str] = {}
        self._profile_keys: dict[str, str | None] = {}
        self._name_keys: dict[str, str | None] = {}
        self.full = False  # set when a table reached max_entries (the import still works, less well)

    def learn(self, profile: str | None, name: str | None) -> None:
        """Record that `name` was seen with `profile` (both keys) in some row of the export."""
        if profile is None or name is None:
            return
        known = self._profile_of_name.get(name, "")
        if known == "":
            if len(self._profile_of_name) >= self._max_entries:
                self.full = True
                return
            self._profile_of_name[name] = profile
        elif known is not None and known != profile:
            self._profile_of_name[name] = None

    def canonical(self, profile: str | None, name: str | None) -> str | None:
        """The key a person is known by: the profile key, else the profile their name resolves to."""
        if profile is not None:
            return profile
        if name is None:
            return None
        return self._profile_of_name.get(name) or name

    def profile(self, url: str) -> str | None:
        """profile_key(url), memoised for this import (a few thousand senders repeat 200,000 times)."""
        key = self._profile_keys.get(url, "")
        if key == "":
            key = profile_key(url)
            if len(self._profile_keys) < self._max_entries:
                self._profile_keys[url] = key
        return key

    def name(self, text: str) -> str | None:
        """name_key(text), memoised for this import."""
        key = self._name_keys.get(text, "")
        if key == "":
            key = name_key(text)
            if len(self._name_keys) < self._max_entries:
                self._name_keys[text] = key
        return key

    def set_role(self, key: str | None, role: CounterpartRole | None) -> None:
        if key is None or role is None:
            return
        if key in self._roles or len(self._roles) < self._max_entries:
            # recruiter wins over hiring manager when two titles disagree: it is the narrower signal
            if self._roles.get(key) is not CounterpartRole.RECRUITER:
                self._roles[key] = role
        else:
            self.full = True

    def settle(self) -> None:
        """Re-key roles learnt under a name to the profile that name turned out to belong to.

        Call once every file has been surveyed (a Connections.csv without URLs is read before the
        messages that pair its names with profiles).
        """
        for key in [key for key in self._roles if key.startswith("name:")]:
            resolved = self.canonical(None, key)
            if resolved is not None and resolved != key:
                self.set_role(resolved, self._roles.pop(key))

    def role(self, key: str | None) -> CounterpartRole | None:
        return self._roles.get(key) if key is not None else None

    def counterpart_id(self, key: str) -> str:
        found = self._ids.get(key)
        if found is None:
            found = salted_digest(self._salt, _COUNTERPART_CONTEXT, key, COUNTERPART_ID_HEX)
            if len(self._ids) < self._max_entries:
                self._ids[key] = found
        return found

    def event_id(self, *parts: str) -> str:
        """A stable id for an event: importing the same export twice yields the same ids."""
        return EVENT_ID_PREFIX + salted_digest(self._salt, _EVENT_CONTEXT, "\x1f".join(parts), 32)
