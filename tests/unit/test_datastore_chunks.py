"""Chunked storage: large files and DataFrame snapshots store only what changed, and read back verified."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from blake3 import blake3

from mlops_magics import data
from mlops_magics.core.datastore.chunking import CHUNK_MIN_FILE
from mlops_magics.core.datastore.repo import open_repo
from mlops_magics.core.errors import StoreError
from data_files import write

MiB = 1 << 20


def payload(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def store_bytes(home: Path) -> int:
    """Bytes of every object and chunk list in the store."""
    root = home / "data"
    return sum(p.stat().st_size for sub in ("objects", "chunklists") for p in (root / sub).rglob("*") if p.is_file())


def test_large_file_is_chunked_and_versions_store_only_new_chunks(mlops_home):
    base = payload(24 * MiB, 1)
    big = write(Path("big.bin"), base)
    first = data.add(big)
    v1 = first.version
    assert v1.hash == blake3(base).hexdigest()  # the version's identity is still the whole content's hash
    assert v1.chunks and v1.chunks > 5 and first.stored_bytes == len(base)
    repo = open_repo()
    assert repo.content.is_chunked(v1.hash) and not repo.objects.has(v1.hash)
    assert sum(s for _, s in repo.content.chunk_list(v1.hash).chunks) == len(base)

    write(big, base + payload(MiB // 4, 2))  # append 1%
    appended = data.add(big)
    assert appended.version.version == 2
    assert appended.stored_bytes < MiB // 4 + 4 * MiB + 1  # the new bytes plus at most the old last chunk
    middle = base[: 10 * MiB] + payload(MiB // 4, 3) + base[10 * MiB:]
    write(big, middle)
    inserted = data.add(big)
    assert inserted.stored_bytes < MiB // 4 + 8 * MiB  # the insertion and at most the chunks around it
    assert store_bytes(mlops_home) < 1.6 * len(base)  # three versions, not three copies

    assert data.checkout("big@v1", to="v1.bin").written == 1 and Path("v1.bin").read_bytes() == base
    assert data.load("big@v3").read_bytes() == middle
    assert data.verify() == []


def test_small_files_stay_whole_objects(mlops_home):
    small = write(Path("small.bin"), payload(CHUNK_MIN_FILE - 1, 4))
    version = data.add(small).version
    repo = open_repo()
    assert version.chunks is None and repo.objects.has(version.hash) and not repo.content.is_chunked(version.hash)


def test_a_corrupted_chunk_is_caught_on_checkout_and_by_verify(mlops_home):
    big = write(Path("big.bin"), payload(8 * MiB, 5))
    version = data.add(big).version
    repo = open_repo()
    chunk = repo.content.chunk_list(version.hash).chunks[1][0]
    path = repo.objects.path(chunk)
    os.chmod(path, 0o644)
    with open(path, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff\x00corrupt")
    with pytest.raises(StoreError, match=f"content {version.hash[:12]} is corrupted \\(chunk {chunk[:12]}"):
        data.checkout("big", to="out.bin")
    assert not Path("out.bin").exists()  # nothing half-written is left where the user looks
    assert f"object {chunk[:12]} is corrupted" in data.verify()


def test_folder_with_a_large_file_chunks_it(mlops_home):
    write(Path("d/big.bin"), payload(6 * MiB, 6))
    write(Path("d/small.txt"), b"hello")
    version = data.add("d").version
    repo = open_repo()
    entries = {rel: h for rel, h, _ in repo.tree(version)}
    assert repo.content.is_chunked(entries["big.bin"]) and repo.objects.has(entries["small.txt"])
    write(Path("d/big.bin"), payload(6 * MiB, 6) + b"tail")
    again = data.add("d")
    assert again.version.version == 2 and again.stored_bytes < 4 * MiB + 10
    out = data.load("d@v1")
    assert (out / "big.bin").read_bytes() == payload(6 * MiB, 6) and (out / "small.txt").read_bytes() == b"hello"


def frame(rows: int, seed: int, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": rng.normal(size=rows), "y": rng.normal(size=rows), "k": rng.integers(0, 1000, size=rows),
        "s": [f"id_{v}" for v in rng.integers(0, 5000, size=rows)],
    }, index=pd.RangeIndex(start, start + rows))


def test_dataframe_appends_and_new_columns_reuse_chunks(mlops_home):
    df = frame(400_000, 1)
    first = data.add(df, name="feat")
    assert first.version.chunks and first.version.size > CHUNK_MIN_FILE
    one = store_bytes(mlops_home)
    for i in range(5):  # five appends of 1%
        df = pd.concat([df, frame(4_000, 10 + i, start=len(df))])
        result = data.add(df, name="feat")
        assert result.version.version == i + 2
        assert result.stored_bytes < 0.05 * one
    assert store_bytes(mlops_home) < 1.3 * one
    with_column = df.assign(z=df["x"] * 2)
    added = data.add(with_column, name="feat")
    new_column = 8 * len(df)  # random float64s do not compress
    assert added.stored_bytes < 1.1 * new_column + 256 * 1024  # the new column, not the whole frame again
    pd.testing.assert_frame_equal(data.load("feat@v1"), frame(400_000, 1))
    pd.testing.assert_frame_equal(data.load("feat"), with_column)
    assert data.add(with_column, name="feat").unchanged  # the full-content fingerprint still decides


def test_progress_reports_counts_and_bytes(mlops_home):
    from mlops_magics.progress import TqdmProgress

    big = write(Path("big.bin"), payload(20 * MiB, 7))
    events = []
    data.add(big, progress=events.append)
    assert events[0].stage == "add" and events[0].label == "big.bin"
    assert events[-1].done and events[-1].bytes == events[-1].bytes_total == 20 * MiB
    assert events[-1].items == events[-1].items_total > 5
    assert all(a.bytes <= b.bytes for a, b in zip(events, events[1:]))

    out = io.StringIO()
    write(big, payload(20 * MiB, 8))
    data.add(big, progress=TqdmProgress(file=out, mininterval=0))
    text = out.getvalue()
    assert "add big.bin" in text and "100%" in text and "objects" in text
    silent = io.StringIO()
    assert data.add(big, progress=TqdmProgress(file=silent)).unchanged and silent.getvalue() == ""
