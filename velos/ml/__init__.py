"""Spark MLlib on the marts: customer and store segments, a segment classifier, a demand forecast.

``velos segment`` (a step of ``velos run`` after ``build``, on the same SparkSession) reads the
feature tables dbt builds (``customer_features``, ``store_model_mix``,
``category_monthly_units``) and writes Delta tables into the same schema:

- ``customer_segments``, ``store_segments``: k-means segments (k by silhouette) with the
  distance of each member to its segment's centre;
- ``segment_profiles``: one row per segment, with a label derived from the profile;
- ``segment_k_scores``: the silhouette of every k tried;
- ``classifier_metrics``: the segment classifier beside the majority-class baseline;
- ``forecast_metrics``, ``forecast_holdout``, ``demand_forecast``: the monthly category2
  forecast beside seasonal-naive, and the next months.

This package reads tables and fits models; the business rules (units, shares, recency, price
tiers...) live in the dbt models it reads. Modules: ``features`` (tables to vectors),
``cluster``, ``profiles``, ``classify``, ``forecast``, ``tracking`` (MLflow), ``step`` (the
step itself: read, fit, write).
"""

from velos.ml.step import SegmentReport, run_segment

__all__ = ["SegmentReport", "run_segment"]
