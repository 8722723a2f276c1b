"""The ``hub`` command: serve, migrate, seed, agency, document and user management, export-schema, audit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from hub import __version__, logs
from hub.db.database import Database
from hub.db.embedded import DATABASE_NAME, EmbeddedServer, ensure_database
from hub.errors import HubError
from hub.settings import WORKER_DATABASE_URL, Settings

log = logging.getLogger("hub")
T = TypeVar("T")


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The configured server's URL, straight to PostgreSQL (HUB_DIRECT_DATABASE_URL when a
    pooler is in between: the commands keep session state), or the embedded server's,
    stopped on exit."""
    configured = settings.direct_database_url or settings.database_url
    if configured is not None:
        yield configured.reveal()
        return
    with EmbeddedServer(settings.data_dir) as server:
        url = server.start()
        asyncio.run(ensure_database(server.admin_url, DATABASE_NAME))
        yield url


async def _migrate(url: str) -> list[str]:
    from hub.db.migrate import migrate

    conn = await asyncpg.connect(url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    with database_url(settings) as url:
        applied = asyncio.run(_migrate(url))
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""), file=sys.stderr)
    return 0


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for X-Forwarded-For: it names the client only when it comes from a
    proxy the hub trusts (HUB_TRUSTED_PROXIES); otherwise the client is the socket peer,
    whatever the request says (uvicorn alone would trust any loopback peer)."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub import metrics
    from hub.gateway.app import served_app

    with database_url(settings) as url:
        asyncio.run(_migrate(url))
        if args.demo:
            from hub.seed.demo import load_demo_with_users

            keys, users = asyncio.run(load_demo_with_users(url, settings.data_dir))
            print("Demo agencies and their API keys (send as 'Authorization: Bearer <key>'):")
            for agency in keys:
                print(f"  {agency.kind:<14} {agency.code:<22} {agency.key}")
            print(f"Demo console users (log in at http://{args.host}:{args.port}/console):")
            for user in users:
                print(f"  console-user {user.role:<10} {user.username:<12} {user.agency:<18} {user.password}")
            sys.stdout.flush()
        options: dict[str, Any] = {
            "host": args.host,
            "port": args.port,
            "log_level": "info",
            # uvicorn's access log prints query strings, and a GET query's variables may hold
            # an ID number; the gateway logs one line per operation without them instead.
            "access_log": False,
            "log_config": logs.uvicorn_log_config(settings.log_format),
            "lifespan": "on",
            "timeout_graceful_shutdown": 30,
            **proxy_options(settings),
        }
        # Requests go through the pooler, if there is one (the app takes LISTEN past it).
        url = settings.database_url.reveal() if settings.database_url is not None else url
        print(f"GraphQL at http://{args.host}:{args.port}/graphql", file=sys.stderr)
        # uvicorn finishes in-flight requests on SIGTERM, then re-raises the signal; a quiet
        # handler lets this function return so the embedded server is stopped too.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
        if args.workers > 1:
            # Every worker writes its figures where any of them (and the metrics port) reads all.
            metrics.prepare_directory(settings.data_dir)
        stop_metrics = None
        if settings.metrics_port:
            stop_metrics = metrics.serve_port(settings.metrics_host, settings.metrics_port)
            print(f"metrics at http://{settings.metrics_host}:{settings.metrics_port}/metrics", file=sys.stderr)
        try:
            if args.workers > 1:
                # Each worker process builds its own app (pool, audit writer, dispatchers)
                # from the environment; the outbox and row locks keep them in step.
                os.environ[WORKER_DATABASE_URL] = url
                _serve_workers(args.workers, options)
            else:
                uvicorn.Server(uvicorn.Config(served_app(settings, url), **options)).run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if stop_metrics is not None:
                stop_metrics()
    return 0


