"""The session keeps the compiled code of the queries it ran (VELOS_CODEGEN_CACHE_ENTRIES).

Spark compiles each query's generated Java with Janino and keeps the last 100 classes; a demo
build runs about 1,850 query shapes, so with that default nearly every repeat compiled its
code again (and the JIT compiled the new class again). velos keeps 10,000 (BENCHMARKS.md,
"Compiled query code kept"). These tests prove the setting reaches the session and that a
query shape seen before is not compiled again after more than Spark's default of others.
"""

from __future__ import annotations

from typing import Any

import pytest

from velos.settings import find_project, load
from velos.spark_conf import session_conf

SPARK_DEFAULT_ENTRIES = 100
CONF = "spark.sql.codegen.cache.maxEntries"


def test_the_setting_reaches_the_session_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    project = find_project()
    monkeypatch.delenv("VELOS_CODEGEN_CACHE_ENTRIES", raising=False)
    assert session_conf(load(project))[CONF] == "10000"
    monkeypatch.setenv("VELOS_CODEGEN_CACHE_ENTRIES", "250")
    assert session_conf(load(project))[CONF] == "250"


@pytest.mark.spark
def test_a_query_seen_before_is_not_compiled_again(spark: Any) -> None:
    assert int(spark.conf.get(CONF)) == load().codegen_cache_entries > SPARK_DEFAULT_ENTRIES
    metrics = spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics

    def compiled() -> int:
        return int(metrics.METRIC_COMPILATION_TIME().getCount())

    # each literal is written into the generated code: one class per query
    shapes = {n: f"select sum(id * {n} + {n}) from range(1000)" for n in range(120)}
    first = compiled()
    for sql in shapes.values():
        spark.sql(sql).collect()
    assert compiled() - first >= len(shapes) > SPARK_DEFAULT_ENTRIES
    again = compiled()
    for n, sql in shapes.items():
        assert spark.sql(sql).first()[0] == n * (499_500 + 1_000)  # the sum of 0..999, + n each
    assert compiled() == again  # with Spark's default, each would be compiled again
