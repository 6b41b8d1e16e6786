"""k-means segments with k chosen by silhouette: VectorAssembler -> StandardScaler -> KMeans.

The assembler and the scaler do not depend on k, so they are fitted once and each k only fits
its KMeans on the scaled vectors; the kept stages are put together as one PipelineModel, the
same as fitting ``Pipeline([assembler, scaler, kmeans])`` with the chosen k.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from velos.errors import VelosError
from velos.ml.features import FeatureFrame

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame

# k-means|| initialisation and Lloyd iterations: enough for these small, well-separated sets
MAX_ITERATIONS = 50
# ks fitted at once. A fit on a few thousand members is many tiny Spark jobs, most of each
# the driver's scheduling: fits overlap well, and each k's result does not depend on the others
PARALLEL_FITS = 4


@dataclass(frozen=True)
class KScore:
    """One k tried: its silhouette (squared Euclidean, on the scaled features) and fit time."""

    k: int
    silhouette: float
    seconds: float


@dataclass(frozen=True)
class ClusterFit:
    """The chosen model, every k tried, and each member's segment and distance to its centre."""

    model: PipelineModel
    k: int
    scores: tuple[KScore, ...]
    assignments: DataFrame  # id column, segment_id, distance_to_centre

    @property
    def silhouette(self) -> float:
        return next(score.silhouette for score in self.scores if score.k == self.k)


def check_k_range(count: int, k_range: tuple[int, int], kind: str, setting: str) -> range:
    """The ks that can be tried on ``count`` members: a silhouette needs k < count."""
    low, high = k_range
    if count <= low:
        raise VelosError(
            f"segment: {count} {kind}(s) with orders, too few for the smallest k ({low}): a "
            f"silhouette needs more {kind}s than segments. Lower {setting} (now {low}-{high}) "
            "or use an export with more."
        )
    return range(low, min(high, count - 1) + 1)


def fit_segments(
    features: FeatureFrame,
    ks: range,
    seed: int,
    on_k: Callable[[KScore], None] = lambda score: None,
) -> ClusterFit:
    """Fit KMeans for every k of ``ks`` and keep the best silhouette (ties: the smaller k)."""
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.clustering import KMeans, KMeansModel
    from pyspark.ml.evaluation import ClusteringEvaluator
    from pyspark.ml.feature import StandardScaler, VectorAssembler
    from pyspark.util import inheritable_thread_target

    prepare = Pipeline(
        stages=[
            VectorAssembler(inputCols=list(features.feature_columns), outputCol="raw_features"),
            StandardScaler(
                inputCol="raw_features", outputCol="features", withMean=True, withStd=True
            ),
        ]
    ).fit(features.frame)
    scaled = prepare.transform(features.frame).select(features.id_column, "features").cache()
    evaluator = ClusteringEvaluator(featuresCol="features", predictionCol="segment_id")

    def fit(k: int) -> tuple[KScore, KMeansModel]:
        started = time.perf_counter()
        kmeans = KMeans(
            k=k, seed=seed, maxIter=MAX_ITERATIONS, featuresCol="features",
            predictionCol="segment_id",
        )  # fmt: skip
        model = kmeans.fit(scaled)
        silhouette = evaluator.evaluate(model.transform(scaled))
        return KScore(k, silhouette, time.perf_counter() - started), model

    scores: list[KScore] = []
    models = {}
    # as CrossValidator's `parallelism` does: threads on the one session, each k's jobs kept
    # apart by their own JVM thread (pinned mode), results taken in k order
    with ThreadPoolExecutor(min(PARALLEL_FITS, len(ks)) or 1) as pool:
        for score, model in pool.map(inheritable_thread_target(scaled.sparkSession)(fit), ks):
            scores.append(score)
            models[score.k] = model
            on_k(score)
    best = max(scores, key=lambda score: (score.silhouette, -score.k))
    pipeline = PipelineModel(stages=[*prepare.stages, models[best.k]])
    assignments = _with_distance(models[best.k].transform(scaled), models[best.k], features)
    assignments.cache().count()  # the caller reads it several times; the scaled set can go
    scaled.unpersist()
    return ClusterFit(pipeline, best.k, tuple(scores), assignments)


def _with_distance(predictions: DataFrame, model: object, features: FeatureFrame) -> DataFrame:
    """Each member's Euclidean distance to its centre, in the scaled feature space."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    centres = F.array(
        *[F.array(*[F.lit(float(value)) for value in centre])
          for centre in model.clusterCenters()]  # type: ignore[attr-defined]
    )  # fmt: skip
    squared = F.aggregate(
        F.zip_with(
            F.col("vector"),
            F.element_at(centres, F.col("segment_id") + 1),
            lambda a, b: (a - b) * (a - b),
        ),
        F.lit(0.0),
        lambda total, x: total + x,
    )
    return predictions.select(
        features.id_column,
        F.col("segment_id").cast("int").alias("segment_id"),
        vector_to_array(F.col("features")).alias("vector"),
    ).select(features.id_column, "segment_id", F.sqrt(squared).alias("distance_to_centre"))
