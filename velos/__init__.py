"""velos: customer segmentation for a bike retailer, on dbt and Apache Spark."""

__version__ = "0.1.0"
