"""Where `dse` keeps caches on disk: compiled XLA executables, parsed and reduced traces, accuracy.

One folder, ``$DSE_CACHE_DIR`` (default ``~/.cache/dse``), with a sub-folder per kind;
``DSE_CACHE_DIR=off`` (or ``0``, ``none``, empty) disables every cache on disk, and
:func:`cache_dir` is the only place that decides it. The persistent compilation cache makes a
second run of the same model start in seconds instead of recompiling (every program is stored, so
a warm second run compiles nothing); set
``DSE_NO_COMPILE_CACHE=1`` to measure cold starts. The model's stages are also kept whole
(:func:`load_executable`, :func:`store_executable`, sub-folder ``exe``), keyed by the source of the
package (:func:`source_fingerprint`): a warm process loads them without tracing or lowering them.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle

__all__ = ["cache_dir", "disabled", "enable_compilation_cache", "source_fingerprint", "load_executable",
           "store_executable", "has_executable", "keeps_executables", "executable_turn",
           "executable_out_info"]


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


_FINGERPRINT: list = []


def source_fingerprint() -> str:
    """A hash of what a compiled stage depends on besides its name and argument shapes: every file
    of the ``dse`` package, the JAX and jaxlib versions, ``XLA_FLAGS``/``DSE_EXACT_CPU``, 64-bit mode
    and the devices."""
    if not _FINGERPRINT:
        import jax
        import jaxlib

        h = hashlib.blake2b(digest_size=16)
        root = os.path.dirname(os.path.abspath(__file__))
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for f in sorted(files):
                if not f.endswith((".pyc", ".pyo")):
                    h.update(os.path.relpath(os.path.join(folder, f), root).encode())
                    with open(os.path.join(folder, f), "rb") as fh:
                        h.update(fh.read())
        h.update(repr((jax.__version__, jaxlib.__version__, os.environ.get("XLA_FLAGS"),
                       os.environ.get("DSE_EXACT_CPU"), jax.config.jax_enable_x64,
                       [(d.platform, d.device_kind) for d in jax.devices()])).encode())
        _FINGERPRINT.append(h.hexdigest())
    return _FINGERPRINT[0]


def _executable_path(key) -> str | None:
    """Where the executable of ``key`` (a repr-stable tuple) is kept, or None when not kept: disk
    cache off, ``DSE_NO_COMPILE_CACHE`` set, several devices (sharded programs are compiled) or not
    a CPU (only XLA:CPU's serialized executables were checked here)."""
    if os.environ.get("DSE_NO_COMPILE_CACHE") or disabled():
        return None
    import jax

    devices = jax.devices()
    if len(devices) > 1 or devices[0].platform != "cpu":
        return None
    try:
        folder = cache_dir("exe")
    except OSError:
        return None
    name = hashlib.blake2b(repr((source_fingerprint(), key)).encode(), digest_size=20).hexdigest()
    return os.path.join(folder, name + ".exe")


def keeps_executables() -> bool:
    """Whether compiled stages are kept on disk (see :func:`_executable_path`)."""
    return _executable_path("probe") is not None


@contextlib.contextmanager
def executable_turn(key):
    """Exclusive among processes sharing the cache, per ``key``: the first compiles and stores the
    stage, the others wait and then load it (a lock file; without POSIX locks, no turns)."""
    path = _executable_path(key)
    try:
        import fcntl

        fh = open(path[:-4] + ".lock", "a")
    except (ImportError, OSError, TypeError):
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def has_executable(key) -> bool:
    """Whether :func:`load_executable` would find ``key``."""
    path = _executable_path(key)
    return path is not None and os.path.isfile(path)


def load_executable(key):
    """The compiled executable stored under ``key`` (``jax.stages.Compiled``), or None."""
    path = _executable_path(key)
    if path is None or not os.path.isfile(path):
        return None
    from jax.experimental.serialize_executable import deserialize_and_load

    try:
        with open(path, "rb") as f:
            payload, in_tree, out_tree, _ = pickle.load(f)
        return deserialize_and_load(payload, in_tree, out_tree)
    except Exception:  # noqa: BLE001  (a stale or corrupt file: compile again)
        return None


def executable_out_info(key):
    """The output shapes (``jax.ShapeDtypeStruct`` pytree) of the executable stored under ``key``,
    without loading it, or None."""
    path = _executable_path(key)
    if path is None or not os.path.isfile(path):
        return None
    import jax
    import numpy as np

    try:
        with open(path, "rb") as f:
            _, _, out_tree, specs = pickle.load(f)
        return jax.tree_util.tree_unflatten(out_tree, [jax.ShapeDtypeStruct(s, np.dtype(d)) for s, d in specs])
    except Exception:  # noqa: BLE001
        return None


def store_executable(key, compiled) -> None:
    """Keep ``compiled`` under ``key`` (atomically; errors leave the cache as it was)."""
    path = _executable_path(key)
    if path is None:
        return
    import tempfile

    import jax
    from jax.experimental.serialize_executable import serialize

    tmp = None
    try:
        specs = [(tuple(s.shape), str(s.dtype)) for s in jax.tree_util.tree_leaves(compiled.out_info)]
        data = pickle.dumps(serialize(compiled) + (specs,), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001  (not serializable, read-only or full disk: just not kept)
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
