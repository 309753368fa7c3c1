"""The local stack's DynamoDB: an embedded moto server on loopback whose tables survive restarts.

Tables come from template.yaml (tools.sam_template). Their items are kept in a JSON snapshot under
the data directory: written shortly after writes and on shutdown, read back on start. With an
external endpoint (DYNAMODB_ENDPOINT_URL) the data lives there instead, and only missing tables
are created.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tools.sam_template import PSEUDO_PARAMETERS, SamTemplate, create_tables

SNAPSHOT_FILE = "dynamodb.json"
LOCK_FILE = "local-stack.lock"
SNAPSHOT_FORMAT = 1
AUTOSAVE_DELAY_SECONDS = 0.5
_BATCH = 25  # BatchWriteItem's limit


class LocalDataError(RuntimeError):
    """The data directory cannot be used (locked by another stack, or its snapshot is unreadable)."""


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
        self._client: Any = None
        self._lock_handle: IO[str] | None = None
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None
        self._save_lock = threading.Lock()
        self.endpoint_url = endpoint_url or ""
        self.table_names: dict[str, str] = {}
        self.restored_items = 0
        self.skipped_items = 0
        self._pending_snapshot: dict[str, Any] | None = None

    @property
    def embedded(self) -> bool:
        return self._external_endpoint is None

    @property
    def snapshot_path(self) -> Path:
        return self._data_dir / SNAPSHOT_FILE

    # ------------------------------------------------------------ start and stop

    def start_server(self) -> str:
        """Start the embedded server (or adopt the external endpoint); returns the endpoint URL."""
        if not self.embedded:
            return self.endpoint_url
        self._lock_data_dir()
        snapshot = None if self._fresh else self._read_snapshot()  # fail early on a damaged file
        self._pending_snapshot = snapshot
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per DynamoDB call
        self._server = ThreadedMotoServer(ip_address=self._host, port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def create_tables(self) -> dict[str, str]:
        """Create the template's tables (missing ones only) and restore the snapshot into them."""
        self._client = dynamodb_client(self.endpoint_url)
        self.table_names = create_tables(self._client, self._template)
        if self.embedded:
            if self._fresh and self.snapshot_path.exists():
                backup = self.snapshot_path.with_suffix(".json.bak")
                os.replace(self.snapshot_path, backup)
            if self._pending_snapshot:
                self._restore(self._pending_snapshot)
            self._pending_snapshot = None
            self._saver = threading.Thread(target=self._autosave, name="dynamodb-autosave", daemon=True)
            self._saver.start()
        return self.table_names

    def stop(self) -> None:
        """Save what changed, stop the server and release the data directory."""
        self._stop.set()
        if self._saver is not None:
            self._saver.join(timeout=10)
        if self.embedded and self._client is not None and self._dirty.is_set():
            self._save_quietly()
        if self._server is not None:
            self._server.stop()
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
                "(the old file is kept as dynamodb.json.bak)"
            ) from None
        return snapshot

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for logical_id, saved in snapshot["tables"].items():
            items = saved.get("items") or []
            if logical_id not in self.table_names:
                self.skipped_items += len(items)
                continue
            name = self.table_names[logical_id]
            keys = [k["AttributeName"] for k in self._template.tables[logical_id]["KeySchema"]]
            fitting = [item for item in items if all(key in item for key in keys)]
            self.skipped_items += len(items) - len(fitting)
            for start in range(0, len(fitting), _BATCH):
                requests = [
                    {"PutRequest": {"Item": {k: _from_json(v) for k, v in item.items()}}}
                    for item in fitting[start : start + _BATCH]
                ]
                pending: dict[str, Any] = {name: requests}
                while pending:
                    response = self._client.batch_write_item(RequestItems=pending)
                    pending = response.get("UnprocessedItems") or {}
            self.restored_items += len(fitting)
        if self.skipped_items:
            print(
                f"local stack: {self.skipped_items} saved items no longer fit the tables in template.yaml; "
                "they were left out",
                file=sys.stderr,
            )

    # ------------------------------------------------------------ snapshots

    def mark_dirty(self) -> None:
        """Something may have been written: save soon."""
        if self.embedded:
            self._dirty.set()

    def _autosave(self) -> None:
        while not self._stop.is_set():
            if self._dirty.wait(timeout=0.5) and not self._stop.is_set():
                # Let a burst of writes settle, then save them together.
                self._stop.wait(AUTOSAVE_DELAY_SECONDS)
                self._save_quietly()

    def _save_quietly(self) -> None:
        try:
            self.save_snapshot()
        except Exception as exc:  # a failed save must not take the stack down; say so and retry later
            print(f"local stack: could not save local data: {exc}", file=sys.stderr)
            self._dirty.set()
            time.sleep(1)

    def _scan(self, table_name: str) -> Iterator[dict[str, Any]]:
        for page in self._client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
            yield from page.get("Items", [])

    def save_snapshot(self) -> None:
        """Write every item of every table to the snapshot file, atomically."""
        with self._save_lock:
            self._dirty.clear()
            tables = {
                logical_id: {
                    "name": name,
                    "items": [{k: _to_json(v) for k, v in item.items()} for item in self._scan(name)],
                }
                for logical_id, name in self.table_names.items()
            }
            snapshot = {
                "format": SNAPSHOT_FORMAT,
                "saved_at": datetime.now(UTC).isoformat(),
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
