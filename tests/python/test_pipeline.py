"""Pieces of `velos run` that need no Spark: the build summary line."""

from __future__ import annotations

from types import SimpleNamespace

from velos.pipeline import _build_summary


def _result(kind: str, status: str) -> SimpleNamespace:
    """A node result shaped like dbt's (resource_type and status are enums with a value)."""
    return SimpleNamespace(
        node=SimpleNamespace(resource_type=SimpleNamespace(value=kind)),
        status=SimpleNamespace(value=status),
    )


def test_build_summary_counts_models_and_adds_data_and_unit_tests() -> None:
    results = SimpleNamespace(
        results=[
            *(_result("model", "success") for _ in range(3)),
            *(_result("test", "pass") for _ in range(5)),
            _result("test", "warn"),
            _result("test", "fail"),
            *(_result("unit_test", "pass") for _ in range(2)),
            _result("unit_test", "fail"),
            _result("seed", "success"),
        ]
    )
    assert _build_summary(results) == "3 models, tests: 2 fail, 7 pass, 1 warn"


def test_build_summary_without_tests() -> None:
    results = SimpleNamespace(results=[_result("model", "success")])
    assert _build_summary(results) == "1 model, tests: none"
