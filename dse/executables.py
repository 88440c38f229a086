"""The model's stages as compiled executables: each stage of :mod:`dse.model` lifted to batches with
``jax.vmap`` and compiled ahead of time (:mod:`dse.compile`, one executable per argument shapes).

:class:`Executables` starts the compilations of one evaluation as early as their shapes are known,
so that they overlap the trace reduction: the subarray stage first, the area stage after it, the
performance stage once the tables' sizes are known (one compilation at a time beside the
reduction: on two cores a third concurrent task slows the reduction the performance stage waits
for).

The performance stage's inputs are a :class:`dse.model.PerformanceInputs`; how each field reaches a
call follows from its value in the plan's template (:meth:`dse.plan.Plan.performance_inputs`):
per-point arrays are packed on the host into one float64 matrix (:class:`dse.pytree.Packing`, a
call's points are one row gather), per-point inputs computed for each call's points come as
:class:`ByRows`, per-call inputs as values or :class:`ByKey` (one per structural key).
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import dataclasses
import functools
import os
import re
import threading
from typing import Any, Callable, Sequence

import jax
import numpy as np

from dse import cache
from dse import compile as C
from dse.exact import COMPILER_OPTIONS as EXACT_OPTIONS
from dse.pytree import Packing

#: points per compiled call of the performance stage (points are grouped by structural key)
PERF_BATCH = 128
#: distinct column parameters per compiled call of the column stage
COLUMN_BATCH = 32


_STAGES: dict = {}
_STAGES_LOCK = threading.Lock()
#: stages loaded whole from the executable store (:func:`dse.cache.load_executable`), by name
LOADED: collections.Counter = collections.Counter()


#: stages compiled by this process through the executable store, by name
COMPILED: collections.Counter = collections.Counter()
_HERE = threading.local()


def _stage_key(name: str, fn: Callable, args) -> tuple:
    """The stage's name, static configuration and argument structure and shapes, as text that is the
    same in every process (functions named without their addresses)."""
    leaves, tree = jax.tree_util.tree_flatten(args)
    shapes = tuple((tuple(getattr(x, "shape", ())), str(getattr(x, "dtype", type(x).__name__))) for x in leaves)
    return name, _ADDRESS.sub("", repr(getattr(fn, "dse_key", None))), _ADDRESS.sub("", str(tree)), shapes


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def compile_stage(name: str, fn: Callable, *args) -> cf.Future:
    """A future of the stage ``jax.jit(fn)`` compiled for arguments shaped like ``args``: loaded whole
    from the executable store when this source compiled it before (no tracing, no lowering), else
    compiled (:func:`dse.compile.compile_async`) and stored."""
    key = _stage_key(name, fn, args)
    with _STAGES_LOCK:
        fut = _STAGES.get(key)
        if fut is None:
            fut = _STAGES[key] = C.on_big_stack_async(_load_or_compile, key, name, fn, args)
    return fut


def _load_or_compile(key, name, fn, args):
    exe = cache.load_executable(key)
    if exe is None and not cache.keeps_executables():
        return C.compile_async(name, fn, *args).result()
    if exe is None:
        with cache.executable_turn(key):        # processes sharing the cache: one compiles, the others load
            exe = cache.load_executable(key)
            if exe is None:
                exe, fresh = _compile_here(name, fn, args)
                if fresh:
                    cache.store_executable(key, exe)
                COMPILED[name] += 1
                return exe
    LOADED[name] += 1
    return exe


def _compile_here(name: str, fn: Callable, args):
    """The stage compiled on this thread with the exactness options, and whether XLA compiled it
    here. An executable read from JAX's persistent cache, serialized again, lacks its code and fails
    when called (jaxlib 0.10, XLA:CPU), so it must not be stored: then the stage is compiled once
    more under a GPU-only option that XLA:CPU ignores, set to a value of this compilation, so that
    JAX's cache does not serve it."""
    _listen()
    low = C.lower_async(name, fn, *args).result()
    _HERE.hit = False
    exe = low.compile(EXACT_OPTIONS)
    if not _HERE.hit:
        return exe, True
    _HERE.hit = False
    nonce = int.from_bytes(os.urandom(4), "little") % (1 << 30) + 2
    fresh = low.compile(dict(EXACT_OPTIONS, xla_gpu_force_compilation_parallelism=nonce))
    return (fresh, True) if not _HERE.hit else (exe, False)


@functools.lru_cache(maxsize=1)
def _listen() -> None:
    def on_event(event: str, **kwargs) -> None:
        if event == "/jax/compilation_cache/cache_hits":     # reported on the compiling thread
            _HERE.hit = True

    jax.monitoring.register_event_listener(on_event)


