"""The segment step: read the feature tables, fit, score, then write every output table.

Everything is computed before the first table is written, so a failure (too few customers, an
empty mart...) leaves the previous outputs in place. The fitted pipelines are saved under
``VELOS_HOME/models/vNNNN/`` (a new version per run) and, unless tracking is off, logged to
MLflow with the run's parameters and metrics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from velos.ml import classify, cluster, features, profiles, tracking
from velos.ml.forecast import ForecastScore, forecast
from velos.settings import Settings

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame, SparkSession

OUTPUT_TABLES = (
    "customer_segments",
    "store_segments",
    "segment_profiles",
    "segment_k_scores",
    "classifier_metrics",
    "forecast_metrics",
    "forecast_holdout",
    "demand_forecast",
)
# tables written at once, once every output is computed (eight at once measured slower: 8.4 s
# against 4.7 s for the eight; their commits contend)
WRITE_THREADS = 4


@dataclass(frozen=True)
class SegmentReport:
    """What one segment run produced, for the step's summary line."""

    model_version: str
    customers: int
    customer_k: int
    customer_silhouette: float
    stores: int
    store_k: int
    store_silhouette: float
    classifier: classify.ClassifierScore
    classifier_baseline: classify.ClassifierScore
    forecast: ForecastScore
    forecast_baseline: ForecastScore
    mlflow_run_id: str | None

    def __str__(self) -> str:
        return (
            f"{self.customers:,} customers in {self.customer_k} segments (silhouette "
            f"{self.customer_silhouette:.3f}), {self.stores} stores in {self.store_k} "
            f"(silhouette {self.store_silhouette:.3f}); classifier macro F1 "
            f"{self.classifier.macro_f1:.3f} vs majority {self.classifier_baseline.macro_f1:.3f}; "
            f"forecast MAPE {self.forecast.mape:.3f} vs seasonal-naive "
            f"{self.forecast_baseline.mape:.3f}; model {self.model_version}"
            + (f", MLflow run {self.mlflow_run_id}" if self.mlflow_run_id else "")
        )


class _Clustering(NamedTuple):
    """One clustering to fit: its feature vectors, the ks to try and how many members."""

    frame: features.FeatureFrame
    ks: range
    members: int


def next_model_version(models_dir: Path) -> str:
    """v0001 for the first run, then one more than the highest version folder present."""
    numbers = [
        int(match.group(1))
        for path in models_dir.glob("v*")
        if (match := re.fullmatch(r"v(\d+)", path.name))
    ]
    return f"v{max(numbers, default=0) + 1:04d}"


def _write(frame: DataFrame, table: str) -> None:
    (
        frame.write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .saveAsTable(table)
    )


def _save(model: PipelineModel, path: str) -> None:
    model.save(path)


