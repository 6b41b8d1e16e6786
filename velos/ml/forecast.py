"""Monthly units per category2: a regression on seasonal lags, beside seasonal-naive.

Series: category_monthly_units (dbt), complete months only. Each month t of a category is
predicted from what is known 12 months before it, so one model serves every horizon up to
12 months (the 12-month holdout and the 6 months ahead) without feeding predictions back:
- ``lag_12``: log(1 + units of the same month a year before);
- ``level_12``: log(1 + the mean monthly units of the 12 months ending at t-12);
- ``level_24``: log(1 + the mean monthly units of the 12 months before those), so the
  model sees the category's growth;
- the calendar month (one-hot), a seasonality shared by every category.
Model: LinearRegression on log(1 + units). Holdout: the last 12 complete months, against
seasonal-naive (units of the same month a year before). MAPE is over months with units > 0.
The forecast interval is the prediction times exp(+-1.96 s), s the RMSE of the log residuals
on the holdout: about 95 % when the holdout's errors are those to come.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from velos.errors import VelosError

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame

HOLDOUT_MONTHS = 12
HORIZON_MONTHS = 6
FEATURES = ("lag_12", "level_12", "level_24")
# months of history needed before the first trainable month (level_24 reaches back 35 months)
HISTORY_MONTHS = 36
Z_95 = 1.96


@dataclass(frozen=True)
class ForecastScore:
    """One row of forecast_metrics."""

    model: str
    mape: float
    rmse: float
    holdout_months: int
    first_holdout_month: date


@dataclass(frozen=True)
class Forecast:
    scores: tuple[ForecastScore, ForecastScore]  # regression, seasonal-naive
    holdout: DataFrame  # category2, month_start_date, actual_units, predicted, seasonal_naive
    forecast: DataFrame  # category2, month_start_date, predicted_units, lower_units, upper_units
    model: PipelineModel


def _with_features(series: DataFrame) -> DataFrame:
    """Add month_index, the lag and level features, and the calendar month to the series."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_month = Window.partitionBy("category2").orderBy("month_index")

    def trailing_mean(first: int, last: int) -> F.Column:
        return F.avg("units").over(by_month.rangeBetween(-last, -first))

    return series.select(
        "category2", "month_start_date", "units",
        F.month("month_start_date").cast("double").alias("calendar_month"), "month_index",
    ).select(
        "*",
        F.log1p(F.lag("units", 12).over(by_month)).alias("lag_12"),
        F.log1p(trailing_mean(12, 23)).alias("level_12"),
        F.log1p(trailing_mean(24, 35)).alias("level_24"),
        F.count("month_index").over(by_month.rangeBetween(-35, -1)).alias("history"),
    )  # fmt: skip


def _fit(train: DataFrame) -> PipelineModel:
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, VectorAssembler
    from pyspark.ml.regression import LinearRegression

    return Pipeline(
        stages=[
            OneHotEncoder(inputCols=["calendar_month"], outputCols=["month_vector"]),
            VectorAssembler(inputCols=[*FEATURES, "month_vector"], outputCol="features"),
            LinearRegression(labelCol="log_units", solver="normal", regParam=0.01),
        ]
    ).fit(train)


def _mape_rmse(frame: DataFrame, column: str) -> tuple[float, float]:
    from pyspark.sql import functions as F

    row = frame.agg(
        F.avg(F.when(F.col("units") > 0,
                     F.abs(F.col("units") - F.col(column)) / F.col("units"))).alias("mape"),
        F.sqrt(F.avg((F.col("units") - F.col(column)) ** 2)).alias("rmse"),
    ).first()  # fmt: skip
    assert row is not None
    return float(row["mape"]), float(row["rmse"])


