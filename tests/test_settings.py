"""Settings read once from the environment: remote sources."""

from __future__ import annotations

import pytest

from hub.errors import ConfigurationError
from hub.settings import Settings

POLICE = {"HUB_REMOTE_POLICE_URL": "https://vehicles.police.example/api/"}


def test_without_a_remote_url_every_source_is_local() -> None:
    assert Settings.from_env({}).remote_sources == ()
    assert Settings.from_env({"HUB_REMOTE_POLICE_URL": ""}).remote("police") is None


def test_a_remote_police_source_with_its_defaults() -> None:
    remote = Settings.from_env(POLICE).remote("police")
    assert remote is not None
    # The trailing slash goes: paths are appended to it.
    assert remote.url == "https://vehicles.police.example/api"
    assert (remote.kind, remote.token, remote.timeout_ms, remote.retries) == ("json", None, 2_000, 1)
    assert (remote.breaker_failures, remote.breaker_cooldown_ms) == (5, 30_000)


def test_the_shared_knobs_and_the_token() -> None:
    remote = Settings.from_env(
        {
            **POLICE,
            "HUB_REMOTE_POLICE_KIND": "graphql",
            "HUB_REMOTE_POLICE_TOKEN": "tok-123456",
            "HUB_REMOTE_TIMEOUT_MS": "750",
            "HUB_REMOTE_RETRIES": "0",
            "HUB_REMOTE_BACKOFF_MS": "0",
            "HUB_REMOTE_BREAKER_FAILURES": "3",
            "HUB_REMOTE_BREAKER_COOLDOWN_MS": "1000",
        }
    ).remote("police")
    assert remote is not None
    assert (remote.kind, remote.timeout_ms, remote.retries, remote.backoff_ms) == ("graphql", 750, 0, 0)
    assert (remote.breaker_failures, remote.breaker_cooldown_ms) == (3, 1000)
    assert remote.token is not None
    assert remote.token.reveal() == "tok-123456"
    # The token never prints, in the settings or anywhere they are shown.
    assert "tok-123456" not in repr(remote)
    assert "tok-123456" not in repr(Settings.from_env({**POLICE, "HUB_REMOTE_POLICE_TOKEN": "tok-123456"}))


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"HUB_REMOTE_LAND_URL": "https://land.example"}, "only these sources can be remote: police"),
        ({**POLICE, "HUB_REMOTE_POLICE_KIND": "soap"}, "HUB_REMOTE_POLICE_KIND must be 'json' or 'graphql'"),
        ({"HUB_REMOTE_POLICE_URL": "vehicles.police.example"}, "must be an http:// or https:// address"),
        ({"HUB_REMOTE_POLICE_URL": "https://u:pw@vehicles.example"}, "must not hold credentials"),
        ({**POLICE, "HUB_REMOTE_TIMEOUT_MS": "0"}, "HUB_REMOTE_TIMEOUT_MS must be at least 1"),
        ({**POLICE, "HUB_REMOTE_RETRIES": "-1"}, "HUB_REMOTE_RETRIES must be at least 0"),
        ({**POLICE, "HUB_REMOTE_BREAKER_FAILURES": "many"}, "HUB_REMOTE_BREAKER_FAILURES must be a whole number"),
    ],
)
def test_unusable_remote_settings_are_refused_by_name(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env(env)
    assert complaint in refused.value.message
    assert "pw" not in refused.value.message


def test_replica_urls_are_a_comma_separated_list_kept_secret() -> None:
    settings = Settings.from_env({"HUB_REPLICA_URLS": " postgresql://hub:pw1@r1:5432/hub, ,postgres://hub:pw2@r2/hub "})
    assert [u.reveal() for u in settings.replica_urls] == [
        "postgresql://hub:pw1@r1:5432/hub",
        "postgres://hub:pw2@r2/hub",
    ]
    assert "pw1" not in repr(settings)
    assert (settings.replica_max_lag_seconds, settings.replica_poll_ms) == (5, 150)
    assert Settings.from_env({}).replica_urls == ()


def test_a_replica_url_that_is_not_postgresql_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"HUB_REPLICA_URLS": "postgresql://r1/hub,http://user:secret@r2/"})
    assert "entry 2" in str(refused.value)
    assert "secret" not in str(refused.value)


def test_watching_settings_default_to_text_logs_and_no_metrics_port() -> None:
    settings = Settings.from_env({})
    assert (settings.log_format, settings.metrics_port, settings.metrics_host) == ("text", 0, "127.0.0.1")
    chosen = Settings.from_env({"HUB_LOG_FORMAT": "JSON", "HUB_METRICS_PORT": "9464", "HUB_METRICS_HOST": "0.0.0.0"})
    assert (chosen.log_format, chosen.metrics_port, chosen.metrics_host) == ("json", 9464, "0.0.0.0")


def test_the_pooler_and_the_direct_url() -> None:
    plain = Settings.from_env({"HUB_DATABASE_URL": "postgresql://hub@db/hub"})
    assert plain.database_pooler == "none"
    assert not plain.behind_pooler
    assert plain.direct_database_url is None
    pooled = Settings.from_env(
        {
            "HUB_DATABASE_URL": "postgresql://hub@pgbouncer:6432/hub",
            "HUB_DIRECT_DATABASE_URL": "postgresql://hub@db:5432/hub",
            "HUB_DATABASE_POOLER": "PgBouncer",
        }
    )
    assert pooled.behind_pooler
    assert pooled.database_pooler == "pgbouncer"
    assert pooled.direct_database_url is not None
    assert pooled.direct_database_url.reveal() == "postgresql://hub@db:5432/hub"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [({"HUB_LOG_FORMAT": "yaml"}, "HUB_LOG_FORMAT"), ({"HUB_METRICS_PORT": "http"}, "HUB_METRICS_PORT")],
)
def test_unusable_watching_settings_are_refused_by_name(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (
            {"HUB_DATABASE_URL": "postgresql://a/b", "HUB_DATABASE_POOLER": "pgpool"},
            "HUB_DATABASE_POOLER must be one of",
        ),
        ({"HUB_DATABASE_URL": "postgresql://a/b", "HUB_DATABASE_POOLER": "pgbouncer"}, "HUB_DIRECT_DATABASE_URL must"),
        ({"HUB_DIRECT_DATABASE_URL": "postgresql://a/b"}, "HUB_DATABASE_URL is not"),
    ],
)
def test_unusable_pooler_settings_are_refused_by_name(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        Settings.from_env(env)