def listening_socket(config: Any) -> socket.socket:
    """``config.bind_socket()`` (a ``uvicorn.Config``), with TCP_NODELAY, which the
    connections it accepts inherit."""
    sock: socket.socket = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _serve_workers(workers: int, options: dict[str, Any]) -> None:
    """``uvicorn.run(..., workers=N)``, with TCP_NODELAY on the shared listening socket.

    Some uvicorn releases bind that socket with protocol 0, and then asyncio does not
    recognise its connections as TCP and never sets TCP_NODELAY on them: a response written
    in two parts (head, then body) waits for the client's delayed ACK, about 40 ms a
    request. Accepted connections inherit the option from the listening socket, whatever
    the release.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("hub.gateway.app:app_for_worker", factory=True, workers=workers, **options)
    sock = listening_socket(config)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from hub.seed.synthetic import MAX_SUBJECTS, seed_synthetic

    if not 0 <= args.subjects <= MAX_SUBJECTS:
        # The generator's serial numbers (organisation codes, VINs...) have room for so many.
        print(f"--subjects must be from 0 to {MAX_SUBJECTS:,}", file=sys.stderr)
        return 2

    async def run(url: str) -> None:
        await _migrate(url)
        conn = await asyncpg.connect(url)
        try:
            report = await seed_synthetic(conn, subjects=args.subjects, seed=args.seed, progress=not args.quiet)
        finally:
            await conn.close()
        if report.already_loaded:
            print(f"{report.dataset} is loaded already; nothing written", file=sys.stderr)
        else:
            counts = ", ".join(f"{n} {table}" for table, n in report.counts.items())
            print(f"wrote {counts} in {report.seconds:.1f} s", file=sys.stderr)

    with database_url(settings) as url:
        asyncio.run(run(url))
    return 0


def cmd_agency_create(settings: Settings, args: argparse.Namespace) -> int:
    from hub.agencies import create_agency

    async def work(db: Database) -> str:
        created = await create_agency(
            db, code=args.code, name=args.name, kind=args.kind, region=args.region, mode=args.mode, role=args.role
        )
        return created.key

    print(_with_db(settings, work))
    return 0


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on a migrated database connection."""

    async def run(url: str) -> T:
        await _migrate(url)
        conn = await asyncpg.connect(url)
        try:
            return await work(Database(connection=conn))
        finally:
            await conn.close()

    with database_url(settings) as url:
        return asyncio.run(run(url))


def cmd_agency_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.agencies import list_agencies

    rows = _with_db(settings, lambda db: list_agencies(db, 0, 10_000))
    for r in rows:
        print(f"{r['code']:<24} {r['kind']:<14} {r['role'] or '-':<8} {r['region']} {r['mode']:<8} {r['name']}")
    return 0


def cmd_key_add(settings: Settings, args: argparse.Namespace) -> int:
    from hub.agencies import agency_by_code, issue_key

    async def work(db: Database) -> str:
        agency = await agency_by_code(db, args.agency)
        return await issue_key(db, agency["id"], args.label)

    print(_with_db(settings, work))
    return 0


def cmd_key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hub.agencies import agency_by_code, revoke_key

    async def work(db: Database) -> int:
        agency = await agency_by_code(db, args.agency)
        return await revoke_key(db, agency["id"], args.label)

    _with_db(settings, work)
    print(f"revoked the key labelled {args.label!r} of {args.agency}", file=sys.stderr)
    return 0


def cmd_key_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.agencies import agency_by_code, list_keys

    async def work(db: Database) -> list[asyncpg.Record]:
        agency = await agency_by_code(db, args.agency)
        return await list_keys(db, agency["id"])

    for r in _with_db(settings, work):
        state = f"revoked {r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "active"
        print(f"{r['label']:<20} {r['prefix']}…  issued {r['created_at']:%Y-%m-%d %H:%M}  {state}")
    return 0


async def _vetter(settings: Settings, db: Database) -> Any:
    """Vets documents as `hub serve` would vet requests of them (the same rules and limits)."""
    from hub.documents import Vetter
    from hub.policy.rules import load_rules
    from hub.schema import build_schema
    from hub.schema.execute import Executor
    from hub.sources import core

    schema = build_schema()
    rules = load_rules(schema._schema, await core.matter_codes(db))
    executor = Executor(schema, settings.limits, compiled_reads=False)
    return Vetter(
        executor,
        lambda principal: rules.for_principal(principal, development=settings.is_development),
        settings.default_page_size,
        settings.max_page_size,
    )