def forecast(category_monthly_units: DataFrame) -> Forecast:
    """Score on the last 12 complete months, then refit on everything and forecast 6 ahead."""
    from pyspark.sql import functions as F

    complete = category_monthly_units.where(~F.col("is_partial_month"))
    bounds = complete.agg(F.min("month_start_date"), F.max("month_start_date")).first()
    assert bounds is not None
    first_month, last_month = bounds[0], bounds[1]
    months = (last_month.year - first_month.year) * 12 + last_month.month - first_month.month + 1
    if months < HISTORY_MONTHS + HOLDOUT_MONTHS:
        raise VelosError(
            f"segment: the forecast needs {HISTORY_MONTHS + HOLDOUT_MONTHS} complete months of "
            f"orders ({HISTORY_MONTHS} of history, {HOLDOUT_MONTHS} held out); the data has "
            f"{months} ({first_month:%Y-%m} to {last_month:%Y-%m})."
        )
    month_index = (
        (F.year("month_start_date") - first_month.year) * 12
        + F.month("month_start_date") - first_month.month
    )  # fmt: skip
    categories = complete.select("category2").distinct()
    future = categories.crossJoin(
        complete.sparkSession.range(months, months + HORIZON_MONTHS).select(
            F.col("id").cast("int").alias("month_index"),
            F.add_months(F.lit(first_month), F.col("id").cast("int")).alias("month_start_date"),
        )
    ).select("category2", "month_start_date", F.lit(None).cast("bigint").alias("units"),
             "month_index")  # fmt: skip
    series = complete.select("category2", "month_start_date", "units",
                             month_index.alias("month_index")).unionByName(future)  # fmt: skip
    rows = (
        _with_features(series)
        .where(F.col("history") >= HISTORY_MONTHS - 1)  # the 35 months before t are all there
        .withColumn("log_units", F.log1p("units"))
        .cache()
    )
    holdout_start = months - HOLDOUT_MONTHS
    known = rows.where(F.col("units").isNotNull())
    train = known.where(F.col("month_index") < holdout_start)
    held = known.where(F.col("month_index") >= holdout_start)
    model = _fit(train)
    scored = model.transform(held).select(
        "category2", "month_start_date", "units",
        F.expm1("prediction").alias("predicted_units"),
        F.expm1("lag_12").alias("seasonal_naive_units"),
        (F.col("log_units") - F.col("prediction")).alias("log_residual"),
    ).cache()  # fmt: skip
    model_mape, model_rmse = _mape_rmse(scored, "predicted_units")
    naive_mape, naive_rmse = _mape_rmse(scored, "seasonal_naive_units")
    spread_row = scored.agg(F.sqrt(F.avg(F.col("log_residual") ** 2))).first()
    assert spread_row is not None
    spread = float(spread_row[0])
    first_holdout = (
        date(first_month.year + (first_month.month - 1 + holdout_start) // 12,
             (first_month.month - 1 + holdout_start) % 12 + 1, 1)
    )  # fmt: skip
    final_model = _fit(known)
    ahead = final_model.transform(rows.where(F.col("units").isNull())).select(
        "category2", "month_start_date",
        F.expm1("prediction").alias("predicted_units"),
        F.greatest(F.expm1(F.col("prediction") - Z_95 * spread), F.lit(0.0)).alias("lower_units"),
        F.expm1(F.col("prediction") + Z_95 * spread).alias("upper_units"),
    )  # fmt: skip
    holdout = scored.select(
        "category2", "month_start_date", F.col("units").alias("actual_units"),
        "predicted_units", "seasonal_naive_units",
    )  # fmt: skip
    scores = (
        ForecastScore("linear_regression", model_mape, model_rmse, HOLDOUT_MONTHS, first_holdout),
        ForecastScore("seasonal_naive", naive_mape, naive_rmse, HOLDOUT_MONTHS, first_holdout),
    )
    if not all(math.isfinite(score.rmse) for score in scores):
        raise VelosError("segment: the forecast holdout has no months to score.")
    return Forecast(scores, holdout, ahead, final_model)
