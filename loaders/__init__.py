"""Everything Cassandra: loading the marts, and the local development node.

This package imports nothing from ``velos``: callers describe the cluster with a
:class:`CassandraConfig` and call the functions below. ``velos load`` and ``velos run`` build
the config from velos's settings; another program can build one by hand::

    from loaders import CassandraConfig, load_marts

    config = CassandraConfig(hosts=("10.0.0.5",), keyspace="velos", ssl_ca="ca.pem",
                             user="velos", password=os.environ["CASSANDRA_PASSWORD"])
    report = load_marts(spark, config, tables=["fct_order_lines"], keep_loads=3)

Modules, one job each:
    config      the typed configuration (validated when made)
    marts       which mart goes to which Cassandra table, with which key (TABLES)
    schema      schema.cql: names, replication, idempotent apply
    connection  the one Cluster factory, the probe, clear connection errors
    source      reading a mart through Spark, typed for Cassandra; staging a large one
    columns     Arrow <-> CQL wire bytes, and the order-independent checksum
    execute     many statements in flight, with bounded retries
    write       rows to Cassandra (partition batches)
    verify      reading a load back and checksumming it
    workers     worker processes for large marts
    publish     the loads history and the current_load pointers
    cleanup     deleting old loads
    load        load_marts: the steps above in order
    node        the local Cassandra node (start, stop, status), templates beside it

Adding a table to the load: write its CREATE TABLE (load_id first in the partition key) in
schema.cql and its TableSpec in marts.TABLES (same column names and Cassandra types; the
partition key columns first). ``tests/python/test_cassandra_schema.py`` checks that both
agree, and that every column exists in the dbt mart's contract with a compatible type.
"""

from loaders.config import CassandraConfig
from loaders.errors import LoaderError, NothingAnswers
from loaders.load import LoadReport, TableReport, load_marts
from loaders.marts import TABLES, TableSpec, select
from loaders.publish import current_load_ids

__all__ = [
    "TABLES",
    "CassandraConfig",
    "LoadReport",
    "LoaderError",
    "NothingAnswers",
    "TableReport",
    "TableSpec",
    "current_load_ids",
    "load_marts",
    "select",
]
