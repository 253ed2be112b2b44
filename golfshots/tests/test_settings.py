"""Start-up behaviour of golfshots/settings.py and gunicorn.conf.py.

Settings are read once per process, so each case starts a fresh Python with a
controlled environment instead of reloading the module inside the test run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Printed by the child as one JSON line after django.setup().
REPORT_SETTINGS = """
import json
import django

django.setup()
from django.conf import settings

database = settings.DATABASES["default"]
cache = settings.CACHES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": database["ENGINE"],
    "DB_OPTIONS": database.get("OPTIONS", {}),
    "CONN_MAX_AGE": database.get("CONN_MAX_AGE"),
    "CONN_HEALTH_CHECKS": database.get("CONN_HEALTH_CHECKS"),
    "CACHE_BACKEND": cache["BACKEND"],
    "CACHE_OPTIONS": cache.get("OPTIONS", {}),
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def production_env() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "golfshots.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/golfshots",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }


def run_python(
    args: list[str], tmp_path: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    # Only what Python itself needs is inherited: the test run's own
    # DATABASE_URL, REDIS_URL and friends must not leak into the child.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="golfshots.settings",
        VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
        **variables,
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_for(tmp_path: Path, **variables: str) -> dict:
    result = run_python(["-c", REPORT_SETTINGS], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def startup_error(tmp_path: Path, **variables: str) -> str:
    result = run_python(["-c", "import django; django.setup()"], tmp_path, **variables)
    assert result.returncode != 0, "start-up should have failed"
    return result.stderr


def test_no_variables_gives_the_embedded_default(tmp_path):
    values = settings_for(tmp_path)

    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django_prometheus.db.backends.sqlite3"
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == ""
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["STATICFILES_BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    # The SQLite file goes under VAR_DIR, never into the checkout.
    assert (tmp_path / "var").is_dir()


def test_a_misspelt_debug_stops_start_up_naming_the_variable(tmp_path):
    stderr = startup_error(tmp_path, DEBUG="flase")

    assert "ImproperlyConfigured" in stderr
    assert "DEBUG='flase' is not a boolean" in stderr


def test_debug_off_without_a_secret_key_stops_start_up(tmp_path):
    stderr = startup_error(tmp_path, DEBUG="false")

    assert "SECRET_KEY must be set when DEBUG is false." in stderr


def test_debug_off_without_allowed_hosts_stops_start_up(tmp_path):
    stderr = startup_error(tmp_path, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(48))

    assert "ALLOWED_HOSTS must be set when DEBUG is false." in stderr


def test_a_mysql_database_url_is_refused_with_a_clear_message(tmp_path):
    stderr = startup_error(tmp_path, DATABASE_URL="mysql://root@127.0.0.1:3306/golfshots")

    assert "DATABASE_URL must be a URL starting with one of postgres://, postgresql://" in stderr


def test_a_malformed_metrics_allow_list_is_refused_naming_the_entry(tmp_path):
    stderr = startup_error(tmp_path, METRICS_ALLOWED_IPS="10.0.0.0/8, intranet")

    assert "METRICS_ALLOWED_IPS has 'intranet', which is not an IP address" in stderr


def test_a_bad_pool_size_is_refused(tmp_path):
    stderr = startup_error(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/golfshots",
        DB_POOL_MAX_SIZE="0",
    )

    assert "DB_POOL_MAX_SIZE=0 must be at least 1." in stderr


def test_a_postgres_url_turns_on_the_connection_pool(tmp_path):
    values = settings_for(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/golfshots",
        DB_POOL_MIN_SIZE="2",
        DB_POOL_MAX_SIZE="12",
    )

    # django-prometheus' backend with a circuit breaker (golfshots/backends/postgresql/).
    assert values["ENGINE"] == "golfshots.backends.postgresql"
    assert values["DB_OPTIONS"]["pool"] == {"min_size": 2, "max_size": 12, "timeout": 0.5}
    assert values["DB_OPTIONS"]["connect_timeout"] == 2
    # The pool does the reuse; persistent connections must stay off with it.
    assert values["CONN_MAX_AGE"] == 0
    assert values["CONN_HEALTH_CHECKS"] is True


def test_a_redis_url_gives_a_fail_open_cache_and_a_real_broker(tmp_path):
    values = settings_for(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")

    assert values["CACHE_BACKEND"] == "django_prometheus.cache.backends.redis.RedisCache"
    options = values["CACHE_OPTIONS"]
    assert options["CLIENT_CLASS"] == "django_redis.client.DefaultClient"
    assert options["IGNORE_EXCEPTIONS"] is True
    assert options["SOCKET_CONNECT_TIMEOUT"] == 0.5
    assert options["SOCKET_TIMEOUT"] == 0.5
    assert options["REDIS_CLIENT_CLASS"] == "golfshots.redis_breaker.BreakerRedis"
    # Sessions stay in the database so a Redis outage logs nobody out.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/15"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_production_settings_use_hashed_compressed_static_files(tmp_path):
    values = settings_for(tmp_path, **production_env())

    assert values["DEBUG"] is False
    assert values["STATICFILES_BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_check_deploy_passes_under_production_settings(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


GUNICORN_REPORT = """
import json, runpy
config = runpy.run_path("gunicorn.conf.py")
print(json.dumps({name: config[name] for name in ("bind", "workers", "worker_class", "timeout")}))
"""


def test_gunicorn_reads_port_and_concurrency_from_the_environment(tmp_path):
    result = run_python(["-c", GUNICORN_REPORT], tmp_path, PORT="5005", WEB_CONCURRENCY="3")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "bind": ["0.0.0.0:5005"],
        "workers": 3,
        "worker_class": "sync",
        "timeout": 30,
    }


def test_gunicorn_runs_two_workers_per_core_by_default(tmp_path):
    result = run_python(["-c", GUNICORN_REPORT], tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["workers"] == 2 * len(os.sched_getaffinity(0))


def test_gunicorn_refuses_a_malformed_port(tmp_path):
    result = run_python(["-c", GUNICORN_REPORT], tmp_path, PORT="80x")

    assert result.returncode != 0
    assert "PORT='80x' is not a whole number." in result.stderr


def test_gunicorn_checks_the_app_settings_before_starting_workers(tmp_path):
    result = run_python(["-c", GUNICORN_REPORT], tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false." in result.stderr


def test_the_worker_refuses_a_malformed_concurrency_before_starting(tmp_path):
    result = run_python(["-m", "golfshots.worker"], tmp_path, WORKER_CONCURRENCY="two")

    assert result.returncode != 0
    assert "WORKER_CONCURRENCY='two' is not a whole number." in result.stderr


def test_gunicorn_logs_json_in_production_and_plain_lines_in_debug(tmp_path):
    report = 'import runpy; print("logconfig_dict" in runpy.run_path("gunicorn.conf.py"))'
    production = run_python(
        ["-c", report], tmp_path, SECRET_KEY="k" * 50, ALLOWED_HOSTS="golfshots.example.com"
    )
    debugging = run_python(["-c", report], tmp_path)

    assert (production.stdout.strip(), debugging.stdout.strip()) == ("True", "False")


# env.string("NAME", env.boolean("NAME", ... as written in settings.py, gunicorn.conf.py
# and golfshots/worker.py.
ENV_READ = re.compile(
    r"""\benv\.(?:string|boolean|integer|float|decimal|string_list|networks|url|choice)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# _price_per_mtok("NAME", ...): a settings-local helper that reads a variable by name.
HELPER_READ = re.compile(r"""\b_[a-z0-9_]+\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# ${NAME:-default} in the Procfile's shell commands.
PROCFILE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def test_every_environment_variable_read_is_documented():
    settings_source = (REPO / "golfshots" / "settings.py").read_text()
    read = set(ENV_READ.findall(settings_source)) | set(HELPER_READ.findall(settings_source))
    read |= set(ENV_READ.findall((REPO / "gunicorn.conf.py").read_text()))
    read |= set(ENV_READ.findall((REPO / "golfshots" / "worker.py").read_text()))
    read |= set(PROCFILE_VARIABLE.findall((REPO / "Procfile").read_text()))
    documented = set(
        re.findall(
            r"^\| `([A-Z][A-Z0-9_]*)` \|", (REPO / "docs" / "operations.md").read_text(), re.M
        )
    )

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PORT"} <= read
    assert sorted(read - documented) == [], "add these to the table in docs/operations.md"
