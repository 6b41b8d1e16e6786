"""Shared pytest fixtures: the Spark session, the real export, and a cached dbt build.

- ``spark`` (session): velos.spark.get_session(), under the run's VELOS_HOME.
- ``real_export`` (session): a folder in tmp holding the real export's three files and the
  one-customer-per-shop customers.csv built from bikeshops.csv; skips when the export is absent
  (../shared/data/bike-sales, or VELOS_REAL_EXPORT).
- ``demo_export`` (session): the project's seeds/ folder (the generated demo data).
- ``build_export`` (session): ``build_export(folder)`` seeds ``folder`` and runs the whole
  dbt build (as `velos run` does) in this process; on an export other than the demo one, less
  the checks whose outcome does not depend on the data (dbt_nodes.py). Building the same
  folder again is free while the marts are still those of that build; another folder replaces
  the tables. Returns the seconds of the (last real) build.

Tests run grouped by the export they build (pytest_collection_modifyitems below): every test on
the real export, then those on no built export, then every test on the demo data, each group in
its usual order. A module that tests both (test_audit, test_marts) is split in two, so each
export is built once per session instead of once per switch. In a group, the tests marked
``after_readers(n)`` (they change the build) run last, in the order of ``n``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dbt_nodes import build_exclusions

from velos.generate import HEADERS
from velos.settings import find_project
from velos.settings import load as load_settings

PROJECT_DIR = find_project(Path(__file__).parent)

REAL_EXPORT = Path(
    os.environ.get("VELOS_REAL_EXPORT") or PROJECT_DIR.parent / "shared" / "data" / "bike-sales"
)
CUSTOMERS_HEADER = list(HEADERS["customers.csv"])
# the generated demo data. A constant, not only the fixture: a fixture that build_export asked
# for would put every test that builds into the demo group (pytest_collection_modifyitems)
DEMO_EXPORT = PROJECT_DIR / "seeds"


def shop_customers_csv(bikeshops_csv: Path) -> str:
    """customers.csv for an export whose customers are its shops (the public bike-sales one).

    One customer per shop: customer.id = bikeshop.id, first.name = the shop's name, gender
    blank (normalised to U), the shop's city and state, bikeshop.id = its own id. LF endings,
    no trailing newline, like the export.
    """
    with bikeshops_csv.open(newline="", encoding="utf-8") as handle:
        shops = list(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CUSTOMERS_HEADER)
    for shop in shops:
        writer.writerow([
            shop["bikeshop.id"], shop["bikeshop.name"], "", "", "",
            shop["bikeshop.city"], shop["bikeshop.state"], "", shop["bikeshop.id"],
        ])  # fmt: skip
    return out.getvalue().rstrip("\n")


# The exports a test can build, in the order their groups run; tests on neither sit between.
_EXPORT_GROUPS = ("real_export", None, "demo_export")


def _export_of(item: pytest.Item) -> str | None:
    # fixtures the test needs, directly or through other fixtures, and the parameters that
    # name a fixture it asks for at run time (test_marts' getfixturevalue(export))
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        names |= {value for value in callspec.params.values() if isinstance(value, str)}
    found = [export for export in _EXPORT_GROUPS if export in names]
    return found[0] if len(found) == 1 else None


def _after_readers(item: pytest.Item) -> int:
    # a test that changes the shared build (a failing gate, a mart rewritten behind dbt's back)
    # runs after the tests that only read it, or each reader after it would rebuild the export
    marker = item.get_closest_marker("after_readers")
    return int(marker.args[0]) if marker else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests of each built export together (a stable sort on their export's group),
    and in a group those that change its build after those that only read it."""
    items.sort(key=lambda item: (_EXPORT_GROUPS.index(_export_of(item)), _after_readers(item)))


@pytest.fixture(scope="session")
def spark() -> Any:
    from velos.settings import load
    from velos.spark import get_session

    # HotSpot's default JIT, not the quick one a small export gets: this one JVM runs the whole
    # suite's builds for half an hour, and the optimizing compiler's work pays back over that
    # (CI, 2026-12-03: with the quick JIT only, the later builds took 30 to 50 % longer)
    return get_session(load().with_changes(spark_driver_java_options=""))


@pytest.fixture(scope="session")
def real_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = ("bikes.csv", "bikeshops.csv", "orders.csv")
    if not all((REAL_EXPORT / name).is_file() for name in files):
        pytest.skip(f"the real export is not available in {REAL_EXPORT}")
    folder = tmp_path_factory.mktemp("real-export")
    for name in files:
        shutil.copyfile(REAL_EXPORT / name, folder / name)
    (folder / "customers.csv").write_text(
        shop_customers_csv(REAL_EXPORT / "bikeshops.csv"), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="session")
def demo_export() -> Path:
    return DEMO_EXPORT


@pytest.fixture(scope="session")
def build_export(spark: Any) -> Callable[[Path], float]:
    from velos.dbt import run_dbt

    built: dict[str, Any] = {"folder": None, "seconds": 0.0, "version": None}

    def last_build() -> Any:
        # the last recorded dbt build or run (audit.audit_builds): it moves whenever anything
        # builds, even a build whose gates kept the marts, so a build made by another test
        # (not through this fixture) is never taken as ours
        if not spark.catalog.tableExists("audit.audit_builds"):
            return None
        return spark.sql(
            "select invocation_id from audit.audit_builds order by finished_at desc limit 1"
        ).first()["invocation_id"]

    def build(folder: Path) -> float:
        folder = folder.resolve()
        if built["folder"] != folder or built["version"] != last_build():
            built["folder"] = None  # a failed build must not look cached
            started = time.perf_counter()
            exported = load_settings(VELOS_DATA_DIR=folder)
            run_dbt(["seed", "--quiet"], settings=exported)
            every_node = folder == DEMO_EXPORT.resolve()
            run_dbt(["build", *build_exclusions(every_node)], settings=exported)
            built.update(folder=folder, seconds=time.perf_counter() - started, version=last_build())
        return float(built["seconds"])

    return build
