"""Settings, read once from the environment (``HUB_`` prefix)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

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


# What may stand between the hub and PostgreSQL (HUB_DATABASE_POOLER).
POOLERS = ("none", "pgbouncer", "pgbouncer-prepared")


# Sources whose reads can be served by their agency's own system at query time.
REMOTE_CAPABLE = ("police",)
REMOTE_KINDS = ("json", "graphql")


@dataclass(frozen=True)
class RemoteSettings:
    """One source kept at its agency: where the hub calls it and how patiently."""

    source: str
    url: str
    kind: str = "json"
    token: Secret | None = None
    # Each attempt, connection to last byte.
    timeout_ms: int = 2_000
    # Extra attempts for idempotent reads after a timeout, a refused connection or a 5xx.
    retries: int = 1
    backoff_ms: int = 100
    # Consecutive failed calls that open the breaker, and how long it stays open.
    breaker_failures: int = 5
    breaker_cooldown_ms: int = 30_000


@dataclass(frozen=True)
class Settings:
    # None: start the embedded PostgreSQL in ``data_dir``.
    database_url: Secret | None = None
    # A connection straight to PostgreSQL, past any pooler, for what keeps session state:
    # LISTEN, migrations, ingest's staging tables and batch locks, the CLI (None: database_url).
    direct_database_url: Secret | None = None
    # What is between the hub and PostgreSQL on database_url: "none", "pgbouncer" (transaction
    # mode: no session settings, no named prepared statements) or "pgbouncer-prepared"
    # (PgBouncer 1.21 or later with max_prepared_statements > 0: prepared statements kept).
    database_pooler: str = "none"
    data_dir: Path = Path(".hub")
    env: str = "development"
    pool_min_size: int = 2
    pool_max_size: int = 10
    # How long a request waits for a free pooled connection before it is answered 503.
    pool_timeout_seconds: float = 5.0
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
    # Sources fetched from their agency at query time instead of the hub's tables.
    remote_sources: tuple[RemoteSettings, ...] = ()
    # Queries over the hub's tables run as one compiled SQL statement (hub.planner); off:
    # every operation takes graphql-core's executor (a switch for ruling the compiler out).
    compiled_reads: bool = True
    # How the process logs: "text" lines, or one JSON object a line ("json").
    log_format: str = "text"
    # A port of its own for /metrics, on ``metrics_host`` (0: none; /metrics on the API port
    # answers the platform operator's key only).
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    # Streaming replicas of the primary that may answer subject reads, searches, statistics
    # and screenings' facts (hub.db.replicas); empty: every read goes to the primary.
    replica_urls: tuple[Secret, ...] = ()
    # A replica further behind the primary than this is left out until it catches up.
    replica_max_lag_seconds: int = 5
    # How often each replica's replay position is read (and at once after a list change).
    replica_poll_ms: int = 150
    # The public disclosure search (信息公示, GET /public): unauthenticated, so off unless
    # chosen; HUB_PUBLIC_DISCLOSURE defaults to on in development (the demo), off in production.
    public_disclosure: bool = False
    # Searches a client network may make a minute, and a day (hub.policy.public).
    public_rate_per_minute: int = 10
    public_daily_budget: int = 200
    # Proxies whose X-Forwarded-For names the client (addresses or networks); empty: the
    # client is the socket peer, and X-Forwarded-For is ignored.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def behind_pooler(self) -> bool:
        return self.database_pooler != "none"

    def remote(self, source: str) -> RemoteSettings | None:
        return next((r for r in self.remote_sources if r.source == source), None)

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
        direct_url = env.get("HUB_DIRECT_DATABASE_URL") or None
        if direct_url is not None and url is None:
            raise ConfigurationError("HUB_DIRECT_DATABASE_URL is set but HUB_DATABASE_URL is not; set both or neither")
        pooler = (env.get("HUB_DATABASE_POOLER") or "none").strip().lower()
        if pooler not in POOLERS:
            raise ConfigurationError(f"HUB_DATABASE_POOLER must be one of {', '.join(POOLERS)}, not {pooler!r}")
        if pooler != "none" and direct_url is None:
            raise ConfigurationError(
                "HUB_DATABASE_POOLER is set, so HUB_DIRECT_DATABASE_URL must name PostgreSQL itself: "
                "LISTEN, migrations and ingest keep session state a transaction pooler does not"
            )
        audit_disabled = env.get("HUB_AUDIT_DISABLED", "") in ("1", "true", "yes")
        if audit_disabled and hub_env != "development":
            raise ConfigurationError("HUB_AUDIT_DISABLED is allowed in development only")
        log_format = (env.get("HUB_LOG_FORMAT") or "text").strip().lower()
        if log_format not in ("text", "json"):
            raise ConfigurationError(f"HUB_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
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
            direct_database_url=Secret(direct_url) if direct_url else None,
            database_pooler=pooler,
            data_dir=Path(env.get("HUB_DATA_DIR") or ".hub"),
            env=hub_env,
            pool_min_size=_int(env, "HUB_POOL_MIN_SIZE", 2),
            pool_max_size=_int(env, "HUB_POOL_MAX_SIZE", 10),
            pool_timeout_seconds=float(_int(env, "HUB_POOL_TIMEOUT_SECONDS", 5)),
            max_page_size=_int(env, "HUB_MAX_PAGE_SIZE", 100),
            default_page_size=_int(env, "HUB_DEFAULT_PAGE_SIZE", 20),
            remote_sources=_remote_sources(env),
            compiled_reads=env.get("HUB_COMPILED_READS", "1").strip().lower() not in ("0", "false", "no", "off"),
            log_format=log_format,
            metrics_port=_int(env, "HUB_METRICS_PORT", 0, minimum=0),
            metrics_host=(env.get("HUB_METRICS_HOST") or "127.0.0.1").strip(),
            replica_urls=_replica_urls(env.get("HUB_REPLICA_URLS", "")),
            replica_max_lag_seconds=_int(env, "HUB_REPLICA_MAX_LAG_SECONDS", 5),
            replica_poll_ms=_int(env, "HUB_REPLICA_POLL_MS", 150, minimum=10),
            public_disclosure=_switch(env, "HUB_PUBLIC_DISCLOSURE", hub_env == "development"),
            public_rate_per_minute=_int(env, "HUB_PUBLIC_RATE_PER_MINUTE", 10),
            public_daily_budget=_int(env, "HUB_PUBLIC_DAILY_BUDGET", 200),
            trusted_proxies=_trusted_proxies(env.get("HUB_TRUSTED_PROXIES", "")),
        )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "1", "true", "yes"):
        return True
    if raw in ("off", "0", "false", "no"):
        return False
    raise ConfigurationError(f"{name} must be 'on' or 'off', not {raw!r}")


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """``HUB_TRUSTED_PROXIES``: comma-separated addresses or networks (10.0.0.0/8)."""
    found = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        try:
            found.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ConfigurationError(
                f"HUB_TRUSTED_PROXIES: {entry!r} is not an IP address or network (203.0.113.7, 10.0.0.0/8)"
            ) from None
    return tuple(found)


def _replica_urls(raw: str) -> tuple[Secret, ...]:
    """``HUB_REPLICA_URLS``: comma-separated postgresql:// URLs (they may hold passwords)."""
    urls = []
    for index, url in enumerate(u.strip() for u in raw.split(",")):
        if not url:
            continue
        if urlsplit(url).scheme not in ("postgresql", "postgres"):
            # The URL is not shown: it may hold a password.
            raise ConfigurationError(f"HUB_REPLICA_URLS: entry {index + 1} must be a postgresql:// URL")
        urls.append(Secret(url))
    return tuple(urls)


