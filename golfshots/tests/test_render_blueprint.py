"""render.yaml, the Render Blueprint, against the Procfile, the docs and the app.

The Blueprint repeats what the Procfile says in Render's terms; these tests
keep the two from drifting apart and check the wiring a deploy depends on.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.test import Client
from django.urls import resolve

REPO = Path(__file__).resolve().parents[2]
# Ports Render does not route over the private network.
RENDER_RESERVED_PORTS = {10000, 18012, 18013, 19099}
PROCESSES = {"web": "golfshots-web", "worker": "golfshots-worker", "beat": "golfshots-beat"}


def blueprint() -> dict:
    return yaml.safe_load((REPO / "render.yaml").read_text())


def procfile() -> dict[str, str]:
    commands = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def services() -> dict[str, dict]:
    return {service["name"]: service for service in blueprint()["services"]}


def environment(service: dict) -> dict[str, dict]:
    """Every variable a service gets, its own and its groups', by key."""
    groups = {group["name"]: group["envVars"] for group in blueprint().get("envVarGroups", [])}
    variables: dict[str, dict] = {}
    for entry in service.get("envVars", []):
        if "fromGroup" in entry:
            variables.update({var["key"]: var for var in groups[entry["fromGroup"]]})
        else:
            variables[entry["key"]] = entry
    return variables


def every_declared_variable() -> list[dict]:
    data = blueprint()
    declared = [var for group in data.get("envVarGroups", []) for var in group["envVars"]]
    declared += [
        var for service in data["services"] for var in service.get("envVars", []) if "key" in var
    ]
    return declared


def key_value_behind(variable: dict) -> dict:
    source = variable["fromService"]
    assert source["type"] == "keyvalue"
    assert source["property"] == "connectionString"
    return services()[source["name"]]


def test_each_process_starts_with_the_procfiles_command() -> None:
    commands = procfile()

    for process, name in PROCESSES.items():
        assert services()[name]["startCommand"] == commands[process], process


def test_the_release_command_runs_before_each_deploy_and_static_files_are_built() -> None:
    web = services()[PROCESSES["web"]]

    assert web["preDeployCommand"] == procfile()["release"]
    assert "pip install -r requirements.txt" in web["buildCommand"]
    assert "collectstatic --noinput" in web["buildCommand"]


def test_every_process_is_wired_to_the_database_and_both_key_value_instances() -> None:
    database = blueprint()["databases"][0]["name"]

    for name in PROCESSES.values():
        variables = environment(services()[name])
        assert variables["DATABASE_URL"]["fromDatabase"] == {
            "name": database,
            "property": "connectionString",
        }
        cache = key_value_behind(variables["REDIS_URL"])
        broker = key_value_behind(variables["CELERY_BROKER_URL"])
        assert cache["maxmemoryPolicy"] == "allkeys-lru", name
        # A broker that evicts under memory pressure loses queued tasks.
        assert broker["maxmemoryPolicy"] == "noeviction", name
        assert cache["name"] != broker["name"]


def test_every_resource_shares_one_region_and_so_the_private_network() -> None:
    data = blueprint()

    regions = {resource.get("region") for resource in data["services"] + data["databases"]}
    assert len(regions) == 1
    assert None not in regions


def test_the_worker_serves_metrics_where_prometheus_can_reach_it() -> None:
    worker = services()[PROCESSES["worker"]]
    web = services()[PROCESSES["web"]]

    # A background worker cannot receive private-network traffic; a private service can.
    assert worker["type"] == "pserv"
    assert int(environment(worker)["WORKER_METRICS_PORT"]["value"]) not in RENDER_RESERVED_PORTS
    assert int(environment(web)["PORT"]["value"]) not in RENDER_RESERVED_PORTS


def test_beat_runs_as_exactly_one_instance() -> None:
    beat = services()[PROCESSES["beat"]]

    assert beat["type"] == "worker"
    assert beat["numInstances"] == 1
    assert "scaling" not in beat


def test_debug_is_off_in_every_process() -> None:
    for name in PROCESSES.values():
        assert environment(services()[name])["DEBUG"] == {"key": "DEBUG", "value": "false"}


def test_signing_and_scrape_secrets_are_generated_once_for_all_processes() -> None:
    for key in ("SECRET_KEY", "METRICS_TOKEN"):
        declared = [var for var in every_declared_variable() if var["key"] == key]
        # One declaration in a shared group, so web, worker and beat agree.
        assert declared == [{"key": key, "generateValue": True}]
        for name in PROCESSES.values():
            own = [var.get("key") for var in services()[name]["envVars"]]
            assert key not in own
            assert environment(services()[name])[key] == declared[0]


def test_third_party_secrets_are_asked_for_never_written_down() -> None:
    for name in PROCESSES.values():
        variables = environment(services()[name])
        for key in ("OPENAI_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert variables[key] == {"key": key, "sync": False}, (name, key)

    secret_looking = re.compile(r"SECRET|TOKEN|PASSWORD|_KEY$|_KEY_ID$|_URL$")
    written = [
        var["key"]
        for var in every_declared_variable()
        if secret_looking.search(var["key"]) and "value" in var
    ]
    assert written == []


def test_every_variable_in_the_blueprint_is_documented() -> None:
    documented = set(
        re.findall(
            r"^\| `([A-Z][A-Z0-9_]*)` \|", (REPO / "docs" / "operations.md").read_text(), re.M
        )
    )

    declared = {var["key"] for var in every_declared_variable()}
    assert sorted(declared - documented) == [], "add these to a table in docs/operations.md"


def test_the_health_check_path_is_the_liveness_probe_the_app_serves() -> None:
    path = services()[PROCESSES["web"]]["healthCheckPath"]

    # The liveness probe, not /readyz: Render restarts instances that fail it.
    assert resolve(path).url_name == "healthz"
    assert Client().get(path).status_code == 200