def stage_out_info(name: str, fn: Callable, *args):
    """The output shapes of the stage (from the stored executable when there is one, without waiting
    for it to load; else from lowering it)."""
    info = cache.executable_out_info(_stage_key(name, fn, args))
    return C.lower_async(name, fn, *args).result().out_info if info is None else info


def stage_count(name: str | None = None) -> int:
    """How many stages (of ``name``, or all) this process has compiled or loaded."""
    with _STAGES_LOCK:
        return sum(1 for k in _STAGES if name is None or k[0] == name)


def compiled_stage(name: str, fn: Callable, *args):
    """:func:`compile_stage`'s executable (waits for it)."""
    return compile_stage(name, fn, *args).result()


@dataclasses.dataclass(frozen=True)
class ByRows:
    """A per-point input computed for the points of each call: ``take(positions)`` gives its
    ``(len(positions), ...)`` host array for those positions of the chunk; ``spec`` is one point's
    shape and dtype (a ``jax.ShapeDtypeStruct``)."""

    take: Callable[[np.ndarray], np.ndarray]
    spec: Any


@dataclasses.dataclass(frozen=True)
class ByKey:
    """A per-call input that depends on the call's structural key: ``values[key]`` (all shaped alike)."""

    values: Sequence[Any]


@dataclasses.dataclass(frozen=True)
class PerformanceCall:
    """The compiled performance stage and how its inputs are passed: ``packing`` of the packed
    per-point fields (``packed``), the per-point fields given per call (``by_rows``) and the per-call
    fields (``shared``)."""

    fn: Any
    packing: Packing
    packed: tuple[str, ...]
    by_rows: tuple[str, ...]
    shared: tuple[str, ...]

    @staticmethod
    def split(inputs) -> tuple[dict, dict, dict]:
        """The fields of a :class:`dse.model.PerformanceInputs` as (packed, by rows, shared) dicts."""
        packed, by_rows, shared = {}, {}, {}
        per_point = set(type(inputs).per_point_fields())
        for f in dataclasses.fields(inputs):
            v = getattr(inputs, f.name)
            if f.name not in per_point:
                shared[f.name] = v
            elif isinstance(v, ByRows):
                by_rows[f.name] = v
            else:
                packed[f.name] = v
        return packed, by_rows, shared

    def pack(self, inputs) -> np.ndarray:
        """The packed per-point fields of ``inputs`` (a chunk's points) as one host matrix."""
        return self.packing.pack({k: getattr(inputs, k) for k in self.packed})

    def __call__(self, inputs, matrix: np.ndarray, positions: np.ndarray, key: int):
        """Dispatch the call for the chunk's points at ``positions`` (``matrix``: :meth:`pack` of
        ``inputs``), all of structural key ``key``; returns the stage's (device) outputs."""
        rows = {k: getattr(inputs, k).take(positions) for k in self.by_rows}
        shared = {}
        for k in self.shared:
            v = getattr(inputs, k)
            shared[k] = v.values[key] if isinstance(v, ByKey) else v
        return self.fn(matrix[positions], rows, shared)


@functools.lru_cache(maxsize=32)
def layout_fn(layers: tuple[tuple[int, ...], ...]):
    """The batched floorplan of one network (small; compiled once per network and batch shape)."""
    from dse.model import layout_stage

    return C.batched(jax.vmap(functools.partial(layout_stage, layers=layers)), 0)


@functools.lru_cache(maxsize=1)
def subarray_fn():
    """The batched subarray stage (network-independent; compiled once per batch shape)."""
    from dse.model import subarray_stage

    return C.batched(jax.vmap(subarray_stage), 0)


@functools.lru_cache(maxsize=1)
def hardware_fn():
    """The batched area stage (network-independent; compiled once per batch shape)."""
    from dse.model import hardware_stage

    return C.batched(jax.vmap(hardware_stage, in_axes=(0, 0, 0, None)), 0, 1, 2)


@functools.lru_cache(maxsize=8)
def performance_fn(packing: Packing, by_rows: tuple[str, ...], shared: tuple[str, ...]):
    """The batched performance stage: ``fn(matrix, rows, shared)`` with the per-point fields packed in
    ``matrix`` (``packing``), the other per-point fields in the dict ``rows`` and the per-call fields
    in the dict ``shared``; the vmapped axes come from :meth:`dse.model.PerformanceInputs.in_axes`."""
    from dse.model import PerformanceInputs, performance_stage

    stage = jax.vmap(performance_stage, in_axes=(PerformanceInputs.in_axes(),))

    def fn(matrix, rows, shared):
        return stage(PerformanceInputs(**packing.unpack(matrix), **rows, **shared))

    fn.dse_key = (packing, by_rows, shared)
    return C.batched(fn, 0, 1)