def cmd_documents_register(settings: Settings, args: argparse.Namespace) -> int:
    from hub import documents
    from hub.agencies import agency_by_code, principal_of
    from hub.errors import InvalidInput

    files = documents.read_documents(Path(args.file))
    if args.sha256 and len(files) != 1:
        raise InvalidInput("--sha256 names one document; a manifest carries its own ids", argument="sha256")

    async def work(db: Database) -> list[str]:
        agency = await agency_by_code(db, args.agency)
        principal = principal_of(agency)
        vetter = await _vetter(settings, db)
        refused = []
        for i, (text, _) in enumerate(files, 1):
            try:
                vetter.vet(text, principal)
            except documents.DocumentRefused as exc:
                where = f"document {i} of {len(files)}" if len(files) > 1 else "the document"
                refused.append(f"{where}: " + "; ".join(e["message"] for e in exc.errors))
        if refused:
            raise documents.DocumentRefused("nothing registered; " + " | ".join(refused), [])
        ids = []
        async with db.transaction() as conn:  # all of the file or nothing
            in_transaction = Database(connection=conn)
            for text, claimed in files:
                found = await documents.register(in_transaction, vetter, principal, text, "cli", args.sha256 or claimed)
                ids.append(found.id)
        return ids

    for registered in _with_db(settings, work):
        print(registered)
    return 0


def cmd_documents_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub import documents
    from hub.agencies import agency_by_code

    async def work(db: Database) -> list[documents.Registered]:
        agency = await agency_by_code(db, args.agency)
        return await documents.documents_of(db, agency["id"], args.all)

    for d in _with_db(settings, work):
        state = f"revoked {d.revoked_at:%Y-%m-%d %H:%M}" if d.revoked_at else "active"
        names = ",".join(n or "(anonymous)" for n in d.operations)
        print(f"{d.id}  {names:<30} registered {d.registered_at:%Y-%m-%d %H:%M} by {d.registered_by}  {state}")
    return 0


def cmd_documents_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hub import documents
    from hub.agencies import agency_by_code

    async def work(db: Database) -> documents.Registered:
        agency = await agency_by_code(db, args.agency)
        return await documents.revoke(db, agency["id"], args.id)

    revoked = _with_db(settings, work)
    print(f"revoked {revoked.id} of {args.agency}", file=sys.stderr)
    return 0


def cmd_documents_require(settings: Settings, args: argparse.Namespace) -> int:
    from hub import documents
    from hub.agencies import agency_by_code

    only = args.setting == "on"

    async def work(db: Database) -> None:
        agency = await agency_by_code(db, args.agency)
        await documents.set_trusted_only(db, agency["id"], only)

    _with_db(settings, work)
    what = "registered documents only" if only else "ad-hoc documents too"
    print(f"{args.agency} may now send {what} (in production)", file=sys.stderr)
    return 0


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    from hub.console.users import create_user
    from hub.errors import InvalidInput

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidInput("the two passwords differ")

    async def work(db: Database) -> int:
        return await create_user(
            db,
            agency_code=args.agency,
            username=args.username,
            role=args.role,
            password=password,
            display_name=args.display_name,
            created_by="cli",
        )

    _with_db(settings, work)
    print(f"created console user {args.username.strip().lower()} ({args.role}) of {args.agency}", file=sys.stderr)
    return 0


