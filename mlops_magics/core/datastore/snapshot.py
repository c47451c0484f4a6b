"""DataFrames: a full-content fingerprint (every row) and a deterministic Parquet snapshot.

The fingerprint hashes the raw column buffers with BLAKE3 instead of hashing rows one by one:
numeric, boolean and datetime columns are hashed in place (no copy), strings through their Arrow
offsets and data buffers. About 0.2 s for 1M rows x 20 columns; MLflow's ``from_pandas`` digest
looks at the first 10,000 rows only.
"""

from __future__ import annotations

import io
import json
from typing import Any

from blake3 import blake3

from ..errors import MlopsUsageError

__all__ = ["dataframe_schema", "fingerprint", "is_dataframe", "to_parquet_bytes"]

_NUMPY_KINDS = "biufcmM"
SNAPSHOT_ROW_GROUP = 1 << 22  # rows
SNAPSHOT_PAGE = 64 << 10  # bytes


def is_dataframe(obj: Any) -> bool:
    """True for a pandas DataFrame (without importing pandas if it is not loaded)."""
    import sys

    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _update(h: blake3, tag: str, buf: Any) -> None:
    import numpy as np

    arr = np.ascontiguousarray(buf)
    h.update(f"{tag}:{arr.dtype.str}:{arr.size}\0".encode())
    h.update(arr.reshape(-1).view(np.uint8))


def _hash_arrow_strings(h: blake3, arr: Any) -> bool:
    """Hash an Arrow string/binary array exactly (offsets rebased, data sliced); False if not one."""
    import numpy as np
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_binary(t):
        width = np.int32
    elif pa.types.is_large_string(t) or pa.types.is_large_binary(t):
        width = np.int64
    else:
        return False
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    start, end = (int(offsets[0]), int(offsets[-1])) if len(offsets) else (0, 0)
    _update(h, "nulls", arr.is_null().to_numpy(zero_copy_only=False))
    _update(h, "offsets", (offsets - start).astype(np.int64))
    data = np.frombuffer(data_buf, dtype=np.uint8)[start:end] if data_buf is not None else np.empty(0, np.uint8)
    _update(h, "data", data)
    return True


def _hash_values(h: blake3, values: Any) -> None:
    """Hash one column's values (a pandas Series / Index / array)."""
    import numpy as np
    import pandas as pd

    arr = values.array if hasattr(values, "array") else values
    dtype = arr.dtype
    if isinstance(arr, np.ndarray) and dtype.kind in _NUMPY_KINDS:
        _update(h, "np", arr)
    elif isinstance(arr, pd.api.extensions.ExtensionArray) and hasattr(arr, "asi8"):
        _update(h, "i8", arr.asi8)  # datetimes (naive / tz-aware), timedeltas, periods
    elif isinstance(dtype, pd.CategoricalDtype):
        _update(h, "codes", arr.codes)
        _hash_values(h, dtype.categories)
    elif getattr(dtype, "kind", "O") in "biuf" and hasattr(dtype, "numpy_dtype"):
        mask = np.asarray(arr.isna())
        _update(h, "nulls", mask)
        _update(h, "masked", arr.to_numpy(dtype=dtype.numpy_dtype, na_value=0))
    else:
        import pyarrow as pa

        try:
            converted = pa.array(arr, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            converted = None
        if converted is None or not _hash_arrow_strings(h, converted):
            _update(h, "hashed", pd.util.hash_array(np.asarray(arr, dtype=object)))


def fingerprint(df: Any) -> str:
    """A BLAKE3 fingerprint of a DataFrame's full content: columns, dtypes, index, every value."""
    import pandas as pd

    h = blake3(max_threads=blake3.AUTO)
    index = df.index
    header = {
        "columns": [repr(c) for c in df.columns],
        "dtypes": [str(t) for t in df.dtypes],
        "shape": list(df.shape),
        "index": [type(index).__name__, str(index.dtype), [repr(n) for n in index.names]],
    }
    if isinstance(index, pd.RangeIndex):
        header["range"] = [index.start, index.stop, index.step]
    h.update(b"mlops-dataframe-v1\0" + json.dumps(header).encode() + b"\0")
    for i in range(df.shape[1]):
        _hash_values(h, df.iloc[:, i])
    if not isinstance(index, pd.RangeIndex):
        for level in range(index.nlevels):
            _hash_values(h, index.get_level_values(level))
    return h.hexdigest()


def dataframe_schema(df: Any) -> dict[str, str]:
    """Column name -> pandas dtype name."""
    return {str(c): str(t) for c, t in df.dtypes.items()}


def to_parquet_bytes(df: Any) -> bytes:
    """A deterministic Parquet snapshot (same frame, same library versions -> same bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not all(isinstance(c, str) for c in df.columns):
        raise MlopsUsageError(
            "cannot snapshot a DataFrame with non-string column names; rename them: df.columns = df.columns.astype(str)"
        )
    if df.columns.has_duplicates:
        raise MlopsUsageError("cannot snapshot a DataFrame with duplicate column names; make them unique first")
    try:
        table = pa.Table.from_pandas(df, preserve_index=None)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        last = str(exc.args[-1]) if exc.args else type(exc).__name__  # arrow puts the column in the last arg
        first = last.splitlines()[0] if last else type(exc).__name__
        raise MlopsUsageError(
            f"cannot snapshot the DataFrame as Parquet ({first}); convert mixed object columns with .astype(str)"
        ) from None
    buf = io.BytesIO()
    # One row group up to 4Mi rows and 64 KiB pages: appended rows leave every earlier page's bytes
    # as they were, so the snapshot's chunks (chunking.parquet_cuts) are reused by the next version.
    pq.write_table(table, buf, compression="zstd", write_statistics=True, row_group_size=SNAPSHOT_ROW_GROUP,
                   data_page_size=SNAPSHOT_PAGE)
    return buf.getvalue()
