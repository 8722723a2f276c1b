"""The configuration in effect (``hub config show``): every setting, its value and where it came
from, secrets hidden. ``docs/configuration.md`` lists the variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hub.audit.checkpoint import KEY_ENV, KEY_FILE
from hub.events.webhooks import LEGACY_ENV, SCHEDULE_ENV, WebhookConfig
from hub.policy.limits import Limits
from hub.settings import Settings

HIDDEN = "(set, hidden)"


@dataclass(frozen=True)
class Entry:
    name: str
    value: str
    source: str  # "env" or "default"


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``****``, in the address or as a ``password``
    parameter (the user name stays: it says who connects)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:****@{host}"
    query = parts.query
    if query:
        params = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "****" if k == "password" else v) for k, v in params], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def effective(settings: Settings, env: Mapping[str, str]) -> list[Entry]:
    """Every setting the hub would use with ``env``, in the order of docs/configuration.md."""

    def entry(name: str, value: object) -> Entry:
        return Entry(name, str(value), "env" if (env.get(name) or "") != "" else "default")

    url = settings.database_url
    entries = [
        entry("HUB_DATABASE_URL", mask_url(url.reveal()) if url else "(unset: embedded server)"),
        entry("HUB_DATA_DIR", settings.data_dir),
        entry("HUB_ENV", settings.env),
        entry("HUB_POOL_MIN_SIZE", settings.pool_min_size),
        entry("HUB_POOL_MAX_SIZE", settings.pool_max_size),
        entry("HUB_POOL_TIMEOUT_SECONDS", f"{settings.pool_timeout_seconds:g}"),
        entry("HUB_STATEMENT_TIMEOUT_MS", settings.statement_timeout_ms),
        entry("HUB_COMPILED_READS", int(settings.compiled_reads)),
        entry("HUB_KEY_CACHE_SECONDS", settings.key_cache_seconds),
        entry("HUB_EXPIRY_SECONDS", settings.expiry_seconds),
        entry("HUB_MAX_PAGE_SIZE", settings.max_page_size),
        entry("HUB_DEFAULT_PAGE_SIZE", settings.default_page_size),
    ]
    entries += [entry("HUB_LIMIT_" + f.name.upper(), getattr(settings.limits, f.name)) for f in fields(Limits)]
    entries += [
        entry("HUB_PUBLIC_DISCLOSURE", "on" if settings.public_disclosure else "off"),
        entry("HUB_PUBLIC_RATE_PER_MINUTE", settings.public_rate_per_minute),
        entry("HUB_PUBLIC_DAILY_BUDGET", settings.public_daily_budget),
        entry("HUB_TRUSTED_PROXIES", ",".join(settings.trusted_proxies) or "(none: the socket peer is the client)"),
    ]
    entries += [
        entry(KEY_ENV, HIDDEN if env.get(KEY_ENV) else f"(unset: {settings.data_dir / KEY_FILE})"),
        entry("HUB_AUDIT_CHECKPOINT_SECONDS", settings.audit_checkpoint_seconds),
        entry("HUB_AUDIT_DISABLED", int(settings.audit_disabled)),
    ]
    webhooks = WebhookConfig.from_env(env)
    entries.append(entry(SCHEDULE_ENV, ",".join(f"{pause:g}" for pause in webhooks.schedule)))
    entries += [entry(name, env[name]) for name in LEGACY_ENV if env.get(name)]
    for remote in settings.remote_sources:
        prefix = f"HUB_REMOTE_{remote.source.upper()}_"
        entries += [
            entry(prefix + "URL", remote.url),
            entry(prefix + "KIND", remote.kind),
            entry(prefix + "TOKEN", HIDDEN if remote.token else "(unset)"),
        ]
    shared = settings.remote_sources[0] if settings.remote_sources else None
    if shared is not None:
        entries += [
            entry("HUB_REMOTE_TIMEOUT_MS", shared.timeout_ms),
            entry("HUB_REMOTE_RETRIES", shared.retries),
            entry("HUB_REMOTE_BACKOFF_MS", shared.backoff_ms),
            entry("HUB_REMOTE_BREAKER_FAILURES", shared.breaker_failures),
            entry("HUB_REMOTE_BREAKER_COOLDOWN_MS", shared.breaker_cooldown_ms),
        ]
    else:
        entries.append(Entry("HUB_REMOTE_<SOURCE>_URL", "(unset: every source read from the hub's tables)", "default"))
    return entries


def render(entries: list[Entry]) -> str:
    width = max(len(e.name) for e in entries)
    return "".join(f"{e.name:<{width}}  {e.value}  [{e.source}]\n" for e in entries)