def run_segment(
    spark: SparkSession,
    settings: Settings,
    *,
    schema: str = "marts",
    say: Callable[[str], None] = print,
) -> SegmentReport:
    """Fit the segments, the classifier and the forecast on ``schema``'s feature tables and
    write the outputs into ``schema``. ``say`` receives one line per k tried."""
    from pyspark.sql import functions as F
    from pyspark.util import inheritable_thread_target

    customer_table = features.read_table(spark, schema, "customer_features")
    store_table = features.read_table(spark, schema, "store_model_mix")
    monthly_table = features.read_table(spark, schema, "category_monthly_units")
    version = next_model_version(settings.models_dir)
    seed = settings.ml_seed

    # counted and checked first, so a k range the data cannot take stops the run at once
    kinds: dict[str, _Clustering] = {}
    for kind, frame, k_range, setting in (
        ("customer", features.customer_feature_frame(customer_table),
         settings.customer_k_range, "VELOS_SEGMENT_K_CUSTOMERS"),
        ("store", features.store_feature_frame(store_table),
         settings.store_k_range, "VELOS_SEGMENT_K_STORES"),
    ):  # fmt: skip
        count = frame.frame.count()
        kinds[kind] = _Clustering(
            frame, cluster.check_k_range(count, k_range, kind, setting), count
        )

    def segments(kind: str) -> cluster.ClusterFit:
        def log_k(score: cluster.KScore) -> None:
            say(f"segment: {kind}s k={score.k} silhouette {score.silhouette:.4f} "
                f"({score.seconds:.1f} s)")  # fmt: skip

        return cluster.fit_segments(kinds[kind].frame, kinds[kind].ks, seed, on_k=log_k)

    def store_chain() -> tuple[cluster.ClusterFit, list[dict[str, Any]]]:
        fit = segments("store")
        return fit, profiles.store_profiles(store_table, fit.assignments, customer_table, version)

    with tracking.tracked_run(settings, version) as tracker:
        # What shares no input runs at once: the customers' segments, then their profiles
        # beside the classifier trained on them; the stores' segments and profiles; the
        # forecast. Each is many small Spark jobs whose time is mostly the driver's, so they
        # overlap on threads of the one session, as the ks of one clustering do.
        with ThreadPoolExecutor(3) as pool:
            in_session = inheritable_thread_target(spark)
            store_job = pool.submit(in_session(store_chain))
            demand_job = pool.submit(in_session(forecast), monthly_table)
            customer_fit = segments("customer")
            classifier_job = pool.submit(
                in_session(classify.fit_and_score), customer_table, customer_fit.assignments, seed
            )
            customer_profile_rows = profiles.customer_profiles(
                customer_table, customer_fit.assignments, version
            )
            classifier, baseline = classifier_job.result()
            store_fit, store_profile_rows = store_job.result()
            demand = demand_job.result()
        fits = {"customer": customer_fit, "store": store_fit}
        for kind, fit in fits.items():  # MLflow's active run is this thread's: logged here
            for score in fit.scores:
                tracker.metrics({f"{kind}_silhouette": score.silhouette}, step=score.k)
        customers, stores = kinds["customer"].members, kinds["store"].members
        customer_features_n = len(kinds["customer"].frame.feature_columns)
        store_features_n = len(kinds["store"].frame.feature_columns)
        customer_segments = customer_fit.assignments.withColumn("model_version", F.lit(version))
        store_segments = store_fit.assignments.withColumn("model_version", F.lit(version))
        profile_rows = customer_profile_rows + store_profile_rows
        k_scores = spark.createDataFrame(
            [(kind, score.k, score.silhouette, score.k == fit.k, version)
             for kind, fit in fits.items() for score in fit.scores],
            "segment_kind string, k int, silhouette double, is_chosen boolean, "
            "model_version string",
        )  # fmt: skip
        classifier_metrics = spark.createDataFrame(
            [(score.model, score.accuracy, score.macro_f1, score.train_customers,
              score.test_customers, version) for score in (classifier, baseline)],
            "model string, accuracy double, macro_f1 double, train_customers bigint, "
            "test_customers bigint, model_version string",
        )  # fmt: skip
        forecast_metrics = spark.createDataFrame(
            [(score.model, score.mape, score.rmse, score.holdout_months,
              score.first_holdout_month, version) for score in demand.scores],
            "model string, mape double, rmse double, holdout_months int, "
            "first_holdout_month_date date, model_version string",
        )  # fmt: skip

        # every output is computed: save the models, then publish the tables
        folder = settings.models_dir / version
        models = {"customer_segments": customer_fit.model, "store_segments": store_fit.model,
                  "demand_forecast": demand.model}  # fmt: skip
        with ThreadPoolExecutor(len(models)) as pool:
            paths = [str(folder / name) for name in models]
            list(pool.map(inheritable_thread_target(spark)(_save), models.values(), paths))
        params = {
            "seed": seed,
            "customer_k_range": "-".join(map(str, settings.customer_k_range)),
            "store_k_range": "-".join(map(str, settings.store_k_range)),
            "customer_k": customer_fit.k,
            "store_k": store_fit.k,
            "customer_features": customer_features_n,
            "store_features": store_features_n,
            "customers": customers,
            "stores": stores,
        }
        metrics = {
            "customer_silhouette_chosen": customer_fit.silhouette,
            "store_silhouette_chosen": store_fit.silhouette,
            "classifier_accuracy": classifier.accuracy,
            "classifier_macro_f1": classifier.macro_f1,
            "baseline_accuracy": baseline.accuracy,
            "baseline_macro_f1": baseline.macro_f1,
            "forecast_mape": demand.scores[0].mape,
            "forecast_rmse": demand.scores[0].rmse,
            "seasonal_naive_mape": demand.scores[1].mape,
            "seasonal_naive_rmse": demand.scores[1].rmse,
        }
        (folder / "run.json").write_text(
            json.dumps({"version": version, "params": params, "metrics": metrics}, indent=2) + "\n",
            encoding="utf-8",
        )
        tracker.params(params)
        tracker.metrics(metrics)
        tracker.artifacts(folder, "model")

        outputs = {
            "customer_segments": customer_segments,
            "store_segments": store_segments,
            "segment_profiles": profiles.profiles_frame(spark, profile_rows),
            "segment_k_scores": k_scores,
            "classifier_metrics": classifier_metrics,
            "forecast_metrics": forecast_metrics,
            "forecast_holdout": demand.holdout.withColumn("model_version", F.lit(version)),
            "demand_forecast": demand.forecast.withColumn("model_version", F.lit(version)),
        }
        # independent small writes, mostly Delta's commit on the driver: they overlap well
        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            tables = [f"{schema}.{name}" for name in OUTPUT_TABLES]
            frames = [outputs[name] for name in OUTPUT_TABLES]
            list(pool.map(inheritable_thread_target(spark)(_write), frames, tables))
        customer_fit.assignments.unpersist()
        store_fit.assignments.unpersist()

        return SegmentReport(
            version, customers, customer_fit.k, customer_fit.silhouette, stores, store_fit.k,
            store_fit.silhouette, classifier, baseline, demand.scores[0], demand.scores[1],
            tracker.run_id,
        )  # fmt: skip
