"""Streaming CSV writer in the export's format, with optional defect injection.

Format: UTF-8, LF line endings, a header line, no trailing newline, minimal quoting (the csv
module quotes a field only when it must, e.g. an injected price like "12,5o0").
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Row = list[str]


@dataclass(frozen=True)
class Injection:
    """One injected defect: ``make`` builds the written row from the clean row it is tied to."""

    kind: str
    make: Callable[[Row], Row]
    delay: int = 0  # "after" injections only: emitted after the row `delay` rows later


@dataclass
class Plan:
    """Where the defects of one file go, keyed by 0-based clean data-row index."""

    before: dict[int, list[Injection]] = field(default_factory=lambda: defaultdict(list))
    replace: dict[int, Injection] = field(default_factory=dict)
    after: dict[int, list[Injection]] = field(default_factory=lambda: defaultdict(list))


class _CsvOut:
    """Writes rows and counts physical lines (header = line 1)."""

    def __init__(self, path: Path, header: Sequence[str], *, index: bool) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        self.writer = csv.writer(self._file, lineterminator="\n")
        self.writer.writerow(header)
        self.line = 1
        self._index = index

    def write(self, row: Sequence[object]) -> int:
        self.line += 1
        if self._index:  # orders: the unnamed 1-based row index is the physical position
            self.writer.writerow([self.line - 1, *row])
        else:
            self.writer.writerow(row)
        return self.line

    def close(self) -> None:
        self._file.close()
        # The export has no trailing newline: drop the one the csv module wrote last.
        with self.path.open("rb+") as raw:
            raw.seek(-1, 2)
            if raw.read(1) == b"\n":
                raw.seek(-1, 2)
                raw.truncate()


def write_table(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    index: bool = False,
    n_rows: int | None = None,
    plan: Plan | None = None,
) -> tuple[int, dict[str, list[int]]]:
    """Write ``rows`` (plus ``plan``'s defects) to ``path``.

    Returns the number of data lines written and, per defect kind, the physical line numbers of
    the injected or modified rows. ``n_rows`` (the number of clean rows) is required with a plan.
    """
    out = _CsvOut(path, header, index=index)
    injected: dict[str, list[int]] = defaultdict(list)
    try:
        if plan is None:
            if index:  # the hot path of a large run: no per-row method call on _CsvOut
                writerow = out.writer.writerow
                count = 0
                for count, row in enumerate(rows, start=1):
                    writerow((count, *row))
                out.line = 1 + count
            else:
                for row in rows:
                    out.write(row)
        else:
            assert n_rows is not None
            _write_with_plan(out, rows, n_rows, plan, injected)
    finally:
        out.close()
    return out.line - 1, dict(injected)


def _write_with_plan(
    out: _CsvOut,
    rows: Iterable[Sequence[object]],
    n_rows: int,
    plan: Plan,
    injected: dict[str, list[int]],
) -> None:
    pending: dict[int, list[tuple[str, Row]]] = defaultdict(list)
    seen = 0
    for i, raw_row in enumerate(rows):
        seen += 1
        row = [str(value) for value in raw_row]
        for injection in plan.before.get(i, ()):
            injected[injection.kind].append(out.write(injection.make(row)))
        replacement = plan.replace.get(i)
        if replacement is None:
            out.write(row)
        else:
            injected[replacement.kind].append(out.write(replacement.make(row)))
        for injection in plan.after.get(i, ()):
            pending[min(i + injection.delay, n_rows - 1)].append(
                (injection.kind, injection.make(row))
            )
        for kind, extra in pending.pop(i, ()):
            injected[kind].append(out.write(extra))
    if seen != n_rows or pending:
        raise RuntimeError(f"{out.path.name}: expected {n_rows} rows, got {seen}")
