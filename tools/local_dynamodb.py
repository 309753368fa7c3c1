"""The local stack's DynamoDB: an embedded moto server on loopback whose data survives restarts.

Tables come from template.yaml (tools.sam_template). Data is kept under the data directory in two
files: ``dynamodb.json``, a snapshot of every item, written when the stack stops; and
``dynamodb.journal``, every successful write request since that snapshot, appended as it happens
(so a crash loses nothing that was acknowledged). On start the snapshot is loaded and the journal
replayed on top of it. Writing a journal line costs a fraction of a millisecond, where scanning
every table after each write would cost more with every assessment stored.

With an external endpoint (DYNAMODB_ENDPOINT_URL) the data lives there, and only missing tables
are created.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tools.sam_template import PSEUDO_PARAMETERS, SamTemplate, create_tables

SNAPSHOT_FILE = "dynamodb.json"
JOURNAL_FILE = "dynamodb.journal"
LOCK_FILE = "local-stack.lock"
SNAPSHOT_FORMAT = 1
_BATCH = 25  # BatchWriteItem's limit
_TARGET_PREFIX = "DynamoDB_20120810."
# The DynamoDB operations that change data; only these go to the journal.
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement"}
)
_REPLAY_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class LocalDataError(RuntimeError):
    """The data directory cannot be used (locked by another stack, or its files are unreadable)."""


def dynamodb_client(endpoint_url: str) -> Any:
    """A boto3 client for a local endpoint, with dummy credentials (never a real account)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=PSEUDO_PARAMETERS["AWS::Region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - a dummy: local endpoints accept any key
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def _to_json(value: dict[str, Any]) -> dict[str, Any]:
    """A typed attribute value as JSON (binary as base64, exactly as on DynamoDB's wire)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "M":
        return {"M": {k: _to_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_to_json(v) for v in inner]}
    return {kind: inner}


def _from_json(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _from_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_from_json(v) for v in inner]}
    return {kind: inner}


class WriteJournal:
    """Append-only record of the write requests DynamoDB accepted, one JSON line each."""

    def __init__(self, path: Path, next_seq: int) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._next_seq = next_seq
        # Answers and activity are personal data: readable by their owner only, like the snapshot.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._handle: IO[str] = os.fdopen(descriptor, "a", encoding="utf-8")
        self._unsynced = False
        self.appended = 0

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def append(self, operation: str, body: bytes) -> None:
        with self._lock:
            line = json.dumps({"seq": self._next_seq, "op": operation, "body": body.decode("utf-8")})
            self._handle.write(line + "\n")
            self._handle.flush()  # in the OS's hands: a crash of this process loses nothing
            self._next_seq += 1
            self._unsynced = True
            self.appended += 1

    def sync(self) -> None:
        with self._lock:
            if self._unsynced:
                os.fsync(self._handle.fileno())
                self._unsynced = False

    def truncate(self) -> None:
        with self._lock:
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self.appended = 0

    def close(self) -> None:
        with self._lock:
            self._handle.close()


class JournalingApp:
    """WSGI middleware around moto: every accepted DynamoDB write goes to the journal."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self.journal: WriteJournal | None = None  # set once the saved data is back in place
        self._one_at_a_time = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # One request at a time, as DynamoDB applies each atomically: moto checks a condition and then
        # writes, with no lock of its own, so two threads could both pass a condition only one may
        # (and the journal could list two writes in another order than they were applied).
        with self._one_at_a_time:
            return list(self._call(environ, start_response))

    def _call(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.removeprefix(_TARGET_PREFIX)
        journal = self.journal
        if journal is None or not target.startswith(_TARGET_PREFIX) or operation not in WRITE_OPERATIONS:
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        statuses: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self._app(environ, recording_start_response)
        if statuses and statuses[-1].startswith("200"):
            journal.append(operation, body)
        return result


class LocalDynamoDB:
    """Embedded (or external) DynamoDB with the template's tables, persisted under ``data_dir``."""

    def __init__(
        self,
        template: SamTemplate,
        *,
        data_dir: Path,
        fresh: bool = False,
        endpoint_url: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._template = template
        self._data_dir = data_dir
        self._fresh = fresh
        self._external_endpoint = endpoint_url
        self._host = host
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._app: JournalingApp | None = None
        self._client: Any = None
        self._lock_handle: IO[str] | None = None
        self._snapshot: dict[str, Any] | None = None
        self._journal: WriteJournal | None = None
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        self.endpoint_url = endpoint_url or ""
        self.table_names: dict[str, str] = {}
        self.restored_items = 0
        self.replayed_writes = 0
        self.skipped = 0

    @property
    def embedded(self) -> bool:
        return self._external_endpoint is None

    @property
    def snapshot_path(self) -> Path:
        return self._data_dir / SNAPSHOT_FILE

    @property
    def journal_path(self) -> Path:
        return self._data_dir / JOURNAL_FILE

    # ------------------------------------------------------------ start and stop

    def start_server(self) -> str:
        """Start the embedded server (or adopt the external endpoint); returns the endpoint URL."""
        if not self.embedded:
            return self.endpoint_url
        self._lock_data_dir()
        if self._fresh:
            self._set_aside_old_data()
        else:
            self._snapshot = self._read_snapshot()  # fail early, before anything starts, on a damaged file
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class RequestHandler(MotoRequestHandler):  # type: ignore[misc]
            # werkzeug writes a response's headers and body separately; with Nagle's algorithm on,
            # a keep-alive client would wait for its delayed ACK (40 ms on Linux) on every call.
            disable_nagle_algorithm = True

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per DynamoDB call
        self._app = JournalingApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._host, 0, self._app, threaded=True, request_handler=RequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="dynamodb", daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def create_tables(self) -> dict[str, str]:
        """Create the template's tables (missing ones only) and put the saved data back."""
        self._client = dynamodb_client(self.endpoint_url)
        self.table_names = create_tables(self._client, self._template)
        if not self.embedded:
            return self.table_names
        snapshot_seq = 0
        if self._snapshot:
            self._restore(self._snapshot)
            snapshot_seq = int(self._snapshot.get("journal_seq", 0))
            self._snapshot = None  # its items now live in DynamoDB
        last_seq = self._replay_journal(after=snapshot_seq)
        if self.skipped:
            print(
                f"local stack: {self.skipped} saved items or writes no longer fit the tables in "
                "template.yaml; they were left out",
                file=sys.stderr,
            )
        self._journal = WriteJournal(self.journal_path, next_seq=last_seq + 1)
        if self.replayed_writes:
            self._compact()  # start from one snapshot again, with an empty journal
        assert self._app is not None
        self._app.journal = self._journal
        self._syncer = threading.Thread(target=self._sync_journal, name="journal-sync", daemon=True)
        self._syncer.start()
        return self.table_names

    def stop(self) -> None:
        """Stop DynamoDB and keep its data as one snapshot (call once nothing writes any more)."""
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join(timeout=5)
        if self._journal is not None:
            try:
                if self._journal.appended:
                    self._compact()
                else:
                    self._journal.sync()
            except Exception as exc:  # the journal still holds every write: nothing is lost
                print(
                    f"local stack: could not write the snapshot ({exc}); the journal keeps the data",
                    file=sys.stderr,
                )
            self._journal.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    # ------------------------------------------------------------ the data directory

    def _lock_data_dir(self) -> None:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        handle = (self._data_dir / LOCK_FILE).open("a+", encoding="utf-8")
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, the rest works
            self._lock_handle = handle
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise LocalDataError(
                f"{self._data_dir} is in use by another local stack ({owner}); stop it, or use --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle

    def _set_aside_old_data(self) -> None:
        """--fresh: start empty, but keep the previous data next to the new as .bak files."""
        for path in (self.snapshot_path, self.journal_path):
            if path.exists():
                os.replace(path, path.with_name(path.name + ".bak"))

    def _read_snapshot(self) -> dict[str, Any] | None:
        path = self.snapshot_path
        if not path.exists():
            return None
        try:
            snapshot = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
                raise ValueError(f"not a snapshot of format {SNAPSHOT_FORMAT}")
            if not isinstance(snapshot.get("tables"), dict):
                raise ValueError("no tables")
        except (OSError, ValueError) as exc:
            raise LocalDataError(
                f"cannot read the saved data in {path} ({exc}); move it away, or start empty with --fresh "
                "(which keeps the old file as dynamodb.json.bak)"
            ) from None
        return snapshot

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for logical_id, saved in snapshot["tables"].items():
            items = saved.get("items") or []
            if logical_id not in self.table_names:
                self.skipped += len(items)
                continue
            name = self.table_names[logical_id]
            keys = [k["AttributeName"] for k in self._template.tables[logical_id]["KeySchema"]]
            fitting = [item for item in items if all(key in item for key in keys)]
            self.skipped += len(items) - len(fitting)
            for start in range(0, len(fitting), _BATCH):
                batch = fitting[start : start + _BATCH]
                requests = [{"PutRequest": {"Item": {k: _from_json(v) for k, v in i.items()}}} for i in batch]
                pending: dict[str, Any] = {name: requests}
                while pending:
                    pending = (
                        self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    )
            self.restored_items += len(fitting)

    def _journal_entries(self) -> Iterator[dict[str, Any]]:
        if not self.journal_path.exists():
            return
        with self.journal_path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    # The last line of a crash can be torn; anything it held was never acknowledged.
                    print(
                        f"local stack: journal line {number} is incomplete; it was skipped", file=sys.stderr
                    )
                    continue
                yield entry

    def _replay_journal(self, *, after: int) -> int:
        """Send every journalled write newer than the snapshot again, in order; returns the last seq."""
        last = after
        host, port = self._server.server_address[:2]
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            for entry in self._journal_entries():
                seq = int(entry["seq"])
                last = max(last, seq)
                if seq <= after:
                    continue  # already in the snapshot (a stop that wrote it but did not empty the journal)
                headers = {
                    "Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": _TARGET_PREFIX + entry["op"],
                    "Authorization": _REPLAY_AUTHORIZATION,
                }
                connection.request("POST", "/", body=entry["body"].encode("utf-8"), headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self.replayed_writes += 1
                else:
                    self.skipped += 1  # e.g. a table the template no longer has
        finally:
            connection.close()
        return last

    def _sync_journal(self) -> None:
        while not self._stop.wait(1.0):
            if self._journal is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._journal.sync()

    # ------------------------------------------------------------ snapshots

    def _scan(self, table_name: str) -> Iterator[dict[str, Any]]:
        for page in self._client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
            yield from page.get("Items", [])

    def _compact(self) -> None:
        """Write every item to the snapshot, then empty the journal it now covers."""
        assert self._journal is not None
        self.save_snapshot(journal_seq=self._journal.last_seq)
        self._journal.truncate()

    def save_snapshot(self, *, journal_seq: int = 0) -> None:
        """Write every item of every table to the snapshot file, atomically."""
        tables = {
            logical_id: {
                "name": name,
                "items": [{k: _to_json(v) for k, v in i.items()} for i in self._scan(name)],
            }
            for logical_id, name in self.table_names.items()
        }
        snapshot = {
            "format": SNAPSHOT_FORMAT,
            "saved_at": datetime.now(UTC).isoformat(),
            "journal_seq": journal_seq,
            "tables": tables,
        }
        self._data_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".dynamodb-", suffix=".json", dir=self._data_dir)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(snapshot, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.snapshot_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
