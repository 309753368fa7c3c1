"""What GET /v1/centres/me/summary costs at 10, 1,000 and 100,000 students: DynamoDB requests and read units.

Run: `python -m bench.centre_summary` (or `make bench`). Tables come from template.yaml (moto).
Each centre's cohort is written as the service writes it: every assessment adds its counter deltas
to one of the centre's 16 shards, chosen at random. Up to 1,000 students go through the real
write path (one TransactWriteItems per assessment: membership, shard, roster; under
tools.moto_speed, which keeps moto's semantics at a cost that does not grow with the table).
100,000 real transactions would still take minutes, so that cohort's deltas are summed in memory with the same
function (readiness.centres.aggregates.counter_deltas) and the 16 shard items written as they would
stand; at 1,000 students both ways are run and must give the same summary.

The summary is then read through the service (CohortService.summary). Hooks on the client count
every request; read units are computed from the items returned, as DynamoDB bills a BatchGetItem:
each key as a GetItem of its own (rounded up to 4 KB, at least one unit even when the item does not
exist yet), half a unit when eventually consistent. Target (issue
7): the same requests and read units at every size. Exits 1 if not.
"""

from __future__ import annotations

import math
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
SIZES = (10, 1_000, 100_000)
THROUGH_TRANSACTIONS_UP_TO = 1_000


@dataclass
class Reads:
    calls: list[str] = field(default_factory=list)
    keys: int = 0
    items: int = 0
    item_bytes: int = 0
    units: float = 0.0


