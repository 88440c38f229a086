"""Ahead-of-time compilation of the model's stages: cached by argument shapes, in parallel, on big stacks.

The hardware model lowers to large XLA programs (tens of thousands of operations per stage). Two
practical consequences are handled here:

* XLA's compiler recurses deeply on such graphs; on a default 8 MiB thread stack it can overflow
  (a segmentation fault). Compilation therefore runs in a worker thread with a 1 GiB stack
  (address space only; pages are committed as used).
* Compilation is single-threaded per program and releases the GIL, so the area and performance
  stages compile concurrently (:func:`compile_async`), while the caller reduces traces.

Every stage compiles with the exactness options of :mod:`dse.exact` (no algebraic simplifier).
When JAX sees several devices (GPUs, or CPU devices forced with
``XLA_FLAGS=--xla_force_host_platform_device_count=N``), a stage marked with :func:`batched` is
compiled with its batch axis sharded across them (``jax.sharding``; the other arguments
replicated): each device computes its share of the points with the same program, so results are
identical to one device's. A sharded program holds collectives (a vmapped ``while_loop`` agrees
on its stopping condition through an all-reduce each iteration), so sharded executables run one
call at a time (:class:`Serialized`): two in flight at once, dispatched from different threads,
could meet the devices at different collectives and deadlock XLA:CPU's rendezvous. (Splitting
with ``jax.shard_map`` instead, collective-free, changed the last bit of some results.) With one
device nothing changes.
Compiled executables are kept per (stage, argument shapes and dtypes, static structure): a second
batch with the same shapes compiles nothing (:func:`compiled_count` lets tests check it), and the
persistent XLA cache (:mod:`dse.cache`) serves later processes.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import threading
from typing import Any, Callable

import jax
import numpy as np

from dse.exact import COMPILER_OPTIONS as EXACT_OPTIONS

__all__ = ["batched", "lower_async", "compile_async", "compiled", "compiled_count", "on_big_stack",
           "on_big_stack_async"]

_STACK = 1 << 30
_LOCK = threading.Lock()
_FUTURES: dict = {}
_LOWERED: dict = {}
_POOL = None


class _BigStackExecutor:
    """Runs each task on a new thread with a 1 GiB stack (threads are cheap next to a compile)."""

    _lock = threading.Lock()

    def submit(self, fn, *args, **kwargs) -> cf.Future:
        fut: cf.Future = cf.Future()

        def run():
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as e:  # noqa: BLE001  (re-raised by the caller of result())
                fut.set_exception(e)

        with self._lock:
            old = threading.stack_size()
            threading.stack_size(_STACK)
            try:
                threading.Thread(target=run, name="dse-compile", daemon=True).start()
            finally:
                threading.stack_size(old)
        return fut


def _pool() -> _BigStackExecutor:
    global _POOL
    if _POOL is None:
        _POOL = _BigStackExecutor()
    return _POOL


def on_big_stack(fn: Callable, *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)`` run on a worker thread with a 1 GiB stack; exceptions propagate."""
    return _pool().submit(fn, *args, **kwargs).result()


def on_big_stack_async(fn: Callable, *args, **kwargs) -> cf.Future:
    """Like :func:`on_big_stack`, returning a future."""
    return _pool().submit(fn, *args, **kwargs)


def _signature(args) -> tuple:
    leaves, tree = jax.tree_util.tree_flatten(args)
    return (tree, tuple((tuple(getattr(x, "shape", ())), str(getattr(x, "dtype", type(x)))) for x in leaves))


def _spec(x):
    return jax.ShapeDtypeStruct(x.shape, x.dtype) if hasattr(x, "shape") else x


def _key(name: str, fn: Callable, args) -> tuple:
    """Cache key of a stage: its name, the function's ``dse_key`` attribute (static configuration
    that the argument shapes do not show, if any) and the arguments' signature."""
    return (name, getattr(fn, "dse_key", None), _signature(args))


def batched(fn: Callable, *positions: int) -> Callable:
    """Mark ``fn``'s positional arguments ``positions`` as batched (every leaf's leading axis is the
    batch): with several devices the batch is sharded across them. Returns ``fn``."""
    fn.dse_batch_args = tuple(positions)
    return fn


