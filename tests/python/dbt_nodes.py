"""Which dbt nodes a test build of an export needs.

The demo build in this suite runs every node, as `velos run` does. Some checks give the same
outcome on any export: the dbt unit tests (their input rows are given inline) and the tests of
the generic tests (inline values, tests/dbt/macros). Builds of the other exports (real, odd,
dirty, incremental) leave those out instead of repeating them: about a fifth of a build's time.
"""

from __future__ import annotations

# dbt selectors, for --exclude
DATA_INDEPENDENT = ("resource_type:unit_test", "path:tests/dbt/macros")


def build_exclusions(every_node: bool) -> list[str]:
    """`--exclude` arguments of a test build: the seeds (seeded apart) and, unless every node
    is asked for, the data-independent checks."""
    return ["--exclude", "resource_type:seed", *([] if every_node else DATA_INDEPENDENT)]
