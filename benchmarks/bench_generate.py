"""Benchmark of ``velos generate``: seconds, lines/s and peak memory at 15k and 1M order lines.

Run: ``.venv/bin/python benchmarks/bench_generate.py [--lines 15000 1000000] [--dirty]``.
Each size runs in a fresh child process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(lines: int, dirty: bool) -> None:
    from velos.generate import generate

    with tempfile.TemporaryDirectory(prefix="velos-bench-") as folder:
        started = time.perf_counter()
        counts = generate(Path(folder), order_lines=lines, dirty=dirty, progress=False)
        seconds = time.perf_counter() - started
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"lines": lines, "rows": counts["orders.csv"], "seconds": seconds,
                      "peak_mib": peak_kib / 1024, "bytes": size}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[15_000, 1_000_000])
    parser.add_argument("--dirty", action="store_true", help="inject the defect catalogue too")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.dirty)
        return
    print(f"{'order lines':>12} {'seconds':>8} {'lines/s':>11} {'peak RSS':>9} {'size':>9}")
    for lines in args.lines:
        command = [sys.executable, __file__, "--child", str(lines)]
        if args.dirty:
            command.append("--dirty")
        result = json.loads(subprocess.run(command, check=True, capture_output=True,
                                           text=True).stdout)  # fmt: skip
        print(
            f"{lines:>12,} {result['seconds']:>8.2f} {lines / result['seconds']:>11,.0f} "
            f"{result['peak_mib']:>6.1f} MiB {result['bytes'] / 2**20:>5.1f} MiB"
        )


if __name__ == "__main__":
    main()
