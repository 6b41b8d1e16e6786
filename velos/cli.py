"""The `velos` command line. Argument parsing only: each command calls one function."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from velos import settings as settings_module
from velos.errors import VelosError
from velos.generate.model import OFF_SEGMENT_RATE


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

    run(settings_module.load(), data_dir=args.data, skip=args.skip)


def _check(args: argparse.Namespace) -> None:
    from velos import console
    from velos.pipeline import check_export, use_data_dir

    settings_module.load()
    folder = use_data_dir(args.data)
    with console.step("check") as info:
        check_export(folder)
        info["counts"] = f"4 files in {folder} match the contract"


def _segment(args: argparse.Namespace) -> None:
    from velos.pipeline import segment

    segment(settings_module.load())


def _report(args: argparse.Namespace) -> None:
    from velos.report import write_report
    from velos.spark import get_session

    settings = settings_module.load()
    print(write_report(get_session(), settings))


def _docs(args: argparse.Namespace) -> None:
    from velos.docs import serve_docs

    serve_docs(settings_module.load(), port=args.port)


def _cassandra(args: argparse.Namespace) -> None:
    from velos import cassandra_node

    print(cassandra_node.run_action(settings_module.load(), args.action))


def _load(args: argparse.Namespace) -> None:
    from loaders.cassandra import load_marts
    from velos.spark import get_session

    settings = settings_module.load()
    print(load_marts(get_session(), settings))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every velos command."""
    parser = argparse.ArgumentParser(
        prog="velos", description="Customer segmentation for a bike retailer, on dbt and Spark."
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

    run = sub.add_parser(
        "run", help="check, seed, build, segment, report and load, in one Spark session"
    )
    run.add_argument("--data", type=Path, metavar="DIR", help="export folder (default seeds/)")
    run.add_argument(
        "--skip", nargs="*", default=[], metavar="STEP", help="steps to leave out (e.g. load)"
    )
    run.set_defaults(func=_run)

    check = sub.add_parser("check", help="check the four export files against the contract")
    check.add_argument("--data", type=Path, metavar="DIR", help="export folder (default seeds/)")
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

    cassandra = sub.add_parser("cassandra", help="the local Cassandra node (dev and CI)")
    cassandra.add_argument("action", choices=["start", "stop", "status"])
    cassandra.set_defaults(func=_cassandra)

    sub.add_parser("load", help="load the marts into Cassandra (versioned, verified)").set_defaults(
        func=_load
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `velos` console script."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except VelosError as error:
        print(f"velos: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("velos: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, not a user error: say so, keep the trace on request
        if os.environ.get("VELOS_DEBUG"):
            raise
        print(
            f"velos: internal error: {type(error).__name__}: {error}\n"
            "Run again with VELOS_DEBUG=1 for the traceback, and report it.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
