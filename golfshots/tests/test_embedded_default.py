import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_main_page_works_on_the_embedded_default(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="golfshots.settings",
        VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(REPO),
    )
    result = subprocess.run(
        [sys.executable, str(REPO / "golfshots" / "tests" / "embedded_smoke.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
