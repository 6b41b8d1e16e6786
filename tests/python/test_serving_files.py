"""The serving files PowerBI users and Docker users rely on, parsed and checked (no servers).

- docs/velos.pbids: PowerBI's connection-file fields, naming the server velos starts.
- docker-compose.yml: the four services, their ports (loopback only), healthchecks,
  depends_on conditions, volumes and env file; `docker compose config` when the plugin exists.
- Dockerfile: installs requirements.txt's exact pins; .dockerignore keeps secrets and state out.
- docs/powerbi.md: every mart and column a visual names exists; the exposures point at it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from velos import settings as settings_module
from velos.settings import find_project

PROJECT_DIR = find_project(Path(__file__).parent)
COMPOSE = PROJECT_DIR / "docker-compose.yml"


def test_pbids_names_the_server_velos_starts() -> None:
    pbids = json.loads((PROJECT_DIR / "docs" / "velos.pbids").read_text(encoding="utf-8"))
    assert pbids["version"] == "0.1"
    [connection] = pbids["connections"]
    assert connection["details"]["protocol"] == "spark"
    defaults = settings_module.Settings.model_fields
    server = connection["details"]["address"]["server"]
    host, port = defaults["thrift_host"].default, defaults["thrift_port"].default
    assert server == f"{host}:{port}" == "127.0.0.1:10000"
    assert connection["options"]["protocol"] == "Standard"  # binary Thrift, not HTTP
    assert connection["mode"] in ("Import", "DirectQuery")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_services_ports_health_and_order() -> None:
    services = _compose()["services"]
    assert set(services) == {"cassandra", "metastore", "spark-thrift", "pipeline"}
    for name in ("cassandra", "metastore", "spark-thrift"):
        health = services[name]["healthcheck"]
        assert health["test"] and health["interval"] and health["retries"] >= 10, name
    # published ports: loopback of the host only
    ports = {name: service.get("ports", []) for name, service in services.items()}
    assert ports["spark-thrift"] == ["127.0.0.1:10000:10000", "127.0.0.1:4040:4040"]
    assert ports["cassandra"] == ["127.0.0.1:9042:9042"]
    assert ports["metastore"] == [] and ports["pipeline"] == []
    # start order on healthy services
    assert services["spark-thrift"]["depends_on"] == {"metastore": {"condition": "service_healthy"}}
    assert services["pipeline"]["depends_on"] == {
        name: {"condition": "service_healthy"}
        for name in ("cassandra", "metastore", "spark-thrift")
    }
    assert services["pipeline"]["build"] == services["spark-thrift"]["build"] == "."
    assert services["pipeline"]["command"] == ["velos", "run"]
    assert services["spark-thrift"]["command"] == ["velos", "thrift", "start", "--foreground"]


def test_compose_metastore_volumes_and_env() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(compose["volumes"]) == {"cassandra-data", "metastore-data", "warehouse"}
    assert services["metastore"]["image"].startswith("postgres:")
    assert "metastore-data:/var/lib/postgresql/data" in services["metastore"]["volumes"]
    # both Spark JVMs share one warehouse and the Postgres metastore
    for name in ("spark-thrift", "pipeline"):
        service = services[name]
        assert service["volumes"] == ["warehouse:/velos/.velos/warehouse"], name
        env = service["environment"]
        assert env["VELOS_METASTORE"] == "postgres" and env["VELOS_METASTORE_HOST"] == "metastore"
        assert env["VELOS_HOME"] == "/velos/.velos"
        assert service["env_file"] == [{"path": ".env", "required": False}]
    # the password only ever comes from the environment / .env, never written in the file
    text = COMPOSE.read_text(encoding="utf-8")
    assert "${VELOS_METASTORE_PASSWORD:?" in text
    assert services["metastore"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert services["pipeline"]["environment"]["CASSANDRA_HOSTS"] == "cassandra"
    example = (PROJECT_DIR / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^#? ?VELOS_METASTORE_PASSWORD=$", example, re.M)


def test_docker_compose_config_when_the_plugin_is_present(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode
    ):
        pytest.skip("no docker compose plugin here: the file is checked by parsing it above")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True, cwd=PROJECT_DIR,
        env={"PATH": "/usr/bin:/bin", "VELOS_METASTORE_PASSWORD": "only-for-config"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


def test_dockerfile_installs_the_requirements_pins() -> None:
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    # the image copies requirements.txt and runs make setup, which pip-installs it as pinned
    assert re.search(r"^COPY [^\n]*\brequirements\.txt\b", dockerfile, re.M)
    assert re.search(r"^RUN make setup$", dockerfile, re.M)
    assert "pip install -q -r requirements.txt" in makefile
    # no second, drifting pin list in the Dockerfile
    assert not _pins(dockerfile)
    pins = _pins((PROJECT_DIR / "requirements.txt").read_text(encoding="utf-8"))
    for package in ("pyspark", "dbt-spark", "pyhive", "thrift", "psycopg", "delta-spark"):
        assert package in pins, package
    assert "ENV PATH=/velos/.venv/bin:$PATH" in dockerfile  # `velos` for the compose commands


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_DIR / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".velos/", ".venv/"} <= ignored


def _mart_columns() -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for path in (PROJECT_DIR / "models" / "marts").glob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            columns[model["name"]] = {column["name"] for column in model.get("columns", [])}
    return columns


def test_powerbi_doc_names_real_marts_and_columns() -> None:
    doc = (PROJECT_DIR / "docs" / "powerbi.md").read_text(encoding="utf-8")
    marts = _mart_columns()
    rows = [line for line in doc.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 10
    named = 0
    for row in rows:
        _, _visual, tables, columns, _ = (cell.strip() for cell in row.split("|"))
        tables_in_row = re.findall(r"`(\w+)`", tables)
        assert tables_in_row and all(table in marts for table in tables_in_row), row
        for reference in re.findall(r"`([\w.]+)`", columns):
            table, _, column = reference.rpartition(".")
            owners = [table] if table else tables_in_row
            assert any(column in marts[owner] for owner in owners), (reference, row)
            named += 1
    assert named >= 30
    for answer in ("purchases_by_gender", "purchases_by_city", "model_city_histogram",
                   "top_model_by_store"):  # fmt: skip
        assert f"`{answer}`" in doc
    for topic in ("Standard", "Username / Password", "ODBC", "Import", "DirectQuery"):
        assert topic in doc, topic


def test_dashboard_exposures_point_at_the_powerbi_doc() -> None:
    exposures = yaml.safe_load(
        (PROJECT_DIR / "models" / "marts" / "_marts__exposures.yml").read_text(encoding="utf-8")
    )["exposures"]
    urls = {exposure["name"]: exposure.get("url", "") for exposure in exposures}
    assert urls["powerbi_sales_dashboard"].endswith("docs/powerbi.md#sales-dashboard")
    assert urls["powerbi_clientele_dashboard"].endswith("docs/powerbi.md#clientele-dashboard")
    doc = (PROJECT_DIR / "docs" / "powerbi.md").read_text(encoding="utf-8")
    assert "### Sales dashboard" in doc and "### Clientele dashboard" in doc
