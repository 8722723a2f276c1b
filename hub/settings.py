"""Settings, read once from the environment (``HUB_`` prefix)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from hub.errors import ConfigurationError
from hub.policy.limits import Limits


class Secret:
    """A string that never prints itself."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


# `hub serve --workers N` hands each worker process the database through the environment.
WORKER_DATABASE_URL = "HUB_WORKER_DATABASE_URL"


@dataclass(frozen=True)
class Settings:
    # None: start the embedded PostgreSQL in ``data_dir``.
    database_url: Secret | None = None
    data_dir: Path = Path(".hub")
    env: str = "development"
    pool_min_size: int = 2
    pool_max_size: int = 10
    max_page_size: int = 100
    default_page_size: int = 20
    limits: Limits = field(default_factory=Limits)
    # Development only: lets a benchmark measure what the audit trail costs.
    audit_disabled: bool = False
    statement_timeout_ms: int = 5_000
    # Sign the audit chain's head this often while serving (0: never; `hub audit checkpoint`).
    audit_checkpoint_seconds: int = 300
    # Mark listings whose term has ended as removed this often while serving (0: never).
    expiry_seconds: int = 300
    # How long a process may answer a key from its cache (0: look every key up). Revocations
    # empty every process's cache as they commit; this bounds a missed announcement.
    key_cache_seconds: int = 5

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        hub_env = env.get("HUB_ENV", "development")
        if hub_env not in ("development", "production"):
            raise ConfigurationError(f"HUB_ENV must be 'development' or 'production', not {hub_env!r}")
        url = env.get("HUB_DATABASE_URL") or None
        if url is None and hub_env == "production":
            raise ConfigurationError(
                "HUB_DATABASE_URL must be set in production; the embedded server is for development"
            )
        audit_disabled = env.get("HUB_AUDIT_DISABLED", "") in ("1", "true", "yes")
        if audit_disabled and hub_env != "development":
            raise ConfigurationError("HUB_AUDIT_DISABLED is allowed in development only")
        limits = Limits(
            **{
                f.name: _int(env, "HUB_LIMIT_" + f.name.upper(), f.default)  # type: ignore[arg-type]
                for f in fields(Limits)
            }
        )
        return cls(
            audit_disabled=audit_disabled,
            limits=limits,
            statement_timeout_ms=_int(env, "HUB_STATEMENT_TIMEOUT_MS", 5_000),
            audit_checkpoint_seconds=_int(env, "HUB_AUDIT_CHECKPOINT_SECONDS", 300, minimum=0),
            expiry_seconds=_int(env, "HUB_EXPIRY_SECONDS", 300, minimum=0),
            key_cache_seconds=_int(env, "HUB_KEY_CACHE_SECONDS", 5, minimum=0),
            database_url=Secret(url) if url else None,
            data_dir=Path(env.get("HUB_DATA_DIR") or ".hub"),
            env=hub_env,
            pool_min_size=_int(env, "HUB_POOL_MIN_SIZE", 2),
            pool_max_size=_int(env, "HUB_POOL_MAX_SIZE", 10),
            max_page_size=_int(env, "HUB_MAX_PAGE_SIZE", 100),
            default_page_size=_int(env, "HUB_DEFAULT_PAGE_SIZE", 20),
        )


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}")
    return value
