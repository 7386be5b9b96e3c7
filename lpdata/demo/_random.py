"""Seeded randomness and the vectorised sampling helpers every builder shares.

Each concept draws from its own named stream (`stream(seed, "clo")`), so changing how one table is
made never shifts the random numbers of another: the same seed keeps giving the same school.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one concept, fixed by the seed and the concept's name."""
    return np.random.default_rng([zlib.crc32(name.encode("utf-8")), seed % (1 << 63)])


def weighted(rng: np.random.Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """Indices 0..len(weights)-1 drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For owners with `counts[i]` children each: every child's owner and its rank among siblings."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(owner.size, dtype=np.int64) - np.repeat(starts, counts)
    return owner, rank


def pick(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """`count` distinct positions out of `n`, sorted (fewer when n is smaller)."""
    count = min(count, n)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(n, size=count, replace=False)).astype(np.int64)


def rank_within(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order inside each group: 0..size-1 per group (groups need not be sorted)."""
    key = rng.random(groups.size)
    order = np.lexsort((key, groups))
    sorted_groups = groups[order]
    first = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    starts = np.maximum.accumulate(np.where(first, np.arange(groups.size), 0))
    ranks = np.empty(groups.size, dtype=np.int64)
    ranks[order] = np.arange(groups.size) - starts
    return ranks
