"""Data versioning: content-addressed objects, per-dataset manifests, lineage, remotes.

Pure Python (no IPython). The public functions live in :mod:`.api` and are re-exported by
:mod:`mlops_magics.data`. Layout under ``MLOPS_HOME/data``::

    objects/ab/cdef...      one read-only file per distinct content (BLAKE3): small files, folder trees
                            and the chunks of large files and snapshots
    chunklists/ab/cdef...   how to rebuild a large content from chunks, named by the whole content's hash
    manifests/NAME.json     every version of one dataset (human-readable)
    locks/NAME.lock         per-dataset lock for concurrent writers; locks/gc.lock: the gc gate
    writers/ID.lock         one per running add / pull; its temp files are tmp/ID.*
    statcache.json          (size, mtime, ctime, inode) -> hash, so unchanged files are not re-read
    tmp/                    files being written; renamed into objects/ only when complete
    views/                  read-only copies returned by ``load`` for non-tabular data
    summaries/HASH.json     drift reference summaries of tabular versions (made on first use)
"""

from __future__ import annotations

from .api import (add, checkout, diff, gc, lineage, list_datasets, load, log, pull, push, reference_summary,
                  verify, version_lineage)

__all__ = ["add", "checkout", "diff", "gc", "lineage", "list_datasets", "load", "log", "pull", "push",
           "reference_summary", "verify", "version_lineage"]
