"""Where `dse` keeps caches: compiled XLA executables and reduced traces.

``$DSE_CACHE_DIR`` (default ``~/.cache/dse``). The persistent compilation cache makes a
second run of the same model start in seconds instead of recompiling; set
``DSE_NO_COMPILE_CACHE=1`` to measure cold starts. ``DSE_CACHE_DIR=off`` disables every cache
on disk.
"""
from __future__ import annotations

import os


def disabled() -> bool:
    """True when ``$DSE_CACHE_DIR`` is ``off`` (or ``0``, ``none``): no cache on disk."""
    v = os.environ.get("DSE_CACHE_DIR")
    return v is not None and v.strip().lower() in ("", "off", "0", "none")


def cache_dir(*parts: str) -> str:
    """The cache folder (created), or a sub-folder of it."""
    base = os.environ.get("DSE_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "dse")
    path = os.path.join(base, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def enable_compilation_cache() -> str | None:
    """Turn on JAX's persistent compilation cache under :func:`cache_dir` (unless disabled)."""
    if os.environ.get("DSE_NO_COMPILE_CACHE") or disabled():
        return None
    import jax

    try:
        path = cache_dir("xla")
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return path
