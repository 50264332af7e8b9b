"""Near-duplicate inputs: copy-paste campaigns and repeated submissions, grouped, never dropped.

Each text gets a MinHash signature of its character 5-grams (after folding case,
accents and punctuation), so that exact copies, copies with a few words changed
and copies with sentences reordered land close together, while two different
texts on the same policy topic do not. Signatures are cut into bands; texts
sharing a band are candidates, and candidates whose estimated Jaccard
similarity reaches ``THRESHOLD`` are in one group. Groups are the connected
components of that relation, which is what makes the incremental path (at
intake) and the batch path (``gcm-intake dedupe``) agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import mmh3
import numpy as np

from intake_api.language.normalise import fold

NUM_PERM = 64
BANDS, ROWS = 16, 4  # 16 x 4 = 64: candidates from about 0.5 similarity
THRESHOLD = 0.6
SHINGLE = 5
_SEED = 2026
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


_PRIME = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1
_BASE = np.uint64(1_000_003)
_PRIME_U64, _MAX_U64, _SHIFT = np.uint64(_PRIME), np.uint64(_MAX_HASH), np.uint64(61)


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """NUM_PERM affine permutations (a, b), drawn once from a fixed seed.

    Below 2^31, so that a·h + b for a 32-bit h stays within 64 bits.
    """
    generator = np.random.RandomState(_SEED)
    a = generator.randint(1, 1 << 31, size=NUM_PERM).astype(np.uint64)
    b = generator.randint(0, 1 << 31, size=NUM_PERM).astype(np.uint64)
    return a, b


def _flat(text: str) -> str:
    return _NOT_WORD.sub(" ", fold(text)).strip()


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the distinct character 5-grams of the folded text, computed in numpy."""
    flat = _flat(text)
    codes = np.frombuffer(flat.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(codes) < SHINGLE:
        codes = np.pad(codes, (0, SHINGLE - len(codes)))
    windows = np.lib.stride_tricks.sliding_window_view(codes, SHINGLE)
    powers = _BASE ** np.arange(SHINGLE, dtype=np.uint64)
    return np.unique((windows * powers).sum(axis=1) & np.uint64(_MAX_HASH))


def signature(text: str) -> bytes:
    """The MinHash signature of a text, as stored with it (NUM_PERM unsigned 32-bit values).

    Vectorised MinHash: every shingle hash through every affine permutation
    (a·h + b, folded once modulo the Mersenne prime 2^61 - 1, kept to 32 bits),
    the minimum per permutation.
    """
    hashes = shingle_hashes(text)
    a, b = _permutations()
    permuted = a[:, None] * hashes[None, :] + b[:, None]
    permuted = (permuted & _PRIME_U64) + (permuted >> _SHIFT)
    return (permuted & _MAX_U64).min(axis=1).astype("<u4").tobytes()


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def bands(sig: bytes) -> list[str]:
    """The band keys under which a signature is indexed: "band:hash"."""
    values = _values(sig)
    return [f"{b}:{mmh3.hash(values[b * ROWS:(b + 1) * ROWS].tobytes(), _SEED, signed=False):08x}"
            for b in range(BANDS)]  # fmt: skip


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return int(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def components(items: Iterable[tuple[int, bytes]]) -> dict[int, int]:
    """Batch grouping: each id to the smallest id of its group, for groups of two or more."""
    parent: dict[int, int] = {}
    signatures: dict[int, bytes] = {}
    buckets: dict[str, list[int]] = {}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for item_id, sig in items:
        parent[item_id], signatures[item_id] = item_id, sig
        keys = bands(sig)
        candidates = {other for key in keys for other in buckets.get(key, ())}  # as at intake: each once
        for other in sorted(candidates):
            if root(other) != root(item_id) and similarity(sig, signatures[other]) >= THRESHOLD:
                low, high = sorted((root(other), root(item_id)))
                parent[high] = low
        for key in keys:
            buckets.setdefault(key, []).append(item_id)
    groups: dict[int, list[int]] = {}
    for item_id in parent:
        groups.setdefault(root(item_id), []).append(item_id)
    return {i: min(members) for members in groups.values() if len(members) > 1 for i in members}
