"""The `velos` command line. Argument parsing only: each command calls one function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from velos import settings as settings_module
from velos.errors import USER_ERRORS
from velos.generate.model import OFF_SEGMENT_RATE
from velos.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of the project velos is run on, with the command line's overrides."""
    overrides = {}
    if getattr(args, "data", None) is not None:
        overrides["VELOS_DATA_DIR"] = args.data.resolve()  # as typed: from the current folder
    return settings_module.load(args.project_dir, **overrides)


def _generate(args: argparse.Namespace) -> None:
    from velos.generate import generate

    generate(
        args.out,
        order_lines=args.order_lines,
        seed=args.seed,
        truth=args.truth,
        dirty=args.dirty,
        manifest=args.manifest,
        off_segment_rate=args.off_segment_rate,
    )


def _run(args: argparse.Namespace) -> None:
    from velos.pipeline import run

    run(_settings(args), skip=args.skip)


def _check(args: argparse.Namespace) -> None:
    from velos import console
    from velos.pipeline import check_export

    settings = _settings(args)
    with console.step("check") as info:
        folder = check_export(settings)
        info["counts"] = f"4 files in {folder} match the contract"


def _segment(args: argparse.Namespace) -> None:
    from velos.pipeline import segment

    segment(_settings(args))


def _report(args: argparse.Namespace) -> None:
    from velos.report import write_report
    from velos.spark import get_session

    settings = _settings(args)
    print(write_report(get_session(settings), settings))


def _docs(args: argparse.Namespace) -> None:
    from velos.docs import serve_docs

    serve_docs(_settings(args), port=args.port)


def _cassandra(args: argparse.Namespace) -> None:
    from loaders.node import format_status, ring, status

    nodes = _settings(args).cassandra_nodes(count=args.nodes)
    if args.action == "start":
        ring.start(nodes)
    if args.action == "stop":
        for local, stopped in zip(nodes, ring.stop(nodes), strict=True):
            print(
                f"cassandra: stopped ({local.listen_address}:{local.native_port})"
                if stopped
                else f"cassandra: no node started by velos was running on {local.listen_address}"
            )
        return
    for local in nodes:
        print(format_status(status(local)))


def _config(args: argparse.Namespace) -> None:
    settings = _settings(args)
    print(f"project   {settings.project_dir}")
    print(f"home      {settings.home}")
    print(f"data      {settings.data_dir}")
    print(f"jars      {settings.jars_dir}")
    print(f"target    {settings.target}")
    print(f"cassandra {settings.cassandra_config()}")  # the password is never shown


def _thrift(args: argparse.Namespace) -> None:
    from velos import thrift

    print(thrift.run_action(_settings(args), args.action, foreground=args.foreground))


def _cluster(args: argparse.Namespace) -> None:
    from velos import cluster

    print(cluster.run_action(_settings(args), args.action))


def _metastore(args: argparse.Namespace) -> None:
    from velos import metastore

    print(metastore.run_action(_settings(args), args.action))


def _class_archive(args: argparse.Namespace) -> None:
    from velos.class_archive import build

    build(_settings(args))


