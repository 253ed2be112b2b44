"""The strict environment readers behind settings.py and gunicorn.conf.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from golfshots.env import Env


@pytest.mark.parametrize("word", ["1", "true", "True", "YES", "on", " true "])
def test_boolean_reads_true_words(word):
    assert Env({"DEBUG": word}).boolean("DEBUG", default=False) is True


@pytest.mark.parametrize("word", ["0", "false", "FALSE", "no", "Off"])
def test_boolean_reads_false_words(word):
    assert Env({"DEBUG": word}).boolean("DEBUG", default=True) is False


@pytest.mark.parametrize("source", [{}, {"DEBUG": ""}, {"DEBUG": "   "}])
def test_boolean_falls_back_to_the_default_when_unset_or_blank(source):
    assert Env(source).boolean("DEBUG", default=True) is True
    assert Env(source).boolean("DEBUG", default=False) is False


@pytest.mark.parametrize("word", ["flase", "2", "y", "enabled"])
def test_boolean_rejects_other_words_naming_the_variable(word):
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG=.*is not a boolean"):
        Env({"DEBUG": word}).boolean("DEBUG", default=True)


def test_string_strips_and_defaults():
    env = Env({"TIME_ZONE": "  Europe/London ", "EMPTY": ""})
    assert env.string("TIME_ZONE") == "Europe/London"
    assert env.string("EMPTY", "fallback") == "fallback"
    assert env.string("MISSING") == ""
    assert env.is_set("TIME_ZONE")
    assert not env.is_set("EMPTY")


def test_integer_reads_whole_numbers_and_defaults():
    env = Env({"PORT": "8080"})
    assert env.integer("PORT", 8000) == 8080
    assert env.integer("WEB_CONCURRENCY", 2) == 2


@pytest.mark.parametrize("value", ["80x", "1.5", "eight"])
def test_integer_rejects_what_is_not_a_whole_number(value):
    with pytest.raises(ImproperlyConfigured, match=r"PORT=.*is not a whole number"):
        Env({"PORT": value}).integer("PORT", 8000)


def test_integer_enforces_the_minimum():
    assert Env({"WEB_CONCURRENCY": "1"}).integer("WEB_CONCURRENCY", 2, minimum=1) == 1
    with pytest.raises(ImproperlyConfigured, match="WEB_CONCURRENCY=0 must be at least 1"):
        Env({"WEB_CONCURRENCY": "0"}).integer("WEB_CONCURRENCY", 2, minimum=1)


def test_float_reads_numbers_and_enforces_the_minimum():
    env = Env({"REDIS_SOCKET_TIMEOUT": "0.25"})
    assert env.float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0.05) == 0.25
    assert env.float("MISSING", 0.5) == 0.5
    with pytest.raises(ImproperlyConfigured, match=r"REDIS_SOCKET_TIMEOUT=0\.01 must be at least"):
        Env({"REDIS_SOCKET_TIMEOUT": "0.01"}).float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0.05)
    with pytest.raises(ImproperlyConfigured, match="REDIS_SOCKET_TIMEOUT='soon' is not a number"):
        Env({"REDIS_SOCKET_TIMEOUT": "soon"}).float("REDIS_SOCKET_TIMEOUT", 0.5)


def test_string_list_splits_on_commas_and_drops_blanks():
    env = Env({"ALLOWED_HOSTS": " a.example.com, ,b.example.com,"})
    assert env.string_list("ALLOWED_HOSTS") == ["a.example.com", "b.example.com"]


def test_string_list_default_is_a_fresh_copy():
    default = ["localhost"]
    hosts = Env({}).string_list("ALLOWED_HOSTS", default)
    hosts.append("evil.example.com")
    assert default == ["localhost"]
    assert Env({}).string_list("CSRF_TRUSTED_ORIGINS") == []


def test_url_accepts_the_allowed_schemes():
    env = Env({"DATABASE_URL": "postgres://postgres@db.internal:5432/golfshots"})
    assert env.url("DATABASE_URL", schemes={"postgres", "postgresql"}) == (
        "postgres://postgres@db.internal:5432/golfshots"
    )
    assert Env({}).url("REDIS_URL", schemes={"redis"}) == ""
    assert Env({}).url("BROKER", schemes={"redis"}, default="redis://x/0") == "redis://x/0"


def test_url_rejects_another_scheme_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL must be a URL starting with"):
        Env({"DATABASE_URL": "mysql://root@localhost/golfshots"}).url(
            "DATABASE_URL", schemes={"postgres", "postgresql"}
        )


def test_url_rejects_a_value_without_a_scheme():
    with pytest.raises(ImproperlyConfigured, match="got 'no scheme'"):
        Env({"REDIS_URL": "//cache.internal:6379/0"}).url("REDIS_URL", schemes={"redis"})


def test_url_rejects_a_missing_host():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL has no host name"):
        Env({"REDIS_URL": "redis:///0"}).url("REDIS_URL", schemes={"redis"})


def test_choice_accepts_listed_values_and_rejects_others():
    env = Env({"LOG_FORMAT": "json"})
    assert env.choice("LOG_FORMAT", choices={"json", "plain"}, default="plain") == "json"
    assert Env({}).choice("LOG_FORMAT", choices={"json", "plain"}, default="plain") == "plain"
    with pytest.raises(ImproperlyConfigured, match=r"LOG_FORMAT='xml' is not allowed; use one of"):
        Env({"LOG_FORMAT": "xml"}).choice("LOG_FORMAT", choices={"json", "plain"}, default="plain")


def test_decimal_reads_prices_and_refuses_nonsense():
    from decimal import Decimal

    assert Env({"PRICE": "0.15"}).decimal("PRICE", "1") == Decimal("0.15")
    assert Env({}).decimal("PRICE", "0.60") == Decimal("0.60")
    with pytest.raises(ImproperlyConfigured, match="PRICE='cheap' is not a number"):
        Env({"PRICE": "cheap"}).decimal("PRICE", "1")
    with pytest.raises(ImproperlyConfigured, match="must be a finite number"):
        Env({"PRICE": "NaN"}).decimal("PRICE", "1")
    with pytest.raises(ImproperlyConfigured, match="must be at least 0"):
        Env({"PRICE": "-1"}).decimal("PRICE", "1", minimum=Decimal(0))
