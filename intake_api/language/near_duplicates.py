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
NEEDED = int(np.ceil(THRESHOLD * NUM_PERM))  # equal signature values for THRESHOLD
SHINGLE = 5
_SEED = 2026
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


_PRIME = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1
_BASE = np.uint64(1_000_003)
_PRIME_U64, _MAX_U64, _SHIFT = np.uint64(_PRIME), np.uint64(_MAX_HASH), np.uint64(61)
_POWERS = _BASE ** np.arange(SHINGLE, dtype=np.uint64)


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
    """32-bit hashes of the character 5-grams of the folded text, computed in numpy.

    Repeated 5-grams stay in: a minimum does not change with repeats, and sorting them out
    cost more than permuting them.
    """
    flat = _flat(text)
    codes = np.frombuffer(flat.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(codes) < SHINGLE:
        codes = np.pad(codes, (0, SHINGLE - len(codes)))
    count = len(codes) - SHINGLE + 1
    hashes = codes[:count].copy()  # sum of code[i + k] * BASE^k, one shifted slice at a time
    for k in range(1, SHINGLE):
        hashes += codes[k : k + count] * _POWERS[k]
    hashes &= np.uint64(_MAX_HASH)
    return hashes


def signature(text: str) -> bytes:
    """The MinHash signature of a text, as stored with it (NUM_PERM unsigned 32-bit values).

    Vectorised MinHash: every shingle hash through every affine permutation
    (a·h + b, folded once modulo the Mersenne prime 2^61 - 1, kept to 32 bits),
    the minimum per permutation.
    """
    a, b = _permutations()
    permuted = a[:, None] * shingle_hashes(text)[None, :]
    permuted += b[:, None]  # in place: one 64 x shingles array instead of five
    high = permuted >> _SHIFT
    permuted &= _PRIME_U64
    permuted += high
    permuted &= _MAX_U64
    return permuted.min(axis=1).astype("<u4").tobytes()


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def bands(sig: bytes) -> list[str]:
    """The band keys under which a signature is indexed: "band:hash"."""
    values = _values(sig)
    return [
        f"{b}:{mmh3.hash(values[b * ROWS : (b + 1) * ROWS].tobytes(), _SEED, signed=False):08x}"
        for b in range(BANDS)
    ]


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return int(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def components(
    items: Iterable[tuple[int, bytes]], band_keys: list[list[str]] | None = None
) -> dict[int, int]:
    """Batch grouping: each id to the smallest id of its group, for groups of two or more.

    The same relation as at intake (share a band, similarity at least ``THRESHOLD``),
    with each item's candidates compared in one vectorised step. ``band_keys``, when
    the caller has them, saves computing each item's bands again.
    """
    items = list(items)
    if not items:
        return {}
    # Identical signatures are one group whatever else they resemble: compare one of each.
    first: dict[bytes, int] = {}
    copies: dict[int, list[int]] = {}
    for index, (item_id, sig) in enumerate(items):
        copies.setdefault(first.setdefault(sig, index), []).append(item_id)
    if len(first) == len(items):
        return _components_of_distinct(items, band_keys)
    distinct = list(first.values())
    grouped = _components_of_distinct(
        [items[i] for i in distinct],
        [band_keys[i] for i in distinct] if band_keys is not None else None,
    )
    members: dict[int, list[int]] = {}
    for index in distinct:
        rep = items[index][0]
        members.setdefault(grouped.get(rep, rep), []).extend(copies[index])
    return {m: min(ms) for ms in members.values() if len(ms) > 1 for m in ms}


def _components_of_distinct(
    items: list[tuple[int, bytes]], band_keys: list[list[str]] | None
) -> dict[int, int]:
    ids = [item_id for item_id, _ in items]
    matrix = np.frombuffer(b"".join(sig for _, sig in items), dtype="<u4").reshape(
        len(items), NUM_PERM
    )
    parent = list(range(len(items)))
    buckets: dict[str, list[int]] = {}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, (_, sig) in enumerate(items):
        keys = band_keys[index] if band_keys is not None else bands(sig)
        candidates = sorted({other for key in keys for other in buckets.get(key, ())})
        if candidates:
            close = np.asarray(candidates)[
                (matrix[candidates] == matrix[index]).sum(axis=1) >= NEEDED
            ]
            for other in close.tolist():
                low, high = sorted((root(other), root(index)))
                parent[high] = low
        for key in keys:
            buckets.setdefault(key, []).append(index)
    groups: dict[int, list[int]] = {}
    for index in range(len(items)):
        groups.setdefault(root(index), []).append(ids[index])
    return {i: min(members) for members in groups.values() if len(members) > 1 for i in members}
