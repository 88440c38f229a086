"""Compute-in-memory inference of quantized layers at a design point (manual section 9).

Two models, chosen by the knob ``accuracy_model``:

* ``neurosim`` (default): the NeuroSim V1.4 wrapper's arithmetic, :mod:`dse.accuracy.neurosim`;
* ``physical``: the model below, closer to a chip (a calibrated ADC range, one chip per seed).

``docs/deviations.md`` lists their differences and what they do to accuracy. :func:`cim_layer`
runs one layer of either on its own.

In the ``physical`` model, each QConv/QDense dot product ``x . w`` (WAGE integers ``m = x 2^(ib-1)``,
``k = w 2^(wb-1)``) is computed the way the chip does it:

* **Weights in cells.** ``k`` is stored offset-binary, ``u = k + 2^(wb-1)`` in ``[0, 2^wb - 1]``,
  split into ``n = ceil(wb / cell_bits)`` base-``L = 2^cell_bits`` digits (the traces' mapping,
  :func:`dse.traces.reader.weight_digits`). Digit ``d`` is the conductance ``G = d + g0`` in units of
  one level step, ``g0 = (L - 1) / (on_off - 1)`` (so ``Gmax / Gmin = on_off``).
* **Inputs bit-serially.** ``m`` is applied as ``ib`` two's-complement bit planes (plane ``z`` weighs
  ``2^z``, the top one ``-2^(ib-1)``).
* **Partial sums.** Rows are cut into subarrays of ``subarray`` rows and each subarray into groups of
  ``parallel_read`` rows read at once (1 in sequential mode); each group, bit plane and cell column
  gives one analog column sum ``I = sum(bit * G)``, multi-level cells included.
* **Dummy column.** A dummy column of ``Gmin`` cells carries ``D = g0 * sum(bit)`` for the same group
  and is the sense reference: the ADC converts ``I - D``, which removes the off-state current. The
  offset ``2^(wb-1) * sum(bit)`` of the offset-binary weights is subtracted digitally. (The
  reference puts its dummy at ``(Gmin + Gmax) / 2``; that recombines to an offset of
  ``(2^wb - 1) / 2``, half a step from the WAGE grid, so an ideal chip would not reproduce the
  quantized network; the ``neurosim`` model does just that.)
* **ADC.** ``I - D`` is quantized to ``adc_bits``: ``2^adc_bits - 1`` steps over a full scale
  ``fs`` calibrated per layer as the largest column current ``I`` (off current included, so a low
  on/off ratio coarsens the steps) on a calibration batch;
  linear references (step ``max(fs / (2^b - 1), 1)`` level, round to nearest, clip) or non-linear
  ones (outputs ``fs (c / (2^b - 1))^2``, denser at small sums where most partial sums lie). A
  step below one level is pointless, so an ADC with at least as many steps as ``fs`` is lossless.
* **Variation.** Every array cell is programmed to ``G (1 + sigma * N(0, 1))`` (>= 0), one draw per
  cell, seeded by ``seed``, the layer index and the cell's subarray group, so a design point is one
  chip for all images.
* **Retention.** ``G = G0 (t / t0)^(+-v)``, t0 = 1 s: toward ``Gmax`` (grows, capped at Gmax), toward
  ``Gmin`` (decays, floored at Gmin), toward ``Gmin + drift_target (Gmax - Gmin)`` (each cell moves
  toward it and stops there), or random (each cell grows, decays or stays, uniformly, clipped to
  [Gmin, Gmax]).

SRAM cells are digital: one bit per cell, ideal conductances (no off current, variation or drift).
With variation and drift off, ``on_off`` large and an ADC with enough steps, the result equals the
plain quantized network exactly (integer sums in float32 are exact below 2^24).

Memory: column sums are formed a few subarray groups at a time (and, for large convolutions, a few
images at a time), about :data:`CHUNK_BYTES` per step and design point, so VGG8 on CIFAR-10-sized
inputs fits in a few GB; contractions run at ``precision=HIGHEST`` (no TF32 on GPUs).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from dse import design, quant
from dse.accuracy import neurosim
from dse.accuracy.layers import patches, unroll_kernel

__all__ = ["Static", "CIMBackend", "NeuroSimBackend", "point_params", "static_of", "group_index", "adc_quantize",
           "program_cells", "cim_matmul", "cim_layer", "DRIFT_CODES", "MODELS"]

#: integer code of each retention drift scenario (the ``drift`` knob's codes)
DRIFT_CODES = design.KNOBS["drift"].codes
#: the CIM arithmetic models (the ``accuracy_model`` knob's choices)
MODELS = tuple(design.KNOBS["accuracy_model"].choices)

#: bump when the model's numbers change (it is part of the accuracy cache key)
MODEL_VERSION = 2

#: bytes of column sums (and their bit planes) formed per step, per design point (physical model)
CHUNK_BYTES = 256 * 2 ** 20

HIGHEST = jax.lax.Precision.HIGHEST



def _jit(fn, **kw):
    """``jax.jit`` of an accuracy program. XLA's algebraic simplifier stays on (without it XLA:CPU
    miscomputes some batched dots under ``vmap``); divisions that decide a rounding go through
    :func:`dse.accuracy.neurosim.div`, which its reciprocal rewrite cannot move."""
    return jax.jit(fn, **kw)


@dataclasses.dataclass(frozen=True)
class Static:
    """The shape-determining (compile-time) part of a design point for accuracy."""

    weight_bits: int
    input_bits: int
    cell_bits: int
    subarray: int
    parallel_read: int
    nonlinear_adc: bool = False
    model: str = "physical"
    noisy: bool = False        # random draws: conductance variation (or, physical, random drift)
    g_exact: bool = True       # neurosim: the float32 conductances are exact (sums from integer sums)
    rand_drift: bool = False   # neurosim: random-sign retention drift (a sign drawn per cell and read)
    drift: bool = False        # neurosim: retention moves the digits


def static_of(point: Mapping[str, Any]) -> Static:
    """The :class:`Static` of a normalized design point (SRAM: 1 bit per cell; sequential: 1 row).

    ``neurosim``: ``subarray`` and ``parallel_read`` are both the rows read at once (the wrapper
    replaces its subarray size by ``parallel_read``), cell bits are not capped at the weight bits
    and the ADC is linear (the wrapper's layers have no other)."""
    sram = point["memcell"] == "sram"
    wb, ib = int(point["weight_bits"]), int(point["input_bits"])
    pr = 1 if point["mode"] == "sequential" else min(int(point["parallel_read"]), int(point["subarray"]))
    if point.get("accuracy_model", "neurosim") == "neurosim":
        cb = 1 if sram else int(point["cell_bits"])
        noisy = not sram and float(point.get("sigma", 0.0)) > 0.0
        dp = neurosim.params(point, cb)
        drift = dp["ret_v"] != 0.0 and dp["ret_t"] != 1.0
        return Static(wb, ib, cb, pr, pr, False, "neurosim", noisy, neurosim.exact_conductances(point, cb),
                      drift and dp["ret_detect"] == 0.0, drift)
    cb = 1 if sram else min(int(point["cell_bits"]), wb)
    if wb < 2:
        raise ValueError("the physical CIM model needs weight_bits >= 2 (offset-binary weights)")
    noisy = not sram and (float(point.get("sigma", 0.0)) > 0.0 or point.get("drift", "none") == "random")
    return Static(wb, ib, cb, int(point["subarray"]), pr, point.get("adc_ref", "linear") == "nonlinear",
                  noisy=noisy)


def point_params(point: Mapping[str, Any]) -> dict[str, float]:
    """The traced (vectorizable) part of a normalized design point, as plain numbers."""
    st = static_of(point)
    if st.model == "neurosim":
        return neurosim.params(point, st.cell_bits)
    sram = point["memcell"] == "sram"
    levels = 2 ** st.cell_bits - 1
    r = max(float(point["on_off"]), 1.0 + 1e-6)
    return {
        "adc_levels": float(2 ** int(point["adc_bits"]) - 1),
        "g0": 0.0 if sram else levels / (r - 1.0),
        "sigma": 0.0 if sram else float(point.get("sigma", 0.0)),
        "drift": DRIFT_CODES["none" if sram else point.get("drift", "none")],
        "drift_log": float(point.get("drift_nu", 0.0)) * math.log(float(point.get("drift_time", 1.0))),
        "drift_target": float(point.get("drift_target", 0.5)),
        "seed": int(point.get("seed", 0)),
    }


def group_index(rows: int, subarray: int, parallel_read: int) -> np.ndarray:
    """Row index of each slot of the ``(groups, parallel_read)`` layout, -1 for an empty slot.

    Rows fill subarrays of ``subarray`` rows in order; a subarray's rows are read in groups of
    ``parallel_read`` (the last group of a subarray may be short, the slots left are empty)."""
    per_sub = -(-subarray // parallel_read)
    out = []
    for s in range(-(-rows // subarray)):
        lo, hi = s * subarray, min((s + 1) * subarray, rows)
        for g in range(per_sub):
            a = lo + g * parallel_read
            if a >= hi:
                break
            slot = np.full(parallel_read, -1, np.int64)
            n = min(parallel_read, hi - a)
            slot[:n] = np.arange(a, a + n)
            out.append(slot)
    return np.stack(out)


def adc_quantize(i, fs, levels, nonlinear: bool = False):
    """ADC output for column sums ``i`` (level units): full scale ``fs``, ``levels = 2^bits - 1`` steps."""
    fs = jnp.maximum(fs, 1.0)
    step = jnp.maximum(fs / levels, 1.0)
    lin = jnp.clip(jnp.round(neurosim.div(i, step)), 0.0, levels) * step
    if not nonlinear:
        return lin
    c = jnp.clip(jnp.round(levels * jnp.sqrt(neurosim.div(jnp.maximum(i, 0.0), fs))), 0.0, levels)
    return jnp.where(fs / levels > 1.0, fs * (c / levels) ** 2, lin)


def program_cells(digits, dp, key, cell_bits: int, noisy: bool = True):
    """Conductances (level units) of cells holding ``digits``, with variation and retention drift
    (``noisy=False``: no random draw, for points without variation or random drift)."""
    g0 = dp["g0"]
    gmax = (2 ** cell_bits - 1) + g0
    g = digits + g0
    if noisy:
        eps = jax.random.normal(jax.random.fold_in(key, 0), g.shape, g.dtype)
        g = jnp.maximum(g * (1.0 + dp["sigma"] * eps), 0.0)
    r = jnp.exp(dp["drift_log"])

    def up(g, cap):
        return jnp.where(g < cap, jnp.minimum(g * r, cap), g)

    def down(g, floor):
        return jnp.where(g > floor, jnp.maximum(neurosim.div(g, r), floor), g)

    target = g0 + dp["drift_target"] * (gmax - g0)
    if noisy:
        sign = jax.random.randint(jax.random.fold_in(key, 1), g.shape, -1, 2).astype(g.dtype)
        rand = jnp.clip(g * r ** sign, g0, gmax)
    else:
        rand = g
    code = dp["drift"]
    return jnp.select([code == DRIFT_CODES[d] for d in ("max", "min", "target", "random")],
                      [up(g, gmax), down(g, g0), jnp.where(g < target, up(g, target), down(g, target)), rand], g)


def _group_chunk(m: int, st: Static, groups: int, rows: int, outs: int) -> int:
    """Subarray groups per step so that the bit planes and column sums of ``m`` input rows (and the
    random draws of the groups' cells) stay within :data:`CHUNK_BYTES` (at least 1)."""
    n = -(-st.weight_bits // st.cell_bits)
    per_group = 4 * (2 * st.input_bits * m * (rows + n * outs) + 16 * n * rows * outs)
    return max(1, min(groups, CHUNK_BYTES // max(per_group, 1)))


def cim_matmul(x_int, k_int, st: Static, dp, key, fs=None):
    """CIM dot products of integer inputs ``(M, R)`` and integer weights ``(R, O)``.

    Returns ``(result (M, O), max column sum)``; ``fs=None`` reads with an ideal ADC (calibration).
    Cells are programmed and column sums formed :func:`_group_chunk` subarray groups at a time;
    group ``g``'s cells draw their variation from ``fold_in(key, g)`` (one chip whatever the chunks)."""
    wb, ib, cb = st.weight_bits, st.input_bits, st.cell_bits
    M, R = x_int.shape
    O = k_int.shape[-1]
    idx = group_index(R, st.subarray, st.parallel_read)
    G, P = idx.shape
    L = 2 ** cb
    n = -(-wb // cb)
    gc = _group_chunk(M, st, G, P, O)
    steps = -(-G // gc)
    idx = np.concatenate([idx, np.full((steps * gc - G, P), -1, idx.dtype)])   # empty groups: no current
    sw = jnp.asarray([float(L) ** j for j in range(n)], jnp.float32)
    pw = np.array([2.0 ** z for z in range(ib - 1)] + [-(2.0 ** (ib - 1))], np.float32)

    def cells(ids, first):
        """Conductances ``(n, gc, P, O)`` of groups ``first, first + 1, ...`` (rows ``ids``)."""
        kg = jnp.where((ids >= 0)[..., None], k_int[jnp.maximum(ids, 0)], 0.0)          # (gc, P, O)
        u = kg + 2.0 ** (wb - 1)                                                            # offset binary
        digits = jnp.stack([jnp.floor(u / float(L) ** j) % L for j in range(n)], 1)       # (gc, n, P, O)
        keys = jax.vmap(lambda g: jax.random.fold_in(key, g))(first + jnp.arange(ids.shape[0]))
        g = jax.vmap(lambda d, k: program_cells(d, dp, k, cb, st.noisy))(digits, keys)
        return jnp.swapaxes(g, 0, 1)

    def chunk(ids, first):
        """Weighted column sums ``(Z, M, O)``, active inputs ``(Z, M)`` and peak of groups ``ids``."""
        gg = cells(ids, first)
        xg = jnp.where(ids >= 0, x_int[:, jnp.maximum(ids, 0)], 0.0)             # (M, gc, P)
        mu = jnp.where(xg < 0, xg + 2.0 ** ib, xg)                                 # two's complement
        planes = jnp.stack([jnp.floor(mu / 2.0 ** z) % 2.0 for z in range(ib)])  # (Z, M, gc, P)
        col = jnp.einsum("zmgp,jgpo->zmgjo", planes, gg, precision=HIGHEST)      # column sums
        peak = jnp.max(col)
        col = col - (dp["g0"] * planes.sum(-1))[..., None, None]                   # dummy-referenced sensing
        if fs is not None:
            col = adc_quantize(col, fs, dp["adc_levels"], st.nonlinear_adc)
        # weighted sums as multiply-and-reduce: XLA:CPU miscomputed these as dots under jit(vmap) (jax 0.10)
        return jnp.sum(col * sw[:, None], axis=(2, 3)), planes.sum((-1, -2)), peak

    if steps == 1:
        s, ones, peak = chunk(jnp.asarray(idx), 0)
    else:
        ids = jnp.asarray(idx.reshape(steps, gc, P))

        def step(carry, c):
            s, ones, peak = carry
            ds, dones, dpeak = chunk(ids[c], c * gc)
            return (s + ds, ones + dones, jnp.maximum(peak, dpeak)), None

        init = (jnp.zeros((ib, M, O), jnp.float32), jnp.zeros((ib, M), jnp.float32), jnp.float32(0.0))
        (s, ones, peak), _ = jax.lax.scan(step, init, jnp.arange(steps))
    s = s - 2.0 ** (wb - 1) * ones[..., None]
    return jnp.sum(s * jnp.asarray(pw, s.dtype)[:, None, None], axis=0), peak


def _image_chunk(n: int, windows: int, rows: int, outs: int, st: Static) -> int:
    """Images per step of a convolution so that one subarray group of their windows (and their
    unrolled inputs) stays within :data:`CHUNK_BYTES` (at least 1, at most ``n``)."""
    per_image = 4 * windows * (2 * st.input_bits * (st.parallel_read + -(-st.weight_bits // st.cell_bits) * outs)
                               + rows)
    return max(1, min(n, CHUNK_BYTES // max(per_image, 1)))


def _in_order(xq, wq):
    """``(xq, wq)`` behind an optimization barrier: a layer's cells (weight-sized arrays, several per
    layer) are then programmed when its input is ready, not all up front, which would hold every
    layer's at once."""
    return jax.lax.optimization_barrier((xq, wq))


class CIMBackend:
    """Layer backend running every QConv/QDense on the physical CIM model of one design point.

    ``dp`` holds the traced parameters (:func:`point_params`, as arrays); ``fs`` the per-layer ADC
    full scales, or ``None`` to calibrate (ideal ADC; the column-sum peaks are collected in ``peaks``)."""

    quantize_outputs = False

    def __init__(self, st: Static, dp, fs=None):
        self.st = st
        self.dp = dp
        self.fs = fs
        self.key = jax.random.PRNGKey(dp["seed"])
        self.layer = 0
        self.peaks: list = []

    def bits(self, mod):
        return self.st.weight_bits, self.st.input_bits

    def _scale(self):
        return 2.0 ** (self.st.weight_bits - 1) * 2.0 ** (self.st.input_bits - 1)

    def _next(self):
        key = jax.random.fold_in(self.key, self.layer)
        fs = None if self.fs is None else self.fs[self.layer]
        self.layer += 1
        return key, fs

    def conv(self, mod, xq, wq, wb, ib, k, stride, pad):
        st = self.st
        key, fs = self._next()
        xq, wq = _in_order(xq, wq)
        k_int = quant.to_int(unroll_kernel(wq).astype(xq.dtype), st.weight_bits)
        n, h, w, c = xq.shape
        ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        per = _image_chunk(n, ho * wo, c * k * k, k_int.shape[-1], st)

        def run(x):
            p = patches(x, k, stride, pad)
            y, peak = cim_matmul(quant.to_int(p.reshape(-1, p.shape[-1]), st.input_bits), k_int, st, self.dp,
                                 key, fs)
            return y.reshape(p.shape[:-1] + (k_int.shape[-1],)), peak

        if per >= n:
            y, peak = run(xq)
        else:
            steps = -(-n // per)
            xs = jnp.pad(xq, ((0, steps * per - n), (0, 0), (0, 0), (0, 0))).reshape((steps, per) + xq.shape[1:])
            ys, peaks = jax.lax.map(run, xs)
            y, peak = ys.reshape((steps * per,) + ys.shape[2:])[:n], jnp.max(peaks)
        self.peaks.append(peak)
        return y / self._scale()

    def dense(self, mod, xq, wq, wb, ib):
        st = self.st
        key, fs = self._next()
        xq, wq = _in_order(xq, wq)
        y, peak = cim_matmul(quant.to_int(xq, st.input_bits), quant.to_int(wq.astype(xq.dtype), st.weight_bits),
                             st, self.dp, key, fs)
        self.peaks.append(peak)
        return y / self._scale()

    def pool(self):
        pass


class NeuroSimBackend:
    """Layer backend running every QConv/QDense as the NeuroSim V1.4 wrapper does
    (:mod:`dse.accuracy.neurosim`); ``batch`` (traced) selects this batch's random draws (the
    wrapper redraws variation and random drift at every call). Like the wrapper, every layer's
    output is quantized, the classifier's included."""

    quantize_outputs = True

    def __init__(self, st: Static, dp, batch=0):
        self.st = st
        self.dp = dp
        self.key = jax.random.fold_in(jax.random.PRNGKey(dp["seed"]), batch)
        self.layer = 0

    def bits(self, mod):
        return self.st.weight_bits, self.st.input_bits

    def _key(self):
        self.layer += 1
        return jax.random.fold_in(self.key, self.layer - 1)

    def conv(self, mod, xq, wq, wb, ib, k, stride, pad):
        xq, wq = _in_order(xq, wq)
        return neurosim.layer(xq, wq.astype(xq.dtype), self.st, self.dp, self._key(), kernel=k, stride=stride, pad=pad)

    def dense(self, mod, xq, wq, wb, ib):
        xq, wq = _in_order(xq, wq)
        return neurosim.layer(xq, wq.astype(xq.dtype), self.st, self.dp, self._key())

    def pool(self):
        pass


@functools.lru_cache(maxsize=64)
def calibrate_fn(model, st: Static):
    """A compiled function ``(variables, x_cal, dp) -> ADC full scales (points, layers)`` of the
    physical model (the column-sum peak of each layer on the calibration images, ideal ADC),
    vectorized over design points; run once per design point."""

    def one(variables, x_cal, dp):
        cal = CIMBackend(st, dp)
        model.apply(variables, x_cal, backend=cal)
        return jnp.stack(cal.peaks)

    return _jit(jax.vmap(one, in_axes=(None, None, 0)))


@functools.lru_cache(maxsize=64)
def classify_fn(model, st: Static):
    """A compiled function ``(variables, x, dp, fs, batch) -> predicted classes (points, N)``,
    vectorized over design points (``dp`` and ``fs`` have a leading point axis; ``fs`` is unused by
    the neurosim model, ``batch`` by the physical one)."""

    def one(variables, x, dp, fs, batch):
        be = NeuroSimBackend(st, dp, batch) if st.model == "neurosim" else CIMBackend(st, dp, fs)
        return jnp.argmax(model.apply(variables, x, backend=be), -1)

    return _jit(jax.vmap(one, in_axes=(None, None, 0, 0, None)))


def full_scales(model, st: Static, variables, x_cal, dps):
    """Per-point, per-layer ADC full scales for the physical model; zeros ``(points, 1)`` for neurosim."""
    if st.model == "neurosim":
        return jnp.zeros((dps["seed"].shape[0], 1), jnp.float32)
    return calibrate_fn(model, st)(variables, x_cal, dps)


def predict_fn(model, st: Static):
    """A function ``(variables, x_cal, x, dp, batch=0) -> predicted classes (points, N)``: calibration
    (physical model) and classification of one batch."""

    def predict(variables, x_cal, x, dp, batch=0):
        return classify_fn(model, st)(variables, x, dp, full_scales(model, st, variables, x_cal, dp), batch)

    return predict


def stack_params(dps: list[dict]) -> dict:
    """Per-point parameter dicts as arrays with a leading point axis (float32 / int32)."""
    out = {}
    for k in dps[0]:
        dt = jnp.int32 if k in ("drift", "seed") else jnp.float32
        out[k] = jnp.asarray([d[k] for d in dps], dt)
    return out


@functools.lru_cache(maxsize=64)
def _layer_fn(st: Static, kind: str, kernel: int, stride: int, pad: int):
    """A compiled single layer ``(x NHWC or (N, in), w HWIO or (in, O), dp) -> output`` (x . w units)."""

    def run(x, w, dp):
        key = jax.random.PRNGKey(dp["seed"])
        if st.model == "neurosim":
            return neurosim.layer(x, w, st, dp, jax.random.fold_in(jax.random.fold_in(key, 0), 0), kernel=kernel,
                                  stride=stride, pad=pad)
        xq = quant.quantize(quant.clip(x, st.input_bits), st.input_bits)
        wq = quant.quantize(quant.clip(w, st.weight_bits), st.weight_bits)
        be = CIMBackend(st, dp)
        call = (lambda b: b.conv(None, xq, wq, 0, 0, kernel, stride, pad)) if kind == "conv" else \
            (lambda b: b.dense(None, xq, wq, 0, 0))
        call(be)                                              # calibration on this batch
        return call(CIMBackend(st, dp, jnp.stack(be.peaks)))

    return _jit(run)


def cim_layer(x, w, point: Mapping[str, Any], *, kind: str = "conv", stride: int = 1, padding: int = 0,
              seed: int = 0) -> np.ndarray:
    """One convolution or dense layer computed as the chip computes it, at design point ``point``.

    ``x``: NCHW (conv) or ``(N, in)`` (dense), values in [0, 1] on the ``input_bits`` grid; ``w``:
    OIHW or ``(out, in)``, values in [-1, 1] on the ``weight_bits`` grid (``k / 2^(bits-1)``).
    Returns the product in the units of ``x . w`` (NCHW or ``(N, out)``, float32): with
    ``accuracy_model: neurosim`` the NeuroSim wrapper's ``output`` just before its division by the
    layer scale; with ``physical``, the physical model with its ADC range calibrated on ``x``
    (inputs and weights clipped to the WAGE range). ``seed`` seeds variation and random drift."""
    if kind not in ("conv", "dense"):
        raise ValueError(f"kind must be 'conv' or 'dense', got {kind!r}")
    p = design.normalize(dict(point, seed=seed))
    st = static_of(p)
    dp = {k: jnp.asarray(v, jnp.int32 if k in ("drift", "seed") else jnp.float32) for k, v in point_params(p).items()}
    x = jnp.asarray(x, jnp.float32)
    w = jnp.asarray(w, jnp.float32)
    if kind == "conv":
        if x.ndim != 4 or w.ndim != 4 or w.shape[2] != w.shape[3] or x.shape[1] != w.shape[1]:
            raise ValueError(f"conv needs x NCHW and w OIHW with square kernels, got {x.shape} and {w.shape}")
        y = _layer_fn(st, kind, int(w.shape[2]), int(stride), int(padding))(
            jnp.transpose(x, (0, 2, 3, 1)), jnp.transpose(w, (2, 3, 1, 0)), dp)
        return np.asarray(jnp.transpose(y, (0, 3, 1, 2)))
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(f"dense needs x (N, in) and w (out, in), got {x.shape} and {w.shape}")
    return np.asarray(_layer_fn(st, kind, 1, 1, 0)(x, jnp.transpose(w), dp))
