"""Caching of parsed trace files and of reduced layer statistics.

* Parsed trace files are kept in memory and on disk (``$DSE_CACHE_DIR/traces/parsed/*.npy``) as
  binary arrays, keyed by the file's content hash: a file is parsed once, then read back in
  milliseconds.
* Reduced statistics are kept in memory and on disk (``$DSE_CACHE_DIR/traces/*.npz``, default
  ``~/.cache/dse/traces``), keyed by the trace files' content hashes (or the synthetic model), the
  layer's shape and the structural key. Set ``DSE_CACHE_DIR=off`` to disable the disk cache.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

from dse.cache import cache_dir as _cache_dir
from dse.files import atomic_path
from dse.traces.reduce import LayerStats

__all__ = ["cache_dir", "get_stats", "put_stats", "clear_memory", "parsed", "parsed_file"]

#: bump when the reduction's output changes meaning
FORMAT_VERSION = 3

_STATS: dict = {}
_PARSED: dict = {}
_PARSED_BYTES = [0]
_PARSED_LIMIT = 1 << 30


def cache_dir() -> str | None:
    """Folder of the on-disk trace cache (``dse.cache.cache_dir("traces")``), or None if disabled."""
    return _cache_dir("traces", create=False)


def _name(key) -> str:
    return hashlib.blake2b(repr((FORMAT_VERSION, key)).encode(), digest_size=20).hexdigest()


def get_stats(key) -> LayerStats | None:
    """Statistics under ``key`` (any hashable repr-stable tuple) from memory, else disk, else None."""
    if key in _STATS:
        return _STATS[key]
    d = cache_dir()
    if d is None:
        return None
    path = os.path.join(d, _name(key) + ".npz")
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            st = LayerStats.from_arrays(z)
    except Exception:  # a corrupt or stale file: recompute
        return None
    _STATS[key] = st
    return st


def put_stats(key, st: LayerStats) -> None:
    """Store statistics in memory and (if enabled) on disk, atomically."""
    _STATS[key] = st
    d = cache_dir()
    if d is not None:
        _write_atomic(d, _name(key) + ".npz", lambda f: np.savez(f, **st.arrays()))


def _write_atomic(d: str, name: str, write) -> None:
    """``write(file)`` to ``d/name`` atomically (:func:`dse.files.atomic_path`); errors (read-only or
    full disk) leave the cache as it was."""
    try:
        with atomic_path(os.path.join(d, name)) as tmp, open(tmp, "wb") as f:
            write(f)
    except OSError:
        pass


def parsed_file(key, make) -> np.ndarray:
    """The array parsed from a trace file, under ``key`` (a repr-stable tuple holding the file's content
    hash): from memory, else from disk, else ``make()`` (then stored in both)."""
    if key in _PARSED:
        return _PARSED[key]
    d = cache_dir()
    path = None if d is None else os.path.join(d, "parsed", _name(key) + ".npy")
    if path is not None and os.path.isfile(path):
        try:
            return parsed(key, lambda: np.load(path, allow_pickle=False))
        except (OSError, ValueError):  # a corrupt file: parse again
            pass
    a = parsed(key, make)
    if path is not None:
        _write_atomic(os.path.dirname(path), os.path.basename(path), lambda f: np.save(f, a, allow_pickle=False))
    return a


def clear_memory() -> None:
    """Forget everything cached in memory (the disk cache stays)."""
    _STATS.clear()
    _PARSED.clear()
    _PARSED_BYTES[0] = 0


def parsed(key, make):
    """Memoize a parsed array under ``key`` (bounded total size)."""
    if key in _PARSED:
        return _PARSED[key]
    v = make()
    size = sum(getattr(a, "nbytes", 0) for a in (v if isinstance(v, tuple) else (v,)))
    if _PARSED_BYTES[0] + size > _PARSED_LIMIT:
        _PARSED.clear()
        _PARSED_BYTES[0] = 0
    _PARSED[key] = v
    _PARSED_BYTES[0] += size
    return v
