"""Read a table file into a DataFrame, choosing the format by suffix: CSV, TSV or Parquet.

Compressed CSV / TSV (``.csv.gz``, ``.tsv.bz2``, ...) are read too. Every failure is one line saying what
to do: a missing file, a folder, an unsupported suffix, or content the parser rejects.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MlopsUsageError, first_line

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TABLE_SUFFIXES", "is_table_path", "read_table"]

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
_COMPRESSION = (".gz", ".bz2", ".zip", ".xz", ".zst")


def _format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
        fmt = TABLE_SUFFIXES.get(suffixes[-1]) if suffixes else None
        return fmt if fmt in ("csv", "tsv") else None
    return TABLE_SUFFIXES.get(suffixes[-1]) if suffixes else None


def is_table_path(text: str | Path) -> bool:
    """True when ``text`` ends like a table file this module reads (whether or not it exists)."""
    return _format(Path(text)) is not None


def read_table(path: str | Path) -> "pd.DataFrame":
    """A DataFrame from a CSV / TSV / Parquet file."""
    import pandas as pd

    p = Path(path).expanduser()
    fmt = _format(p)
    if fmt is None:
        raise MlopsUsageError(f"cannot read '{p.name}': use a .csv, .tsv or .parquet file")
    try:
        exists = p.exists()
    except OSError as exc:  # a name longer than the file system allows, a component that is a file
        raise MlopsUsageError(f"no file at '{str(p)[:120]}' ({exc.strerror}); check the path") from None
    if not exists:
        raise MlopsUsageError(f"no file at '{p}'; check the path")
    if p.is_dir():
        raise MlopsUsageError(f"'{p}' is a folder; give the path of a {fmt} file")
    try:
        if fmt == "parquet":
            return pd.read_parquet(p)
        return pd.read_csv(p, sep="\t" if fmt == "tsv" else ",", low_memory=False)
    except pd.errors.EmptyDataError:
        raise MlopsUsageError(f"'{p.name}' is empty; nothing to read") from None
    except PermissionError:
        raise MlopsUsageError(f"cannot read '{p}': permission denied") from None
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise MlopsUsageError(f"cannot read '{p.name}' as {fmt} ({first_line(exc)}); check the file") from None
