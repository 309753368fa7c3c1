"""``python -m readiness centre create|rotate-keys|revoke|list``: manage career centres and their keys.

Works against any DynamoDB endpoint with the single table: the local stack's
(``--endpoint-url http://127.0.0.1:PORT --table ReadinessTable``; `make run` prints both) or a
deployed stack's (``--table <ReadinessTableName output>``, credentials and region from the usual
AWS environment). ``TABLE_NAME`` and ``DYNAMODB_ENDPOINT_URL`` are read when the options are absent.

Keys are printed once, when they are issued, and stored only as hashes: keep them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from readiness.centres.model import DEFAULT_K_THRESHOLD, CentreNotFound, CentreSettings, InvalidCentre
from readiness.centres.repository import CentreChanged
from readiness.centres.service import CentreAdmin, CreatedCentre
from readiness.errors import FieldError
from readiness.store.errors import StoreError

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}

AdminFactory = Callable[[str, str | None, str], CentreAdmin]


def add_centre_commands(commands: Any) -> None:
    """Register ``centre`` and its subcommands on the main parser's subparsers."""
    centre = commands.add_parser("centre", help="manage career centres (tenants) and their keys")
    centre.add_argument("--table", default=None, help="the single table's name (default: $TABLE_NAME)")
    centre.add_argument(
        "--endpoint-url",
        default=None,
        help="a DynamoDB endpoint, e.g. the local stack's (default: $DYNAMODB_ENDPOINT_URL, else AWS)",
    )
    centre.add_argument("--region", default=None, help="AWS region (default: $AWS_REGION or us-east-1)")
    actions = centre.add_subparsers(dest="centre_command", required=True)

    create = actions.add_parser("create", help="create a centre and print its two keys (shown once)")
    create.add_argument("--name", required=True, help="the centre's name, e.g. 'Example University Careers'")
    create.add_argument(
        "--origin",
        dest="origins",
        action="append",
        required=True,
        help="an origin where the form is embedded, e.g. https://careers.example.edu (repeatable)",
    )
    create.add_argument("--display-name", default=None, help="name shown in the form (default: --name)")
    create.add_argument("--accent-colour", "--accent-color", default=None, help="e.g. #1f5f8b")
    create.add_argument("--logo-url", default=None, help="an https:// image URL")
    create.add_argument(
        "--k-threshold",
        type=int,
        default=DEFAULT_K_THRESHOLD,
        help=f"smallest group the centre may see in aggregate (default {DEFAULT_K_THRESHOLD})",
    )
    create.add_argument("--json", action="store_true", help="print JSON")

    rotate = actions.add_parser(
        "rotate-keys", help="issue new keys; the old ones expire (after --grace-hours)"
    )
    rotate.add_argument("centre_id")
    rotate.add_argument(
        "--grace-hours", type=float, default=0.0, help="how long the old keys keep working (default 0)"
    )
    rotate.add_argument("--json", action="store_true", help="print JSON")

    revoke = actions.add_parser("revoke", help="stop both keys of a centre (its data is kept)")
    revoke.add_argument("centre_id")

    listing = actions.add_parser("list", help="list centres (never their keys)")
    listing.add_argument("--json", action="store_true", help="print JSON")


def dynamodb_client(endpoint_url: str | None, region: str) -> Any:
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {
        "region_name": region,
        "config": Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5),
    }
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
        host = urlsplit(endpoint_url).hostname or ""
        if host in _LOOPBACK and not os.environ.get("AWS_ACCESS_KEY_ID"):
            # a local endpoint accepts any credentials; never pick up a real profile for it
            kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106
    return boto3.session.Session().client("dynamodb", **kwargs)


