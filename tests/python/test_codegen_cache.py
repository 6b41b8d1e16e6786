"""The session keeps the compiled code of the queries it ran (VELOS_CODEGEN_CACHE_ENTRIES).

Spark compiles each query's generated Java with Janino and keeps the last 100 classes; a demo
build runs about 1,850 query shapes, so with that default nearly every repeat compiled its
code again (and the JIT compiled the new class again). velos keeps 10,000 (BENCHMARKS.md,
"Compiled query code kept"). This test proves the suite's session has the setting and that a
query shape seen before is not compiled again after more than Spark's default of others (that
the environment variable sets it: test_settings.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from velos.settings import load

SPARK_DEFAULT_ENTRIES = 100
CONF = "spark.sql.codegen.cache.maxEntries"


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
