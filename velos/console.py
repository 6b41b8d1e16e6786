"""What velos prints: one line per step with its counts and seconds, and small tables."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def say(message: str) -> None:
    """Print a velos line (stderr is left to Spark and dbt logs)."""
    print(f"[velos] {message}", flush=True)


@contextmanager
def step(name: str) -> Iterator[dict[str, str]]:
    """Time a step; the caller fills ``info["counts"]`` and the line is printed at the end."""
    info: dict[str, str] = {"counts": ""}
    say(f"{name} ...")
    started = time.perf_counter()
    try:
        yield info
    except BaseException:
        say(f"{name} failed after {time.perf_counter() - started:.1f} s")
        raise
    say(f"{name:<8} {info['counts']}  ({time.perf_counter() - started:.1f} s)")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, file: Any = None) -> None:
    """Print rows as an aligned plain-text table."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    out = file or sys.stdout
    for index, row in enumerate(cells):
        print(
            "  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)),
            file=out,
        )
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths), file=out)
    out.flush()
