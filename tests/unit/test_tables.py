"""read_table: CSV / TSV / Parquet by suffix, one-line errors otherwise."""

from __future__ import annotations

import pandas as pd
import pytest

from mlops_magics.core.errors import MlopsUsageError
from mlops_magics.core.backend.table_files import is_table_path, read_table


def test_reads_csv_tsv_parquet_and_compressed_csv(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    df.to_csv(tmp_path / "t.csv.gz", index=False)
    df.to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.tsv", "t.csv.gz", "t.parquet"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), df)
    assert is_table_path("x.PARQUET") and not is_table_path("x.txt")


@pytest.mark.parametrize("name,content,message", [
    ("missing.csv", None, "no file at"),
    ("t.txt", "a", "use a .csv, .tsv or .parquet"),
    ("empty.csv", "", "is empty"),
    ("broken.parquet", "not parquet", "cannot read 'broken.parquet' as parquet"),
])
def test_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(MlopsUsageError, match=message) as info:
        read_table(path)
    assert "\n" not in str(info.value)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(MlopsUsageError, match="is a folder"):
        read_table(tmp_path / "d.csv")
