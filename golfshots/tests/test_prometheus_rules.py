"""The Prometheus alert rules, their unit tests and the example scrape config.

promtool (Debian's ``prometheus`` package; .ci/run installs it) checks the
files; these tests fail, rather than skip, without it, so CI cannot go green
with the rules unchecked. The metric names are checked against the code that
defines them, so a renamed metric cannot leave an alert watching nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
ALERTS_TEST = PROMETHEUS_DIR / "alerts_test.yml"
SCRAPE_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "golfshots.json"
# Where our prometheus_client metrics are declared.
METRICS_MODULES = [REPO / "golfshots" / "monitoring.py"]

# Exposed by django-prometheus and by Prometheus itself, not by our code.
EXTERNAL_METRICS = {
    "up",
    "django_http_requests_latency_including_middlewares_seconds_bucket",
    "django_http_responses_total_by_status_total",
}
SERIES_SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail(
            "promtool is not installed: `apt-get install prometheus` (Debian's package "
            "ships /usr/bin/promtool; .ci/run installs it)."
        )
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=120, check=False
    )


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def rule_expressions() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [str(rule["expr"]) for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def metric_names_in_rules() -> set[str]:
    return metric_names_in(rule_expressions())


def metric_names_in(expressions: list[str]) -> set[str]:
    """Metric names the expressions select, without recorded series and functions."""
    names: set[str] = set()
    for expression in expressions:
        expr = re.sub(r'"[^"]*"', '""', expression)  # label values are not names
        expr = re.sub(r"\{[^}]*\}", "{}", expr)  # nor are label names
        expr = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", expr)
        for match in re.finditer(r"(?<![\w:.])([a-zA-Z_][a-zA-Z0-9_:]*)\b(?!\s*\()", expr):
            name = match.group(1)
            # Recorded series carry colons; the rest are keywords.
            if ":" not in name and name not in {"and", "or", "unless", "bool", "offset"}:
                names.add(name)
    return names


def test_the_alert_rules_pass_promtool_check_rules() -> None:
    result = run_promtool("check", "rules", str(ALERTS))

    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_at_its_threshold_and_not_below_in_promtool_unit_tests() -> None:
    result = run_promtool("test", "rules", str(ALERTS_TEST))

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_scrape_config_passes_promtool_check_config(tmp_path: Path) -> None:
    # promtool insists that credentials_file exists; the real token is never
    # committed, so the config is checked beside a stand-in, as it is deployed.
    for source in (SCRAPE_CONFIG, ALERTS):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "golfshots_metrics_token").write_text("stand-in-token\n")

    result = run_promtool("check", "config", str(tmp_path / SCRAPE_CONFIG.name))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_the_scrape_config_scrapes_both_jobs_with_a_bearer_token() -> None:
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())

    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"golfshots-web", "golfshots-worker"}
    for job in jobs.values():
        assert job["authorization"]["type"] == "Bearer"
        assert "credentials" not in job["authorization"], "never a literal token"
    assert config["rule_files"] == ["alerts.yml"]


def undefined_golfshots_metrics(used: set[str]) -> list[str]:
    source = "\n".join(path.read_text() for path in METRICS_MODULES)

    def defined(name: str) -> bool:
        # prometheus_client adds _total, _bucket, … to the declared name.
        candidates = {name} | {name.removesuffix(s) for s in SERIES_SUFFIXES if name.endswith(s)}
        return any(re.search(rf"\b{re.escape(c)}\b", source) for c in candidates)

    return sorted(name for name in used if name.startswith("golfshots_") and not defined(name))


def test_every_golfshots_metric_in_the_rules_is_defined_in_the_metrics_module() -> None:
    used = {name for name in metric_names_in_rules() if name.startswith("golfshots_")}
    assert used, "the rules should watch our own metrics"

    assert undefined_golfshots_metrics(used) == []


def test_every_dashboard_query_is_valid_promql_on_series_that_exist(tmp_path: Path) -> None:
    expressions = dashboard_expressions()
    # promtool parses PromQL only inside rule files: check each query as a recording rule.
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": expr}
                    for n, expr in enumerate(expressions)
                ],
            }
        ]
    }
    (tmp_path / "dashboard_rules.yml").write_text(yaml.safe_dump(rules))

    result = run_promtool("check", "rules", str(tmp_path / "dashboard_rules.yml"))

    assert result.returncode == 0, result.stdout + result.stderr
    used = metric_names_in(expressions)
    assert undefined_golfshots_metrics(used) == []
    assert sorted(name for name in used if not name.startswith("golfshots_")) == sorted(
        EXTERNAL_METRICS - {"up"}
    )


def test_every_other_metric_in_the_rules_is_one_django_prometheus_or_prometheus_exposes() -> None:
    others = {name for name in metric_names_in_rules() if not name.startswith("golfshots_")}

    assert sorted(others - EXTERNAL_METRICS) == []


def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), rule["alert"]


def test_every_alert_is_listed_in_the_operations_docs() -> None:
    docs = (REPO / "docs" / "operations.md").read_text()
    alerts_section = docs.split("## Alerts", 1)[1].split("\n## ", 1)[0]

    missing = sorted(
        {rule["alert"] for rule in alert_rules()} - set(re.findall(r"`(\w+)`", alerts_section))
    )
    assert missing == [], "add these to the Alerts section of docs/operations.md"