def run_centre(
    args: argparse.Namespace, *, admin_for: AdminFactory | None = None, now: datetime | None = None
) -> int:
    table = args.table or os.environ.get("TABLE_NAME")
    if not table:
        print("error: --table: the single table's name is needed (or set TABLE_NAME)", file=sys.stderr)
        return 2
    endpoint = args.endpoint_url or os.environ.get("DYNAMODB_ENDPOINT_URL") or None
    region = (
        args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    )
    admin = (admin_for or _admin)(table, endpoint, region)
    moment = now or datetime.now(UTC)  # the clock is read here, at the edge
    try:
        return _run(args, admin, moment)
    except InvalidCentre as exc:
        for detail in exc.details:
            print(f"error: {_option(detail.field)}: {detail.message}", file=sys.stderr)
        return 2
    except CentreNotFound:
        print(f"error: no centre {args.centre_id} in table {table}", file=sys.stderr)
        return 1
    except CentreChanged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"error: the table could not be used: {exc}", file=sys.stderr)
        return 1


def _admin(table: str, endpoint: str | None, region: str) -> CentreAdmin:
    from readiness.centres.dynamodb import DynamoDBCentreStore

    return CentreAdmin(DynamoDBCentreStore(dynamodb_client(endpoint, region), table))


def _option(field: str) -> str:
    """A domain field name as the command-line option that sets it (origins.1 -> --origin #2)."""
    head, _, rest = field.partition(".")
    name = {"origins": "--origin", "grace": "--grace-hours", "centre_id": "centre_id"}.get(
        head, "--" + head.replace("_", "-")
    )
    return f"{name} #{int(rest) + 1}" if rest.isdigit() else name


def _run(args: argparse.Namespace, admin: CentreAdmin, now: datetime) -> int:
    command = args.centre_command
    if command == "create":
        settings = CentreSettings.parse(
            name=args.name,
            origins=args.origins,
            display_name=args.display_name,
            accent_colour=args.accent_colour,
            logo_url=args.logo_url,
            k_threshold=args.k_threshold,
        )
        _print_keys(admin.create(settings, now=now), args.json, "created")
        return 0
    if command == "rotate-keys":
        if args.grace_hours < 0:
            raise InvalidCentre([FieldError("grace", "must not be negative")])
        created = admin.rotate_keys(args.centre_id, now=now, grace=timedelta(hours=args.grace_hours))
        _print_keys(created, args.json, "rotated keys of")
        return 0
    if command == "revoke":
        centre = admin.revoke(args.centre_id, now=now)
        print(f"revoked {centre.centre_id} ({centre.name}): both keys stop working within 5 minutes")
        return 0
    listings = admin.listing()
    if args.json:
        rows = [
            {
                "centre_id": c.centre_id,
                "name": c.name,
                "status": c.status.value,
                "origins": list(c.origins),
                "k_threshold": c.k_threshold,
                "created_at": c.created_at.isoformat(),
                "keys_rotated_at": c.keys_rotated_at.isoformat() if c.keys_rotated_at else None,
            }
            for c in listings
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not listings:
        print("no centres yet: python -m readiness centre create --name ... --origin https://...")
        return 0
    for c in listings:
        print(f"{c.centre_id}  {c.status.value:<7}  k={c.k_threshold:<3}  {c.name}  ({', '.join(c.origins)})")
    return 0


def _print_keys(created: CreatedCentre, as_json: bool, verb: str) -> None:
    centre, keys = created.centre, created.keys
    grace_until = centre.keys.previous_valid_until
    if as_json:
        document = {
            "centre_id": centre.centre_id,
            "name": centre.name,
            "origins": list(centre.origins),
            "k_threshold": centre.k_threshold,
            "publishable_key": keys.publishable,
            "secret_key": keys.secret,
            "previous_keys_valid_until": grace_until.isoformat() if grace_until else None,
        }
        print(json.dumps(document, indent=2))
        return
    print(f"{verb} {centre.centre_id} ({centre.name})")
    print(f"  origins          {', '.join(centre.origins)}")
    print(f"  k-anonymity      groups of fewer than {centre.k_threshold} students are never shown")
    print(f"  publishable key  {keys.publishable}")
    print(f"  secret key       {keys.secret}")
    if grace_until:
        print(f"  the previous keys keep working until {grace_until.isoformat()}")
    print("These keys are shown once and stored only as hashes. Keep the secret key secret (your server,")
    print("or the counsellor page at /centre/); the publishable key goes in the embed snippet:")
    print(f'  <script src="https://<readiness web>/embed.js" data-key="{keys.publishable}"></script>')
