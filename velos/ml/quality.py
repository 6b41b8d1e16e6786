"""Agreement between found segments and known ones (the generator's ``--truth``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from math import comb


def adjusted_rand_index(truth: Mapping[int, Hashable], found: Mapping[int, Hashable]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same ids.

    1 for identical partitions (whatever the label names), about 0 for a random one.
    Ids present in only one of the two mappings are ignored.
    """
    ids = truth.keys() & found.keys()
    pairs = Counter((truth[i], found[i]) for i in ids)
    rows = Counter(truth[i] for i in ids)
    columns = Counter(found[i] for i in ids)
    index = sum(comb(n, 2) for n in pairs.values())
    row_pairs = sum(comb(n, 2) for n in rows.values())
    column_pairs = sum(comb(n, 2) for n in columns.values())
    expected = row_pairs * column_pairs / comb(len(ids), 2)
    maximum = (row_pairs + column_pairs) / 2
    if maximum == expected:  # both partitions trivial (one group, or all singletons)
        return 1.0
    return (index - expected) / (maximum - expected)
