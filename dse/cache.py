"""Where `dse` keeps caches on disk: compiled XLA executables, parsed and reduced traces, accuracy.

One folder, ``$DSE_CACHE_DIR`` (default ``~/.cache/dse``), with a sub-folder per kind;
``DSE_CACHE_DIR=off`` (or ``0``, ``none``, empty) disables every cache on disk, and
:func:`cache_dir` is the only place that decides it. The persistent compilation cache makes a
second run of the same model start in seconds instead of recompiling (every program is stored, so
a warm second run compiles nothing); set
``DSE_NO_COMPILE_CACHE=1`` to measure cold starts.
"""
from __future__ import annotations

import os

__all__ = ["cache_dir", "disabled", "enable_compilation_cache"]


def disabled() -> bool:
    """True when ``$DSE_CACHE_DIR`` is ``off`` (or ``0``, ``none``, empty): no cache on disk."""
    v = os.environ.get("DSE_CACHE_DIR")
    return v is not None and v.strip().lower() in ("", "off", "0", "none")


def cache_dir(*parts: str, create: bool = True) -> str | None:
    """The cache folder, or its sub-folder ``parts`` (created unless ``create`` is false); None when
    the disk cache is disabled."""
    if disabled():
        return None
    base = os.environ.get("DSE_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "dse")
    path = os.path.join(base, *parts)
    if create:
        os.makedirs(path, exist_ok=True)
    return path


def enable_compilation_cache() -> str | None:
    """Turn on JAX's persistent compilation cache under :func:`cache_dir` (unless disabled)."""
    if os.environ.get("DSE_NO_COMPILE_CACHE"):
        return None
    try:
        path = cache_dir("xla")
    except OSError:
        return None
    if path is None:
        return None
    import jax

    jax.config.update("jax_compilation_cache_dir", path)
    # every program, however small: the eager host steps' few dozen small programs would otherwise
    # be compiled again by every process (a warm run compiles nothing; tests/test_warm_run.py)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return path