def _load(args: argparse.Namespace) -> None:
    from loaders import load_marts
    from velos.pipeline import require_passed_build
    from velos.spark import get_session

    settings = _settings(args)
    print(require_passed_build(settings))  # before Cassandra: refuse unproven marts
    config = settings.cassandra_config(keyspace=args.keyspace)
    load_marts(
        get_session(settings),
        config,
        tables=args.marts or None,
        keep_loads=args.keep_loads,
        source_schema=args.source_schema,
        progress=not args.no_progress,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every velos command."""
    from loaders import TABLES

    parser = argparse.ArgumentParser(
        prog="velos", description="Customer segmentation for a bike retailer, on dbt and Spark."
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        metavar="DIR",
        help="the velos dbt project to act on (default: VELOS_PROJECT_DIR, else the current "
        "folder or its nearest parent holding dbt_project.yml)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write deterministic demo data in the export's format")
    gen.add_argument("--out", type=Path, required=True, metavar="DIR")
    gen.add_argument("--order-lines", type=int, default=15_000, metavar="N")
    gen.add_argument("--seed", type=int, default=42, metavar="S")
    gen.add_argument("--truth", type=Path, metavar="FILE", help="also write customer_id,segment")
    gen.add_argument("--dirty", action="store_true", help="inject the defect catalogue")
    gen.add_argument("--manifest", type=Path, metavar="FILE", help="default DIR/manifest.json")
    gen.add_argument(
        "--off-segment-rate",
        type=float,
        default=OFF_SEGMENT_RATE,
        metavar="R",
        help=f"share of order lines bought outside the customer's segment "
        f"(default {OFF_SEGMENT_RATE})",
    )
    gen.set_defaults(func=_generate)

    data_help = "export folder (default: VELOS_DATA_DIR, else the project's seeds/)"
    run = sub.add_parser(
        "run", help="check, seed, build, segment, report and load, in one Spark session"
    )
    run.add_argument("--data", type=Path, metavar="DIR", help=data_help)
    run.add_argument(
        "--skip", nargs="*", default=[], metavar="STEP", help="steps to leave out (e.g. load)"
    )
    run.set_defaults(func=_run)

    check = sub.add_parser("check", help="check the four export files against the contract")
    check.add_argument("--data", type=Path, metavar="DIR", help=data_help)
    check.set_defaults(func=_check)

    sub.add_parser(
        "segment", help="fit the segments, classifier and forecast on the built marts (MLlib)"
    ).set_defaults(func=_segment)

    sub.add_parser("report", help="write the HTML report (and PNG charts)").set_defaults(
        func=_report
    )

    docs = sub.add_parser("docs", help="generate and serve the dbt docs site on localhost")
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(func=_docs)

    config = sub.add_parser("config", help="print the settings velos would run with")
    config.add_argument("--data", type=Path, metavar="DIR", help=data_help)
    config.set_defaults(func=_config)

    cassandra = sub.add_parser("cassandra", help="the local Cassandra node or ring (dev and CI)")
    cassandra.add_argument("action", choices=["start", "stop", "status"])
    cassandra.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="a local ring of this many nodes on 127.0.0.1, 127.0.0.2, ... "
        "(default CASSANDRA_LOCAL_NODES, 1)",
    )
    cassandra.set_defaults(func=_cassandra)

    thrift = sub.add_parser("thrift", help="the Spark Thrift Server serving the marts (PowerBI)")
    thrift.add_argument("action", choices=["start", "stop", "status"])
    thrift.add_argument(
        "--foreground", action="store_true", help="start: stay attached until stopped (containers)"
    )
    thrift.set_defaults(func=_thrift)

    cluster = sub.add_parser(
        "cluster", help="a local Spark standalone cluster (a master, two workers; loopback)"
    )
    cluster.add_argument("action", choices=["start", "stop", "status"])
    cluster.set_defaults(func=_cluster)

    metastore = sub.add_parser(
        "metastore", help="the local Postgres of the shared Hive metastore (VELOS_METASTORE)"
    )
    metastore.add_argument("action", choices=["start", "stop", "status"])
    metastore.set_defaults(func=_metastore)

    sub.add_parser(
        "class-archive",
        help="make the JVM's archive of Spark's classes, for faster starts (make setup runs it)",
    ).set_defaults(func=_class_archive)
    load = sub.add_parser("load", help="load the marts into Cassandra (versioned, verified)")
    load.add_argument(
        "marts",
        nargs="*",
        metavar="MART",
        help=f"marts to load (default all: {', '.join(spec.mart for spec in TABLES)})",
    )
    load.add_argument(
        "--keep-loads",
        type=int,
        default=3,
        metavar="N",
        help="verified loads kept per table, at least 2 (default 3)",
    )
    load.add_argument("--source-schema", default="marts", help="Spark schema of the marts")
    load.add_argument("--keyspace", help="Cassandra keyspace (default CASSANDRA_KEYSPACE)")
    load.add_argument("--no-progress", action="store_true", help="no progress bars")
    load.set_defaults(func=_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `velos` console script."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except USER_ERRORS as error:
        print(f"velos: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("velos: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, not a user error: say so, keep the trace on request
        if _debug(args):
            raise
        print(
            f"velos: internal error: {type(error).__name__}: {error}\n"
            "Run again with VELOS_DEBUG=1 for the traceback, and report it.",
            file=sys.stderr,
        )
        return 1
    return 0


def _debug(args: argparse.Namespace) -> bool:
    try:
        return settings_module.load(args.project_dir).debug
    except USER_ERRORS:
        return False


if __name__ == "__main__":
    sys.exit(main())
