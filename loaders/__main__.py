"""`python -m loaders [MART ...]`: load the marts into Cassandra (what `velos load` runs)."""

from __future__ import annotations

import argparse
import sys

from velos.errors import VelosError


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, load, print the per-table summary; 2 on a VelosError."""
    from loaders.cassandra import load_marts
    from loaders.marts import TABLES

    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__)
    parser.add_argument(
        "marts", nargs="*", help=f"marts to load (default all: {', '.join(s.mart for s in TABLES)})"
    )
    parser.add_argument("--keep-loads", type=int, default=3, help="loads to keep per table")
    parser.add_argument("--source-schema", default="marts", help="Spark schema of the marts")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    try:
        from velos import settings
        from velos.spark import get_session

        load_marts(
            get_session(),
            settings.load(),
            tables=args.marts or None,
            keep_loads=args.keep_loads,
            source_schema=args.source_schema,
            progress=not args.no_progress,
        )
    except VelosError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # worker processes are spawned: keep the guard
    sys.exit(main())
