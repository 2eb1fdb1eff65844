"""Settings from the environment: every field is BURNRATE_<NAME>, typed by its default."""

from __future__ import annotations

from dataclasses import fields

import pytest

from server.settings import Settings, env_name, load_settings


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in fields(Settings):
        monkeypatch.delenv(env_name(setting.name), raising=False)
    assert load_settings() == Settings()


def test_each_kind_of_setting_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("BURNRATE_MAX_QUERY_DEPTH", "5")
    monkeypatch.setenv("BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND", "2.5")
    monkeypatch.setenv("BURNRATE_INTROSPECTION", "off")
    monkeypatch.setenv("BURNRATE_GRAPHIQL", "yes")
    monkeypatch.setenv("BURNRATE_CORS_ORIGINS", "https://a.example, https://b.example,")
    monkeypatch.setenv("BURNRATE_LOG_FORMAT", "text")
    monkeypatch.setenv("BURNRATE_MAX_ALIASES", "")  # empty: the default
    loaded = load_settings()
    assert loaded.database_url == "postgres://u@h/db"
    assert loaded.max_query_depth == 5
    assert loaded.rate_limit_restore_per_second == 2.5
    assert (loaded.introspection, loaded.graphiql) == (False, True)
    assert loaded.cors_origins == ("https://a.example", "https://b.example")
    assert loaded.log_format == "text"
    assert loaded.max_aliases == Settings().max_aliases


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("BURNRATE_MAX_TOKENS", "lots", "must be a whole number"),
        ("BURNRATE_DB_STATEMENT_TIMEOUT_SECONDS", "soon", "must be a number"),
    ],
)
def test_a_bad_value_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert str(stopped.value) == f"burnrate: setting {name} {needle}, got {value!r}"
