"""Benchmark and quality figures of `velos segment` on generated data with known segments.

For each size (default 15,000, 100,000 and 1,000,000 order lines, seed 42, the default
off-segment rate) in a throw-away VELOS_HOME, on one SparkSession:
  1. `velos generate --truth`, then `dbt seed` and `dbt run` (the models, no tests): the
     baseline, timed;
  2. the segment step (`run_segment`, MLflow on, as in `velos run`), timed: the figure the
     target is about (<= 60 s added on the demo, < 3 min on 1,000,000 lines);
  3. the quality figures: adjusted Rand index of the customer segments against the truth,
     the chosen k and silhouette, the classifier's macro F1 beside the majority baseline, the
     forecast's MAPE beside seasonal-naive.
With ``--features`` it also clusters the same customer_features with subsets of the features
at the chosen k and at the true k (5), to show which features move the index; with
``--compare`` it fits BisectingKMeans and GaussianMixture at the chosen k beside KMeans.

Run: ``.venv/bin/python benchmarks/bench_segment.py [--lines 15000 100000 1000000]
[--features] [--compare]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def _truth(path: Path) -> dict[int, str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return {int(line.split(",")[0]): line.split(",")[1] for line in lines}


def _found(frame: Any, id_column: str = "customer_id", column: str = "segment_id") -> dict:
    return {row[id_column]: row[column] for row in frame.select(id_column, column).collect()}


FEATURE_SETS = {
    "mix + log price (default)": lambda name: True,
    "mix only": lambda name: name != "log_mean_price_paid",
    "category1 + category2 + log price": lambda name: name.startswith(
        ("category1__", "category2__", "log_")
    ),
    "category2 + price tier + log price": lambda name: name.startswith(
        ("category2__", "price_tier__", "log_")
    ),
}


def _feature_study(spark: Any, truth: dict[int, str], seed: int, chosen_k: int) -> None:
    from velos.ml import cluster, features
    from velos.ml.quality import adjusted_rand_index

    table = spark.table("marts.customer_features")
    full = features.customer_feature_frame(table)
    print("  features                              | columns | ARI at chosen k | ARI at k=5")
    for name, keep in FEATURE_SETS.items():
        columns = tuple(c for c in full.feature_columns if keep(c))
        subset = features.FeatureFrame(full.frame, full.id_column, columns)
        figures = []
        for k in (chosen_k, 5):
            fit = cluster.fit_segments(subset, range(k, k + 1), seed)
            figures.append(adjusted_rand_index(truth, _found(fit.assignments)))
            fit.assignments.unpersist()
        print(f"  {name:<37} | {len(columns):>7} | {figures[0]:>15.4f} | {figures[1]:>10.4f}")


def _compare(spark: Any, truth: dict[int, str], seed: int, k: int) -> None:
    from pyspark.ml import Pipeline
    from pyspark.ml.clustering import BisectingKMeans, GaussianMixture, KMeans
    from pyspark.ml.evaluation import ClusteringEvaluator
    from pyspark.ml.feature import StandardScaler, VectorAssembler

    from velos.ml import features
    from velos.ml.quality import adjusted_rand_index

    frame = features.customer_feature_frame(spark.table("marts.customer_features"))
    prepared = Pipeline(stages=[
        VectorAssembler(inputCols=list(frame.feature_columns), outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True),
    ]).fit(frame.frame).transform(frame.frame).cache()  # fmt: skip
    prepared.count()
    evaluator = ClusteringEvaluator(featuresCol="features", predictionCol="segment_id")
    print(f"  algorithm (k={k})     | seconds | silhouette | ARI")
    for name, algorithm in (
        ("KMeans", KMeans(k=k, seed=seed, predictionCol="segment_id")),
        ("BisectingKMeans", BisectingKMeans(k=k, seed=seed, predictionCol="segment_id")),
        ("GaussianMixture", GaussianMixture(k=k, seed=seed, predictionCol="segment_id")),
    ):
        started = time.perf_counter()
        scored = algorithm.fit(prepared).transform(prepared).cache()
        scored.count()
        seconds = time.perf_counter() - started
        silhouette = evaluator.evaluate(scored)
        ari = adjusted_rand_index(truth, _found(scored))
        print(f"  {name:<20} | {seconds:>7.1f} | {silhouette:>10.4f} | {ari:.4f}")
        scored.unpersist()
    prepared.unpersist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[15_000, 100_000, 1_000_000])
    parser.add_argument("--features", action="store_true", help="the feature-subset study")
    parser.add_argument("--compare", action="store_true", help="KMeans vs the alternatives")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="velos-bench-segment-")
    os.environ["VELOS_HOME"] = home
    from velos import settings as settings_module

    settings = settings_module.load()
    from velos.dbt import run_dbt
    from velos.generate import generate
    from velos.ml import run_segment
    from velos.ml.quality import adjusted_rand_index
    from velos.spark import get_session

    started = time.perf_counter()
    spark = get_session(settings)
    print(f"Spark session: {time.perf_counter() - started:.1f} s (home {home})", flush=True)
    results = []
    for lines in args.lines:
        folder = Path(home) / f"export-{lines}"
        generate(folder, order_lines=lines, truth=folder / "truth.csv", progress=False)
        settings = settings.with_changes(data_dir=folder)
        started = time.perf_counter()
        run_dbt(["seed", "--quiet"], settings=settings)
        run_dbt(["run", "--quiet"], settings=settings)
        build = time.perf_counter() - started
        started = time.perf_counter()
        report = run_segment(spark, settings, say=lambda line: print("  " + line, flush=True))
        seconds = time.perf_counter() - started
        truth = _truth(folder / "truth.csv")
        ari = adjusted_rand_index(truth, _found(spark.table("marts.customer_segments")))
        results.append((lines, build, seconds, ari, report))
        print(f"{lines:>9,} lines: seed + dbt run {build:.1f} s, segment {seconds:.1f} s, "
              f"ARI {ari:.4f}; {report}", flush=True)  # fmt: skip
        if args.features:
            _feature_study(spark, truth, settings.ml_seed, report.customer_k)
        if args.compare:
            _compare(spark, truth, settings.ml_seed, report.customer_k)
    print()
    print(
        "| order lines | seed + dbt run | segment step | k (silhouette) | ARI vs truth "
        "| classifier macro F1 (majority) | forecast MAPE (seasonal-naive) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for lines, build, seconds, ari, r in results:
        print(f"| {lines:,} | {build:.1f} s | {seconds:.1f} s | {r.customer_k} "
              f"({r.customer_silhouette:.3f}) | {ari:.3f} | {r.classifier.macro_f1:.3f} "
              f"({r.classifier_baseline.macro_f1:.3f}) | {r.forecast.mape:.3f} "
              f"({r.forecast_baseline.mape:.3f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
