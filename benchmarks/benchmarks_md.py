"""The one place the benchmark scripts write their figures: a marked section of BENCHMARKS.md.

A script owns the lines between `<!-- <script>:start -->` and `<!-- <script>:end -->`; a run
replaces them and leaves the rest of the file (the history and its commentary) as it is.
"""

from __future__ import annotations

from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_section(script: str, heading: str, lines: list[str]) -> None:
    """Put `lines` between the script's markers, adding them under `heading` the first time."""
    start, end = f"<!-- {script}:start -->", f"<!-- {script}:end -->"
    block = "\n".join([start, *lines, end])
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = f"{text.rstrip()}\n\n## {heading}\n\n{block}\n"
    BENCHMARKS_MD.write_text(text, encoding="utf-8")
