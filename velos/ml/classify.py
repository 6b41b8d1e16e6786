"""Predict a customer's segment from what is known at signup and first purchase.

Inputs: gender, age band, age, home store, and the first bike's category1, category2, frame and
price (customer_features). Model: a random forest (it takes categorical inputs as they are,
with no scaling, and captures interactions such as "women over 60 who bought a Road bike").

Holdout: time-based. The customers whose first order is in the last 20 % of first-order dates
are the test set, the earlier ones the training set. The classifier's use is to place a new
customer, so it is scored on customers who arrived after every customer it learned from; a
random split would let it learn from customers of the same period it is tested on.

Metrics: accuracy and macro F1 (the mean of the per-segment F1, so a small segment weighs as
much as a large one), beside the majority-class baseline (always the training set's most
frequent segment) on the same holdout.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from velos.errors import VelosError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

CATEGORICAL = ("gender", "age_band", "bikeshop_id", "first_category1", "first_category2",
               "first_frame")  # fmt: skip
TEST_SHARE = 0.2
N_TREES = 100
MAX_DEPTH = 8


@dataclass(frozen=True)
class ClassifierScore:
    """One row of classifier_metrics."""

    model: str
    accuracy: float
    macro_f1: float
    train_customers: int
    test_customers: int


def macro_f1(pairs: Counter[tuple[int, int]]) -> float:
    """Macro F1 over every class seen as a label or a prediction: (label, prediction) -> count."""
    classes = {label for label, _ in pairs} | {prediction for _, prediction in pairs}
    scores = []
    for cls in classes:
        true_positive = pairs[(cls, cls)]
        predicted = sum(n for (_, p), n in pairs.items() if p == cls)
        actual = sum(n for (label, _), n in pairs.items() if label == cls)
        denominator = predicted + actual
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return sum(scores) / len(scores)


def accuracy(pairs: Counter[tuple[int, int]]) -> float:
    return sum(n for (label, p), n in pairs.items() if label == p) / sum(pairs.values())


def fit_and_score(
    customer_features: DataFrame, customer_segments: DataFrame, seed: int
) -> tuple[ClassifierScore, ClassifierScore]:
    """Train on the earlier customers, score on the later ones; (model, majority baseline)."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.ml.feature import StringIndexer, VectorAssembler
    from pyspark.sql import functions as F

    data = customer_features.join(customer_segments, "customer_id").select(
        *[F.col(name).cast("string").alias(name) for name in CATEGORICAL],
        F.coalesce(F.col("age"), F.lit(-1)).cast("double").alias("age"),
        F.log(F.col("first_price").cast("double")).alias("log_first_price"),
        F.col("segment_id").cast("double").alias("label"),
        "first_order_date",
    )
    days = data.withColumn("first_day", F.datediff("first_order_date", F.lit("1970-01-01")))
    split_day = days.approxQuantile("first_day", [1 - TEST_SHARE], 0.0)[0]
    train = days.where(F.col("first_day") < split_day).cache()
    test = days.where(F.col("first_day") >= split_day).cache()
    n_train, n_test = train.count(), test.count()
    labels = Counter(int(row["label"]) for row in train.select("label").collect())
    if n_test == 0 or len(labels) < 2:
        raise VelosError(
            "segment: the classifier needs customers of at least two segments before and after "
            f"the split by first order date ({n_train} before, {n_test} after)."
        )
    levels = max(row[0] for row in data.agg(
        F.greatest(*[F.countDistinct(name) for name in CATEGORICAL])).collect())  # fmt: skip
    indexed = [f"{name}_index" for name in CATEGORICAL]
    pipeline = Pipeline(
        stages=[
            StringIndexer(inputCols=list(CATEGORICAL), outputCols=indexed,
                          handleInvalid="keep", stringOrderType="alphabetAsc"),
            VectorAssembler(inputCols=[*indexed, "age", "log_first_price"], outputCol="features"),
            RandomForestClassifier(numTrees=N_TREES, maxDepth=MAX_DEPTH, seed=seed,
                                   maxBins=max(32, levels + 1)),
        ]
    )  # fmt: skip
    model = pipeline.fit(train)
    predicted = model.transform(test).select("label", "prediction")
    pairs = Counter(
        {(int(row["label"]), int(row["prediction"])): row["count"]
         for row in predicted.groupBy("label", "prediction").count().collect()}
    )  # fmt: skip
    majority = labels.most_common(1)[0][0]
    baseline: Counter[tuple[int, int]] = Counter()
    for (label, _), n in pairs.items():
        baseline[(label, majority)] += n
    train.unpersist()
    test.unpersist()
    return (
        ClassifierScore("random_forest", accuracy(pairs), macro_f1(pairs), n_train, n_test),
        ClassifierScore(
            "majority_baseline", accuracy(baseline), macro_f1(baseline), n_train, n_test
        ),
    )