def _remote_sources(env: Mapping[str, str]) -> tuple[RemoteSettings, ...]:
    """``HUB_REMOTE_<SOURCE>_URL`` (and ``_KIND``, ``_TOKEN``) per remote source; the timeout,
    retry and breaker settings (``HUB_REMOTE_TIMEOUT_MS``...) are shared by all of them."""
    named = sorted(
        m.group(1) for m in (re.fullmatch(r"HUB_REMOTE_([A-Z_]+)_URL", k) for k in env) if m and env[m.string]
    )
    for name in named:
        if name.lower() not in REMOTE_CAPABLE:
            capable = ", ".join(REMOTE_CAPABLE)
            raise ConfigurationError(f"HUB_REMOTE_{name}_URL: only these sources can be remote: {capable}")
    found = []
    for name in named:
        prefix = f"HUB_REMOTE_{name}_"
        url = env[prefix + "URL"].rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"{prefix}URL must be an http:// or https:// address with a host")
        if parts.username or parts.password:
            # Addresses get logged and printed; credentials belong in the wrapped token.
            raise ConfigurationError(f"{prefix}URL must not hold credentials; set {prefix}TOKEN instead")
        kind = env.get(prefix + "KIND") or "json"
        if kind not in REMOTE_KINDS:
            raise ConfigurationError(f"{prefix}KIND must be 'json' or 'graphql', not {kind!r}")
        token = env.get(prefix + "TOKEN") or None
        found.append(
            RemoteSettings(
                source=name.lower(),
                url=url,
                kind=kind,
                token=Secret(token) if token else None,
                timeout_ms=_int(env, "HUB_REMOTE_TIMEOUT_MS", 2_000),
                retries=_int(env, "HUB_REMOTE_RETRIES", 1, minimum=0),
                backoff_ms=_int(env, "HUB_REMOTE_BACKOFF_MS", 100, minimum=0),
                breaker_failures=_int(env, "HUB_REMOTE_BREAKER_FAILURES", 5),
                breaker_cooldown_ms=_int(env, "HUB_REMOTE_BREAKER_COOLDOWN_MS", 30_000),
            )
        )
    return tuple(found)


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
