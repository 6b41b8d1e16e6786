"""The project's YAML files: a key written twice in one mapping is an error, not a silent win;
and a model's plain rules are checked in one query, not one query per rule.

PyYAML keeps the last of two equal keys, so a second `on-run-end:` in dbt_project.yml once
dropped the hook that records each build, and nothing said so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = ("*.yml", "models/**/*.yml", "seeds/**/*.yml", "tests/**/*.yml", "macros/**/*.yml")
FILES = sorted(path.relative_to(ROOT) for pattern in PATTERNS for path in ROOT.glob(pattern))


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        # before `<<:` merges are flattened in: a key there may be overridden by design
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def test_the_project_has_its_yaml_files() -> None:
    assert {Path("dbt_project.yml"), Path("profiles.yml"), Path("docker-compose.yml")} <= set(FILES)


@pytest.mark.parametrize("path", FILES, ids=str)
def test_no_key_appears_twice(path: Path) -> None:
    yaml.load((ROOT / path).read_text(encoding="utf-8"), Loader=_StrictLoader)


def test_a_key_written_twice_is_caught() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="'on-run-end' appears twice"):
        yaml.load("on-run-end: [a]\nmodels: {}\non-run-end: [b]\n", Loader=_StrictLoader)


# one-rule tests and the one-query test of a model that checks the same rules (macros/tests)
ONE_QUERY_TEST = {
    "not_null": "not_null_columns",
    "accepted_range": "value_rules",
    "accepted_values": "value_rules",
    "expression_is_true": "value_rules",
}


def _rule_tests(path: Path) -> list[tuple[str, str, Any]]:
    """(model, test name, its entry) of every data test on a model or one of its columns."""
    document = yaml.safe_load((ROOT / path).read_text(encoding="utf-8")) or {}
    found = []
    models = document.get("models") if path.parts[0] == "models" else None
    for model in models or []:  # dbt_project.yml's `models:` is configuration
        for column in [model, *model.get("columns", [])]:
            for entry in column.get("data_tests", []):
                name = entry if isinstance(entry, str) else next(iter(entry))
                found.append((model["name"], name, entry))
    return found


def test_plain_rules_are_checked_in_one_query_per_model() -> None:
    """A data test costs its query's planning, not its data: a rule with no name, threshold,
    `where` or severity of its own belongs in its model's not_null_columns or value_rules test,
    where it costs a share of one query. (The dbt build counts its nodes; each would be one.)"""
    one_by_one = []
    for path in FILES:
        for model, name, entry in _rule_tests(path):
            if name not in ONE_QUERY_TEST:
                continue
            options = {} if isinstance(entry, str) else entry[name] or {}
            arguments = options.get("arguments") or {}
            if set(options) <= {"arguments"} and "max_failing_pct" not in arguments:
                one_by_one.append(f"{path}: {model}: {name} {arguments}")
    assert one_by_one == [], (
        "move these into the model's "
        + " or ".join(sorted(set(ONE_QUERY_TEST.values())))
        + " test:\n"
        + "\n".join(one_by_one)
    )