def cmd_user_disable(settings: Settings, args: argparse.Namespace) -> int:
    from hub.console.users import disable_user

    _with_db(settings, lambda db: disable_user(db, args.username))
    print(f"disabled console user {args.username}; their sessions have ended", file=sys.stderr)
    return 0


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from hub.schema import schema_sdl

    Path(args.output).write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from hub.audit.checkpoint import existing_signing_key, key_id_of, public_key_bytes, read_json_lines
    from hub.audit.verify import verify
    from hub.errors import InvalidInput

    external = []
    if args.checkpoints:
        try:
            external = read_json_lines(Path(args.checkpoints).read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidInput(f"cannot read {args.checkpoints}: {exc.strerror}") from None
    # Anyone with the database can sign checkpoints with a key of their own: trust only the
    # keys of the checkpoints held elsewhere and this hub's own key, when there are any.
    trusted = {checkpoint.key_id for checkpoint in external}
    local = existing_signing_key(settings.data_dir)
    if local is not None:
        trusted.add(key_id_of(public_key_bytes(local)))
    report = _with_db(settings, lambda db: verify(db, external, trusted_key_ids=trusted or None))
    if report.first_break is None:
        print(
            f"audit trail intact: {report.records} records, head seq {report.head_seq} "
            f"(hash {report.head_hash[:16]}), {report.checkpoints} checkpoint(s) matched"
        )
        return 0
    found = report.first_break
    print(f"audit trail BROKEN at seq {found.seq} ({found.kind}): {found.detail}")
    print(f"{report.records} records verified before the break; head seq {report.head_seq}")
    return 1


def cmd_audit_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    from hub.audit.checkpoint import create_checkpoint, signing_key

    key = signing_key(settings.data_dir)
    print(_with_db(settings, lambda db: create_checkpoint(db, key)).to_json())
    return 0


def cmd_audit_export_checkpoints(settings: Settings, args: argparse.Namespace) -> int:
    from hub.audit.checkpoint import stored_checkpoints, to_json_lines

    checkpoints = _with_db(settings, stored_checkpoints)
    if args.output:
        Path(args.output).write_text(to_json_lines(checkpoints), encoding="utf-8")
        print(f"wrote {len(checkpoints)} checkpoint(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(to_json_lines(checkpoints))
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from hub.ingest.client import batch_status, upload_file

    if args.target[0] == "status":
        if len(args.target) != 2:
            print("usage: hub ingest status BATCH_ID --key KEY [--url URL]", file=sys.stderr)
            return 2
        return batch_status(args.url, args.key, args.target[1])
    if len(args.target) != 1 or args.source is None:
        print("usage: hub ingest FILE --source SOURCE --key KEY [--url URL]", file=sys.stderr)
        return 2
    return upload_file(
        args.url,
        args.key,
        Path(args.target[0]),
        source=args.source,
        fmt=args.format,
        encoding=args.encoding,
        partial=args.partial,
        source_version=args.source_version,
        progress=not args.quiet,
    )


def cmd_config_show(settings: Settings, args: argparse.Namespace) -> int:
    from hub.configuration import effective, render

    sys.stdout.write(render(effective(settings, os.environ)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Joint Sanctions Hub")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations and serve GraphQL over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the demo province and print its keys")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes sharing the port (default 1; one per core)"
    )
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="apply pending migrations")
    mig.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="write a synthetic province at scale")
    seed.add_argument("--subjects", type=int, required=True, help="number of subjects to write")
    seed.add_argument("--seed", type=int, default=1, help="random seed; same seed, same data")
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(func=cmd_seed)

    agency = sub.add_parser("agency", help="manage agencies")
    agency_sub = agency.add_subparsers(dest="agency_command", required=True)
    create = agency_sub.add_parser("create", help="create an agency; prints its API key alone")
    create.add_argument("--code", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--kind", required=True)
    create.add_argument("--region", default="350000")
    create.add_argument("--mode", default="api", choices=["api", "console"])
    create.add_argument("--role", default=None, help="narrows the kind's policy, e.g. hotel")
    create.set_defaults(func=cmd_agency_create)
    listing = agency_sub.add_parser("list", help="list agencies")
    listing.set_defaults(func=cmd_agency_list)
    key = agency_sub.add_parser("key", help="manage an agency's API keys")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    key_add = key_sub.add_parser("add", help="issue a key under a new label; prints it alone")
    key_add.add_argument("--agency", required=True, help="agency code")
    key_add.add_argument("--label", required=True)
    key_add.set_defaults(func=cmd_key_add)
    key_revoke = key_sub.add_parser("revoke", help="revoke the active key with this label")
    key_revoke.add_argument("--agency", required=True, help="agency code")
    key_revoke.add_argument("--label", required=True)
    key_revoke.set_defaults(func=cmd_key_revoke)
    key_list = key_sub.add_parser("list", help="list an agency's keys by label")
    key_list.add_argument("--agency", required=True, help="agency code")
    key_list.set_defaults(func=cmd_key_list)

    docs = sub.add_parser("documents", help="an agency's trusted documents (persisted operations)")
    docs_sub = docs.add_subparsers(dest="documents_command", required=True)
    docs_register = docs_sub.add_parser(
        "register",
        help="vet and register the document(s) of FILE (.graphql, or a JSON manifest); prints each id alone",
    )
    docs_register.add_argument("file", metavar="FILE")
    docs_register.add_argument("--agency", required=True, help="agency code")
    docs_register.add_argument("--sha256", help="the id you computed (sha256:<hex>): refused if the text differs")
    docs_register.set_defaults(func=cmd_documents_register)
    docs_list = docs_sub.add_parser("list", help="an agency's registered documents")
    docs_list.add_argument("--agency", required=True, help="agency code")
    docs_list.add_argument("--all", action="store_true", help="revoked ones too")
    docs_list.set_defaults(func=cmd_documents_list)
    docs_revoke = docs_sub.add_parser("revoke", help="revoke a document: requests by its id are refused")
    docs_revoke.add_argument("id", metavar="ID", help="sha256:<hex>")
    docs_revoke.add_argument("--agency", required=True, help="agency code")
    docs_revoke.set_defaults(func=cmd_documents_revoke)
    docs_require = docs_sub.add_parser(
        "require", help="on: the agency may send registered documents only (production); off: ad-hoc too"
    )
    docs_require.add_argument("setting", choices=["on", "off"])
    docs_require.add_argument("--agency", required=True, help="agency code")
    docs_require.set_defaults(func=cmd_documents_require)

    user = sub.add_parser("user", help="manage web console users (people, not systems)")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    user_create = user_sub.add_parser("create", help="create a console user; the password is asked for")
    user_create.add_argument("--agency", required=True, help="agency code")
    user_create.add_argument("--username", required=True)
    user_create.add_argument("--role", required=True, choices=["clerk", "supervisor", "operator"])
    user_create.add_argument("--display-name", default=None)
    user_create.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
    user_create.set_defaults(func=cmd_user_create)
    user_disable = user_sub.add_parser("disable", help="disable a console user and end their sessions")
    user_disable.add_argument("--username", required=True)
    user_disable.set_defaults(func=cmd_user_disable)
    ingest = sub.add_parser(
        "ingest",
        help="publish a file of a source's records (hub ingest FILE --source S), or show a batch "
        "(hub ingest status BATCH_ID)",
    )
    ingest.add_argument("target", nargs="+", metavar="FILE | status BATCH_ID")
    ingest.add_argument("--source", choices=["court", "land", "market", "police", "tourism"])
    ingest.add_argument("--key", required=True, help="the agency's API key")
    ingest.add_argument("--url", default="http://127.0.0.1:8000", help="the hub (default http://127.0.0.1:8000)")
    ingest.add_argument("--format", choices=["ndjson", "csv"], help="default: from the file name (.csv or not)")
    ingest.add_argument("--encoding", default="utf-8", choices=["utf-8", "gb18030"])
    ingest.add_argument("--partial", action="store_true", help="apply the good records even if some are bad")
    ingest.add_argument("--source-version", help="the version of the agency's data the file carries")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.add_argument(
        "--verbose", action="store_true", help="also the HTTP library's own log lines (each request it makes)"
    )
    ingest.set_defaults(func=cmd_ingest)

    config = sub.add_parser("config", help="the configuration in effect")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_show = config_sub.add_parser(
        "show", help="print every setting, its value and whether it came from the environment; secrets hidden"
    )
    config_show.set_defaults(func=cmd_config_show)

    export = sub.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default="schema.graphql")
    export.set_defaults(func=cmd_export_schema)

    audit = sub.add_parser("audit", help="verify and checkpoint the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_sub.add_parser(
        "verify", help="walk the chain; exit 1 and print the first break when it is broken"
    )
    audit_verify.add_argument(
        "--checkpoints", metavar="FILE", help="exported checkpoints (JSON lines) held outside the database"
    )
    audit_verify.set_defaults(func=cmd_audit_verify)
    audit_checkpoint = audit_sub.add_parser("checkpoint", help="sign the head now; print it as JSON")
    audit_checkpoint.set_defaults(func=cmd_audit_checkpoint)
    audit_export = audit_sub.add_parser("export-checkpoints", help="write every checkpoint as JSON lines")
    audit_export.add_argument("--output", metavar="FILE", help="default: standard output")
    audit_export.set_defaults(func=cmd_audit_export_checkpoints)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure("text", verbose=getattr(args, "verbose", False))
    if getattr(args, "subjects", 1) < 1:
        print("error: --subjects must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
        if settings.log_format != "text":
            logs.configure(settings.log_format, verbose=getattr(args, "verbose", False))
        result: int = args.func(settings, args)
        return result
    except HubError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
