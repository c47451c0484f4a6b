"""Where content is cut into chunks: FastCDC (``pyfastcdc``) for files, column chunks for Parquet.

Content-defined cut points depend only on nearby bytes, so after an append or an insertion every
chunk away from the edit keeps its bytes and its hash, and is stored (and sent) once.

* Files of ``CHUNK_MIN_FILE`` bytes or more: FastCDC 2020 with 256 KiB / 1 MiB / 4 MiB
  (min / average / max) chunks; smaller files stay whole objects.
* DataFrame snapshots (Parquet written by :func:`.snapshot.to_parquet_bytes`): hard cuts at every
  column chunk's boundaries (from the footer), then FastCDC with 8 / 32 / 128 KiB inside each
  column chunk. A snapshot with an added or changed column reuses every other column's chunks; one
  with appended rows reuses every data page before the old end of each column.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

__all__ = ["CHUNK_MIN_FILE", "FILE_CDC", "TABLE_CDC", "cdc_cuts", "parquet_cuts"]

CHUNK_MIN_FILE = 4 << 20  # files below this stay whole objects
FILE_CDC = (256 << 10, 1 << 20, 4 << 20)  # (min, avg, max) bytes
TABLE_CDC = (8 << 10, 32 << 10, 128 << 10)

Cut = tuple[int, int]  # (offset, length)


@lru_cache(maxsize=4)
def _chunker(params: tuple[int, int, int]) -> Any:
    from pyfastcdc import FastCDC

    lo, avg, hi = params
    return FastCDC(avg, min_size=lo, max_size=hi)


def cdc_cuts(buf: Any, params: tuple[int, int, int] = FILE_CDC, base: int = 0) -> Iterator[Cut]:
    """``(offset, length)`` of each FastCDC chunk of ``buf`` (bytes, memoryview or mmap), offset by ``base``."""
    if len(buf) == 0:
        return
    for chunk in _chunker(params).cut_buf(memoryview(buf)):
        yield base + chunk.offset, chunk.length


def _column_bounds(data: bytes) -> list[int]:
    """Byte offsets where column chunks start and end (plus 0 and the end) in a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    bounds = {0, len(data)}
    try:
        meta = pq.read_metadata(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError):
        return sorted(bounds)
    for r in range(meta.num_row_groups):
        group = meta.row_group(r)
        for c in range(group.num_columns):
            col = group.column(c)
            start = col.dictionary_page_offset if col.has_dictionary_page and col.dictionary_page_offset else None
            start = col.data_page_offset if start is None else min(start, col.data_page_offset)
            end = start + col.total_compressed_size
            if 0 < start < end <= len(data):
                bounds.update((start, end))
    return sorted(bounds)


def parquet_cuts(data: bytes) -> Iterator[Cut]:
    """Chunks of a Parquet file: column-chunk boundaries first, FastCDC inside each column chunk."""
    view = memoryview(data)
    bounds = _column_bounds(data)
    for start, end in zip(bounds, bounds[1:]):
        yield from cdc_cuts(view[start:end], TABLE_CDC, base=start)
