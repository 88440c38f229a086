"""Accuracy of a checkpoint at many design points, with a cache.

Accuracy depends only on the accuracy-relevant knobs (:data:`ACCURACY_KNOBS`), so points that
differ only in technode, buses, buffers, ... share one evaluation; results are cached in memory
and, with ``cache_dir``, on disk (one JSON file per checkpoint, data set and sample count).
Points with the same shape-determining knobs (:class:`dse.accuracy.cim.Static`) are evaluated
together, vectorized with ``jax.vmap`` (``point_batch`` at a time), on the GPU when JAX has one.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from dse import design
from dse.accuracy import cim
from dse.accuracy import data as D
from dse.accuracy.train import load_checkpoint

__all__ = ["ACCURACY_KNOBS", "accuracy_key", "Evaluator", "evaluate_accuracy"]

#: The knobs accuracy depends on (all others only change the hardware metrics).
ACCURACY_KNOBS = ("accuracy_model", "memcell", "mode", "subarray", "parallel_read", "adc_bits", "adc_ref", "cell_bits",
                  "weight_bits", "input_bits", "on_off", "sigma", "drift", "drift_time", "drift_nu", "drift_target", "seed")

_MEMORY: dict[tuple, float] = {}


def accuracy_key(point: Mapping[str, Any]) -> tuple:
    """The canonical accuracy-relevant part of a normalized point (equal keys give equal accuracy)."""
    st = cim.static_of(point)
    dp = cim.point_params(point)
    if st.model == "neurosim":
        if dp["ret_v"] == 0.0 or dp["ret_t"] == 1.0:
            dp.update(ret_t=1.0, ret_v=0.0, ret_detect=0.0, ret_target=0.0)
        if dp["sigma"] == 0.0 and not (dp["ret_v"] != 0.0 and dp["ret_detect"] == 0.0):
            dp["seed"] = 0                   # no random draw: the seed does not matter
        return (st.model, st.weight_bits, st.input_bits, st.cell_bits, st.subarray) + tuple(sorted(dp.items()))
    if dp["sigma"] == 0.0 and dp["drift"] != cim.DRIFT_CODES["random"]:
        dp["seed"] = 0                       # no random draw: the seed does not matter
    if dp["drift"] == cim.DRIFT_CODES["none"] or dp["drift_log"] == 0.0:
        dp.update(drift=cim.DRIFT_CODES["none"], drift_log=0.0, drift_target=0.0)
    return (st.weight_bits, st.input_bits, st.cell_bits, st.subarray if st.parallel_read < st.subarray else 0,
            st.parallel_read, st.nonlinear_adc) + tuple(sorted(dp.items()))


class Evaluator:
    """A checkpoint and an evaluation set; :meth:`accuracy` evaluates design points.

    ``samples`` first test samples are used (all when ``None``). The physical model's ADC full
    scales are calibrated once per design point on the first ``calibration`` of them. ``batch``
    samples and ``point_batch`` design points go through the compiled model at once; in the
    neurosim model a batch is also the ADC's range (the wrapper's per-batch minimum and maximum)
    and the unit of its random redraws, so ``batch`` is part of the cache key."""

    def __init__(self, checkpoint: str, data: str | None = None, data_dir: str | None = None,
                 samples: int | None = 500, calibration: int = 16, batch: int = 128, point_batch: int = 4,
                 cache_dir: str | None = None):
        self.model, self.variables, self.config = load_checkpoint(checkpoint)
        self.data = data or self.config.get("dataset", "digits")
        x, y = D.load(self.data, data_dir, "test", samples)
        self.x = jnp.asarray(x, jnp.float32)
        self.y = np.asarray(y)
        self.cal = self.x[:calibration]
        self.batch = batch
        self.point_batch = point_batch
        h = hashlib.sha256()
        for leaf in jax.tree_util.tree_leaves(self.variables):
            h.update(np.asarray(leaf).tobytes())
        h.update(json.dumps(self.config, sort_keys=True).encode())
        h.update(f"{self.data}|{len(self.y)}|{calibration}|{batch}|cim{cim.MODEL_VERSION}".encode())
        self.fingerprint = h.hexdigest()[:16]
        self.cache_path = os.path.join(cache_dir, f"accuracy_{self.fingerprint}.json") if cache_dir else None
        self._disk = {}
        if self.cache_path and os.path.exists(self.cache_path):
            try:
                with open(self.cache_path) as f:
                    self._disk = json.load(f)
            except (OSError, ValueError):
                self._disk = {}
        self.evaluated = 0      # design points actually computed (not from a cache)

    def _cached(self, key):
        k = (self.fingerprint,) + key
        if k in _MEMORY:
            return _MEMORY[k]
        return self._disk.get(repr(key))

    def _store(self, key, acc):
        _MEMORY[(self.fingerprint,) + key] = acc
        self._disk[repr(key)] = acc

    def predictions(self, points: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Predicted classes ``(len(points), samples)`` (no cache)."""
        norm = [design.normalize(p, where=f"point {i}") for i, p in enumerate(points)]
        out = np.empty((len(norm), len(self.y)), np.int64)
        groups: dict[cim.Static, list[int]] = {}
        for i, p in enumerate(norm):
            groups.setdefault(cim.static_of(p), []).append(i)
        for st, idx in groups.items():
            fn = cim.classify_fn(self.model, st)
            for a in range(0, len(idx), self.point_batch):
                part = idx[a:a + self.point_batch]
                pad = part + [part[-1]] * (self.point_batch - len(part))   # one compiled shape
                dps = cim.stack_params([cim.point_params(norm[i]) for i in pad])
                fs = cim.full_scales(self.model, st, self.variables, self.cal, dps)   # once per point
                preds = [np.asarray(fn(self.variables, self.x[s:s + self.batch], dps, fs, b))
                         for b, s in enumerate(range(0, len(self.y), self.batch))]
                out[part] = np.concatenate(preds, axis=1)[:len(part)]
        return out

    def accuracy(self, points: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Top-1 accuracy (fraction in [0, 1]) at each design point."""
        norm = [design.normalize(p, where=f"point {i}") for i, p in enumerate(points)]
        keys = [accuracy_key(p) for p in norm]
        todo: dict[tuple, int] = {}
        for k, p in zip(keys, norm):
            if self._cached(k) is None and k not in todo:
                todo[k] = len(todo)
        if todo:
            reps = [None] * len(todo)
            for k, p in zip(keys, norm):
                if k in todo and reps[todo[k]] is None:
                    reps[todo[k]] = p
            preds = self.predictions(reps)
            for k, j in todo.items():
                self._store(k, float((preds[j] == self.y).mean()))
            self.evaluated += len(todo)
            if self.cache_path:
                os.makedirs(os.path.dirname(os.path.abspath(self.cache_path)), exist_ok=True)
                tmp = self.cache_path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(self._disk, f)
                os.replace(tmp, self.cache_path)
        return np.array([self._cached(k) for k in keys], np.float64)


def evaluate_accuracy(checkpoint: str, points, data: str | None = None, data_dir: str | None = None,
                      samples: int | None = 500, cache_dir: str | None = None, **kw) -> np.ndarray:
    """Accuracy of ``checkpoint`` at each design point (see :class:`Evaluator`)."""
    return Evaluator(checkpoint, data, data_dir, samples, cache_dir=cache_dir, **kw).accuracy(points)


_EVALUATORS: dict = {}


def evaluate_points(section: Mapping[str, Any], points: Sequence[Mapping[str, Any]], network=None) -> np.ndarray:
    """Accuracy at ``points`` for a sweep / study ``accuracy:`` section (``model``, ``data``,
    ``data_dir``, ``samples``, ``cache``): the entry point of the optimizer's metric providers
    (:mod:`dse.search.evaluate`). The evaluator (model, data) is kept between calls; results are
    cached by the accuracy-relevant knobs (memory, and disk under ``$DSE_CACHE_DIR/accuracy``)."""
    from dse.cache import cache_dir

    key = json.dumps(dict(section), sort_keys=True, default=str)
    ev = _EVALUATORS.get(key)
    if ev is None:
        cache = cache_dir("accuracy", create=False) if section.get("cache", True) else None
        ev = _EVALUATORS[key] = Evaluator(section["model"], section.get("data"), section.get("data_dir"),
                                          section.get("samples", 500), cache_dir=cache)
    return ev.accuracy([design.normalize(dict(p)) for p in points])