def _shardings(fn: Callable, args) -> tuple | None:
    """Shardings of ``fn``'s arguments and outputs: its batched arguments and every output (vmapped:
    all batched) split over the largest number of devices that divides the batch, the other
    arguments replicated; None with one device (or an unmarked stage)."""
    positions = getattr(fn, "dse_batch_args", None)
    devices = jax.devices()
    if not positions or len(devices) < 2:
        return None
    size = jax.tree_util.tree_leaves(args[positions[0]])[0].shape[0]
    k = max(d for d in range(1, len(devices) + 1) if size % d == 0)
    if k < 2:
        return None
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(devices[:k]), ("batch",))
    split, whole = NamedSharding(mesh, PartitionSpec("batch")), NamedSharding(mesh, PartitionSpec())
    return tuple(split if i in positions else whole for i in range(len(args))), split


_DISPATCH = threading.Lock()


class Serialized:
    """A sharded executable run one call at a time across the process: a call takes a process-wide
    lock, dispatches and waits for its outputs. A sharded stage holds collectives (a vmapped
    ``while_loop`` agrees on its stopping condition through an all-reduce each iteration); two
    sharded calls in flight at once (stages dispatched from several threads, asynchronously) could
    meet the devices at different collectives and deadlock XLA:CPU's rendezvous. Other attributes
    are the executable's (``input_shardings``, ``out_info``, ``as_text``)."""

    def __init__(self, exe):
        self.executable = exe

    def __call__(self, *args):
        with _DISPATCH:
            return jax.block_until_ready(self.executable(*args))

    def __getattr__(self, name):
        if name == "executable":        # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.executable, name)


def lower_async(name: str, fn: Callable, *args) -> cf.Future:
    """Start lowering ``jax.jit(fn)`` for arguments shaped like ``args`` (arrays or
    ``ShapeDtypeStruct``); a future of the ``Lowered`` (its ``out_info`` gives the output shapes)."""
    key = _key(name, fn, args)
    with _LOCK:
        fut = _LOWERED.get(key)
        if fut is None:
            specs = jax.tree_util.tree_map(_spec, args)
            shardings = _shardings(fn, specs)
            jitted = jax.jit(fn) if shardings is None else jax.jit(fn, in_shardings=shardings[0],
                                                                   out_shardings=shardings[1])
            fut = _LOWERED[key] = _pool().submit(lambda: jitted.lower(*specs))
    return fut


def compile_async(name: str, fn: Callable, *args) -> cf.Future:
    """Start compiling ``jax.jit(fn)`` for arguments shaped like ``args``; returns a future of the
    compiled executable (one per signature, shared)."""
    key = _key(name, fn, args)
    with _LOCK:
        fut = _FUTURES.get(key)
        if fut is not None:
            return fut
    low = lower_async(name, fn, *args)
    with _LOCK:
        fut = _FUTURES.get(key)
        if fut is None:
            split = _shardings(fn, jax.tree_util.tree_map(_spec, args)) is not None
            fut = _FUTURES[key] = _pool().submit(lambda: _compile_once(low.result(), key, split))
    return fut


def _compile_once(lowered, key: tuple, split: bool = False):
    """:func:`_compile` of ``lowered``, wrapped in :class:`Serialized` when ``split`` (sharded)."""
    exe = _compile(lowered, key)
    return Serialized(exe) if split else exe


def _compile(lowered, key: tuple):
    """``lowered`` compiled with the exactness options. With the persistent cache on, processes sharing
    it (Dask workers, several ``dse run``) take turns per stage (an exclusive lock file beside the
    cache): the first compiles and stores the executable, the others then load it instead of
    compiling the same program at the same time."""
    folder = jax.config.jax_compilation_cache_dir
    if not folder:
        return lowered.compile(EXACT_OPTIONS)
    try:
        import fcntl

        os.makedirs(os.path.join(folder, "locks"), exist_ok=True)
        name = hashlib.blake2b(repr((key[0], key[2])).encode(), digest_size=12).hexdigest()   # stage, shapes
        fh = open(os.path.join(folder, "locks", name + ".lock"), "a")
    except (ImportError, OSError):      # not POSIX, or a read-only cache: compile without turns
        return lowered.compile(EXACT_OPTIONS)
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        return lowered.compile(EXACT_OPTIONS)


def compiled(name: str, fn: Callable, *args):
    """The compiled executable of ``jax.jit(fn)`` for ``args``' shapes (compiling it if needed)."""
    return compile_async(name, fn, *args).result()


def compiled_count(name: str | None = None) -> int:
    """How many executables have been compiled (for ``name``, or all stages)."""
    with _LOCK:
        return sum(1 for k in _FUTURES if name is None or k[0] == name)
