"""The project's YAML files: a key written twice in one mapping is an error, not a silent win.

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
