"""Tabular files (CSV / TSV / Parquet): shape and schema at add time (reading is ``core.tables``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..backend.table_files import TABLE_SUFFIXES

__all__ = ["inspect_table", "table_format"]


def table_format(path: str | Path | None) -> str | None:
    """``csv`` / ``tsv`` / ``parquet`` from a file name, else None."""
    if not path:
        return None
    return TABLE_SUFFIXES.get(Path(path).suffix.lower())


def _dtype_name(arrow_type: Any) -> str:
    """The pandas dtype an Arrow column becomes (``int64``, ``float64``, ``object``, ``category``...)."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return "category"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "object"
    try:
        return str(np.dtype(arrow_type.to_pandas_dtype()))
    except (NotImplementedError, TypeError):
        return str(arrow_type)


def inspect_table(path: Path, fmt: str) -> tuple[int | None, int | None, dict[str, str] | None]:
    """``(rows, columns, schema)`` of a tabular file; ``(None, None, None)`` if it does not parse."""
    import pyarrow as pa

    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            meta = pq.read_metadata(path)
            schema = meta.schema.to_arrow_schema()
            return meta.num_rows, len(schema), {f.name: _dtype_name(f.type) for f in schema}
        import pyarrow.csv as pcsv

        parse = pcsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
        table = pcsv.read_csv(path, parse_options=parse)
        return table.num_rows, table.num_columns, {f.name: _dtype_name(f.type) for f in table.schema}
    except (pa.ArrowException, OSError, ValueError):
        return None, None, None
