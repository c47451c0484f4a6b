"""checkout restores versions and never destroys content that is not stored in some version."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from mlops_magics import data
from mlops_magics.core.errors import MlopsUsageError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_checkout_file_restores_and_protects_unstored_edits(mlops_home):
    path = write(Path("data/train.csv"), "a\n1\n")
    data.add(path)
    write(path, "a\n1\n2\n")
    data.add(path)

    restored = data.checkout("train@v1")
    assert path.read_text() == "a\n1\n" and restored.written == 1
    assert "train@v1 -> " in repr(restored)
    assert data.checkout("train@v1").unchanged == 1

    write(path, "precious unsaved work\n")
    with pytest.raises(MlopsUsageError, match="not stored in any version; add it first .* or pass --force"):
        data.checkout("train@v2")
    assert path.read_text() == "precious unsaved work\n"

    data.checkout("train@v2", force=True)
    assert path.read_text() == "a\n1\n2\n"


def test_checkout_to_another_path_and_into_a_folder(mlops_home):
    write(Path("x.txt"), "x1")
    data.add("x.txt")
    data.checkout("x", to="copy.txt")
    assert Path("copy.txt").read_text() == "x1"
    Path("outdir").mkdir()
    assert data.checkout("x", to="outdir").target == Path("outdir/x.txt").resolve()
    assert Path("outdir/x.txt").read_text() == "x1"
    assert os.access("outdir/x.txt", os.W_OK) and oct(os.stat("outdir/x.txt").st_mode)[-3:] == "644"


def test_checkout_dataframe_writes_parquet(mlops_home):
    df = pd.DataFrame({"a": [1, 2]})
    data.add(df, name="frame")
    result = data.checkout("frame")
    assert result.target.name == "frame.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(result.target), df)


def test_checkout_folder_replaces_stored_files_and_refuses_unstored_ones(mlops_home):
    write(Path("imgs/a.txt"), "a1")
    write(Path("imgs/b.txt"), "b1")
    data.add("imgs")
    write(Path("imgs/a.txt"), "a2")
    write(Path("imgs/c.txt"), "c2")
    data.add("imgs")

    result = data.checkout("imgs@v1")  # a2 and c2 are stored in v2: safe to replace / remove
    assert (result.written, result.unchanged, result.removed) == (1, 1, 1)
    assert sorted(p.name for p in Path("imgs").iterdir()) == ["a.txt", "b.txt"]
    assert Path("imgs/a.txt").read_text() == "a1"

    write(Path("imgs/new.txt"), "never added")
    write(Path("imgs/b.txt"), "edited, never added")
    with pytest.raises(MlopsUsageError, match=r"would overwrite .*(b|new)\.txt.* not stored in any version"):
        data.checkout("imgs@v2")
    assert Path("imgs/new.txt").read_text() == "never added"
    assert Path("imgs/b.txt").read_text() == "edited, never added"

    data.checkout("imgs@v2", force=True)
    assert sorted(p.name for p in Path("imgs").iterdir()) == ["a.txt", "b.txt", "c.txt"]
    assert Path("imgs/b.txt").read_text() == "b1"


def test_checkout_unknown_version_is_one_line_error(mlops_home):
    write(Path("x.txt"), "x")
    data.add("x.txt")
    with pytest.raises(MlopsUsageError, match=r"^'x@v5' does not exist; versions are v1\.\.v1$"):
        data.checkout("x@v5")