@functools.lru_cache(maxsize=1)
def column_fn():
    """The column states' conductances for a batch of distinct column parameters (tables shared)."""
    from dse.traces.resistance import column_conductance_entries

    return C.batched(jax.vmap(column_conductance_entries, in_axes=(None,) + (0,) * 6), *range(1, 7))


def floorplans(layers: tuple[tuple[int, ...], ...], encoded):
    """The floorplans of a batch of encoded points (compiled for the batch's shape)."""
    return compiled_stage(f"layout {layers}", layout_fn(layers), encoded)(encoded)


class Executables:
    """The compiled stages of one evaluation, started on creation (subarray, then area stage) and on
    :meth:`start_performance` / :meth:`start_columns`; each accessor waits for its executable.

    ``encoded``, ``fp``: a batch of encoded points and their (layer-padded) floorplans, shaped as every
    batch will be; ``num_layers``: the area stage's layer count argument."""

    def __init__(self, encoded, fp, num_layers):
        self._args = (encoded, fp, num_layers)
        self._sub = compile_stage("subarray", subarray_fn(), encoded)
        self._hw = C.on_big_stack_async(self._compile_hardware)
        self._perf = self._col = None

    def _hardware_args(self):
        """Arguments (or their shapes) of the area stage: its subarray input is the subarray stage's
        output, shaped as lowering that stage says."""
        encoded, fp, num_layers = self._args
        sub = stage_out_info("subarray", subarray_fn(), encoded)
        return encoded, fp, sub, num_layers

    def _compile_hardware(self):
        args = self._hardware_args()
        if not cache.has_executable(_stage_key("hardware", hardware_fn(), args)):
            self._sub.result()      # one compilation at a time beside the trace reduction (loads overlap)
        return compile_stage("hardware", hardware_fn(), *args).result()

    def hardware_states(self):
        """The shapes of the area stage's module states (its second output)."""
        return stage_out_info("hardware", hardware_fn(), *self._hardware_args())[1]

    def start_performance(self, template: Callable) -> None:
        """Compile the performance stage for inputs shaped like ``template(states)`` (a
        :class:`dse.model.PerformanceInputs` of one batch, given the area stage's module states'
        shapes), beside the area stage."""
        def job():
            packed, by_rows, shared = PerformanceCall.split(template(self.hardware_states()))
            packing = Packing.of(packed)
            pb = PERF_BATCH
            rows = {k: jax.ShapeDtypeStruct((pb,) + tuple(v.spec.shape), v.spec.dtype) for k, v in by_rows.items()}
            spec = {k: v.values[0] if isinstance(v, ByKey) else v for k, v in shared.items()}
            fn = performance_fn(packing, tuple(by_rows), tuple(shared))
            exe = compile_stage("performance", fn, jax.ShapeDtypeStruct((pb, packing.width), np.float64), rows,
                                spec).result()
            return PerformanceCall(exe, packing, tuple(packed), tuple(by_rows), tuple(shared))
        self._perf = C.on_big_stack_async(job)

    def start_columns(self, tables, num_params: int) -> None:
        """Compile the column-conductance stage for tables shaped like ``tables``."""
        spec = [jax.ShapeDtypeStruct((COLUMN_BATCH,), np.float64)] * num_params
        self._col = compile_stage("columns", column_fn(), tables, *spec)

    def subarray(self):
        return self._sub.result()

    def hardware(self):
        return self._hw.result()

    def performance(self) -> PerformanceCall | None:
        """The compiled performance stage, or None when the evaluation has none."""
        return None if self._perf is None else self._perf.result()

    def columns(self):
        return self._col.result()

    def pending(self) -> list[str]:
        """The stages started and not ready yet (compiling, or loading from the compilation cache)."""
        return [k for k, f in self._futures().items() if f is not None and not f.done()]

    def wait(self, stage: str) -> None:
        """Wait for the executable of ``stage`` (a name of :meth:`pending`)."""
        self._futures()[stage].result()

    def _futures(self) -> dict:
        return {"subarray": self._sub, "area": self._hw, "performance": self._perf, "column": self._col}

    def ready(self) -> None:
        """Wait for every started compilation."""
        self.subarray(), self.hardware(), self.performance()