def main() -> int:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    import boto3
    from moto import mock_aws
    from readiness.centres.aggregates import DIMENSION_IDS, FLAG_IDS, CountedAssessment, counter_deltas
    from readiness.centres.dynamodb import DynamoDBCentreStore, shard_key
    from readiness.centres.model import COUNTER_SHARDS, CentreSettings
    from readiness.centres.service import CentreAdmin, CentreLedger, CohortService

    from bench.requests_per_call import item_size
    from tools.sam_template import create_tables, load_template

    chooser = random.Random(7)

    def assessment(number: int) -> CountedAssessment:
        score = max(0, min(100, int(chooser.gauss(52, 16))))
        return CountedAssessment(
            assessment_id=f"a_{number:026d}",
            assessed_at=NOW - timedelta(days=chooser.randrange(0, 365)),
            score=score,
            band="early" if score < 35 else "building" if score < 55 else "ready" if score < 75 else "strong",
            confidence=chooser.choice(("low", "medium", "high")),
            dimensions={d: max(0, min(100, score + chooser.randint(-20, 20))) for d in DIMENSION_IDS},
            flags=frozenset(f for f in FLAG_IDS if chooser.random() < 0.2),
        )

    rows: list[tuple[int, Reads, str]] = []
    from tools.moto_speed import fast_moto

    # moto's TransactWriteItems copies the whole table first; fast_moto saves only the items named
    with mock_aws(), fast_moto():
        client = boto3.client("dynamodb", region_name="us-east-1")
        template = load_template(REPO / "template.yaml")
        table = create_tables(client, template, name_for=lambda logical: f"bench-{logical}")["ReadinessTable"]
        store = DynamoDBCentreStore(client, table)
        admin = CentreAdmin(store)
        reads = Reads()
        recording = [False]

        def before_call(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            context["bench_keys"] = [
                (table_name, spec.get("ConsistentRead", False), len(spec["Keys"]))
                for table_name, spec in (params.get("RequestItems") or {}).items()
            ]

        def after_call(parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
            if not recording[0]:
                return
            reads.calls.append(model.name)
            # each key is billed as a GetItem of its own: at least one 4 KB unit, found or not
            for table_name, consistent, keys in context.get("bench_keys", []):
                rate = 1.0 if consistent else 0.5
                found = (parsed.get("Responses") or {}).get(table_name, [])
                sizes = [item_size(item) for item in found]
                reads.keys += keys
                reads.items += len(found)
                reads.item_bytes += sum(sizes)
                reads.units += rate * (
                    sum(max(1, math.ceil(size / 4096)) for size in sizes) + keys - len(found)
                )

        client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", before_call)
        client.meta.events.register("after-call.dynamodb.*", after_call)

        def new_centre() -> str:
            settings = CentreSettings.parse(name="Bench Careers", origins=["https://careers.example.edu"])
            return admin.create(settings, now=NOW).centre.centre_id

        def summary_of(centre_id: str) -> tuple[Reads, Any]:
            nonlocal reads
            reads = Reads()
            recording[0] = True
            summary = CohortService(store).summary(centre_id, now=NOW)
            recording[0] = False
            return reads, summary

        for size in SIZES:
            centre_id = new_centre()
            if size <= THROUGH_TRANSACTIONS_UP_TO:
                ledger = CentreLedger(pick_shard=lambda: chooser.randrange(COUNTER_SHARDS))
                state = chooser.getstate()
                for number in range(size):
                    user = f"u_{size}_{number}"
                    store.apply(
                        ledger.plan(user, assessment(number), memberships=[], joining=centre_id, now=NOW)
                    )
                measured, through_writes = summary_of(centre_id)
                how = "TransactWriteItems per assessment"
                if size == THROUGH_TRANSACTIONS_UP_TO:
                    # the in-memory way, on the same students, must leave the same summary
                    chooser.setstate(state)
                    shortcut = new_centre()
                    _write_summed_shards(
                        client, table, shortcut, size, assessment, chooser, counter_deltas, shard_key
                    )
                    _, summed = summary_of(shortcut)
                    if summed.model_dump(exclude={"centre_id"}) != through_writes.model_dump(
                        exclude={"centre_id"}
                    ):
                        print("the in-memory cohort does not match the transactional one")
                        return 1
                    how += " (summed in memory: same summary)"
            else:
                _write_summed_shards(
                    client, table, centre_id, size, assessment, chooser, counter_deltas, shard_key
                )
                measured, through_writes = summary_of(centre_id)
                how = "deltas summed in memory, 16 shard items written"
            assert through_writes.students == size
            rows.append((size, measured, how))

    print(__doc__.split("\n\n")[0])
    print()
    columns = ("students", "requests", "calls", "keys", "found", "bytes", "RCU")
    header = "{:>9}  {:>8}  {:<13} {:>4} {:>5} {:>7} {:>5}  written by".format(*columns)
    print(header)
    print("-" * len(header))
    for size, measured, how in rows:
        calls = "+".join(measured.calls)
        print(
            f"{size:>9,}  {len(measured.calls):>8}  {calls:<13} {measured.keys:>4} {measured.items:>5} "
            f"{measured.item_bytes:>7,} {measured.units:>5g}  {how}"
        )
    first = rows[0][1]
    same = all((m.calls, m.keys, m.units) == (first.calls, first.keys, first.units) for _, m, _ in rows)
    print()
    print(
        "same requests and read units at every size: "
        + ("yes" if same else "NO")
        + f" ({COUNTER_SHARDS} shards + the centre item, one BatchGetItem, eventually consistent; no Scan, "
        "no Query over students)"
    )
    return 0 if same else 1


def _write_summed_shards(
    client: Any,
    table: str,
    centre_id: str,
    size: int,
    assessment: Any,
    chooser: random.Random,
    counter_deltas: Any,
    shard_key: Any,
) -> None:
    from readiness.centres.model import COUNTER_SHARDS

    shards = [Counter[str]() for _ in range(COUNTER_SHARDS)]
    for number in range(size):
        counted = assessment(number)  # drawn before the shard, as the write path draws them
        shards[chooser.randrange(COUNTER_SHARDS)].update(counter_deltas(None, counted))
    for index, counters in enumerate(shards):
        if not counters:
            continue
        item = {**shard_key(centre_id, index), **{k: {"N": str(v)} for k, v in counters.items() if v}}
        client.put_item(TableName=table, Item=item)


if __name__ == "__main__":
    raise SystemExit(main())
