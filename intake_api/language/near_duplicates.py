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

import mmh3
import numpy as np
from datasketch import MinHash

from intake_api.language.normalise import fold

NUM_PERM = 64
BANDS, ROWS = 16, 4  # 16 x 4 = 64: candidates from about 0.5 similarity
THRESHOLD = 0.6
SHINGLE = 5
_SEED = 2026
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _hash(data: bytes) -> int:
    return mmh3.hash(data, _SEED, signed=False)


def shingles(text: str) -> set[bytes]:
    flat = _NOT_WORD.sub(" ", fold(text)).strip()
    if len(flat) <= SHINGLE:
        return {flat.encode()} if flat else set()
    return {flat[i : i + SHINGLE].encode() for i in range(len(flat) - SHINGLE + 1)}


def signature(text: str) -> bytes:
    """The MinHash signature of a text, as stored with it (NUM_PERM unsigned 32-bit values)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_hash)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype("<u4").tobytes()


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def bands(sig: bytes) -> list[str]:
    """The band keys under which a signature is indexed: "band:hash"."""
    values = _values(sig)
    return [f"{b}:{mmh3.hash(values[b * ROWS:(b + 1) * ROWS].tobytes(), _SEED, signed=False):08x}"
            for b in range(BANDS)]  # fmt: skip


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.mean(_values(a) == _values(b)))


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
        for key in bands(sig):
            for other in buckets.setdefault(key, []):
                if root(other) != root(item_id) and similarity(sig, signatures[other]) >= THRESHOLD:
                    low, high = sorted((root(other), root(item_id)))
                    parent[high] = low
            buckets[key].append(item_id)
    groups: dict[int, list[int]] = {}
    for item_id in parent:
        groups.setdefault(root(item_id), []).append(item_id)
    return {i: min(members) for members in groups.values() if len(members) > 1 for i in members}
