"""Which categories the reference has seen beyond the ones it keeps by name: a Bloom filter.

A reference keeps its most frequent categories by name and groups the rest as "(other)". Without knowing
which values are in that tail, a current value the reference never had looks like part of it: two columns
with disjoint categories (10,000 each) then show the same mass in "(other)" on both sides and no drift. So
the reference also keeps a Bloom filter of its tail categories (about 10 bits a category, false positives
near 1% up to 800,000 of them, at most 1 MiB); current values it has not seen are counted as "(new)".

Categories are hashed as text with ``pandas.util.hash_array`` (SipHash with a fixed key: the same on every
machine and run); the two 32-bit halves of that hash make seven probes (Kirsch and Mitzenmacher's double
hashing).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["SeenKeys"]

BITS_PER_KEY = 10
PROBES = 7
MAX_BITS = 1 << 23  # 1 MiB stored
MIN_BITS = 1 << 10
HASH_KEY = "mlops-seen-key-1"  # 16 bytes, as pandas' hash_key wants; changing it breaks stored summaries


def _probes(keys: Sequence[Any], n_bits: int) -> np.ndarray:
    """Bit positions, one row per key: the two halves of one 64-bit hash, combined PROBES times."""
    from pandas.util import hash_array

    text = np.asarray([str(k) for k in keys], dtype=object)
    h = hash_array(text, hash_key=HASH_KEY, categorize=False)
    h1, h2 = h & np.uint64(0xFFFFFFFF), (h >> np.uint64(32)) | np.uint64(1)
    i = np.arange(PROBES, dtype=np.uint64)
    return ((h1[:, None] + i[None, :] * h2[:, None]) % np.uint64(n_bits)).astype(np.int64)


@dataclass(frozen=True)
class SeenKeys:
    """A Bloom filter over category keys (``contains`` may say yes for about 1% of unseen keys)."""

    bits: np.ndarray  # packed, uint8
    n_bits: int
    n_keys: int

    @classmethod
    def build(cls, keys: Sequence[Any]) -> "SeenKeys":
        n_bits = int(min(MAX_BITS, max(MIN_BITS, 1 << int(len(keys) * BITS_PER_KEY - 1).bit_length())))
        flags = np.zeros(n_bits, dtype=bool)
        if len(keys):
            flags[_probes(keys, n_bits).ravel()] = True
        return cls(np.packbits(flags), n_bits, len(keys))

    def contains(self, keys: Sequence[Any]) -> np.ndarray:
        """A boolean per key: True when the reference (probably) had it."""
        if not len(keys):
            return np.zeros(0, dtype=bool)
        flags = np.unpackbits(self.bits, count=self.n_bits).astype(bool)
        return flags[_probes(keys, self.n_bits)].all(axis=1)

    def to_dict(self) -> dict[str, Any]:
        return {"bits": base64.b64encode(self.bits.tobytes()).decode("ascii"), "n_bits": self.n_bits,
                "n_keys": self.n_keys}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SeenKeys":
        bits = np.frombuffer(base64.b64decode(d["bits"]), dtype=np.uint8)
        return cls(bits, int(d["n_bits"]), int(d["n_keys"]))
