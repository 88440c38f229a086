"""The NeuroSim V1.4 wrapper's CIM arithmetic for one layer (``accuracy_model: neurosim``).

The reference's PyTorch wrapper (``QConv2d`` / ``QLinear`` in inference mode) computes a layer's
product ``x . w`` as below; this module does the same arithmetic, in float32, as pure JAX functions
(read to learn, written anew; see ``docs/deviations.md`` for how it differs from the ``physical``
model of :mod:`dse.accuracy.cim`).

* **Weights.** ``w`` in [-1, 1] becomes the code ``X = round((2^wb - 1) / 2 (w + 1))`` (so a WAGE
  weight is stored half a code off centre) and is cut into ``K = floor(wb / cell_bits)`` base-``L``
  digits, ``L = 2^cell_bits``, least significant first; the bits above ``K cell_bits`` are dropped.
* **Conductances.** A digit ``d`` is read as ``G = (1 - 1/R) d + (L - 1) / R`` (``R`` = on/off), with
  variation ``G (1 + sigma N(0, 1))`` (no clipping) drawn afresh for every call of the layer, input
  bit, kernel position, subarray and digit. A dummy column of ``(L - 1)(1 + 1/R) / 2`` cells is the
  reference; both column sums go through the ADC and each is scaled by ``L^k 2 / (1 - 1/R)``.
* **Inputs.** ``q = round((2^ib - 1) x)`` is applied bit-serially (``ib`` planes, plane ``z`` weighs
  ``2^z``), and the result divided by ``2^ib``. The first layer of an RGB network (a convolution
  with 3 input channels that fit one subarray) takes its input as analog values, without bit
  planes or ADC.
* **Partial sums.** One kernel position at a time; the input channels are cut into subarrays of
  ``subarray`` rows (``parallel_read`` rows when fewer: it replaces the subarray size). With more
  channels than that, only whole subarrays are read and the channels left over are dropped.
* **ADC.** Each column-sum tensor (one kernel position, input bit, subarray and digit, over the whole
  batch and every output) is quantized on its own range: ``2^b`` bins of width ``(max - min) 2^-b``
  from its minimum, rounded down, the top bin closed (``LinearQuantizeOut``).
* **Retention** (``t^(v sign)``) moves digit values before they become conductances, clipped to the
  range of the digits of the call, toward ``target (max - min)`` or with a random sign per cell drawn
  at every call; the next digit is taken from the drifted remainder.

Everything is float32; the output equals the wrapper's ``output`` just before its division by the
layer's WAGE scale. Without variation, a column sum is the exact sum of the wrapper's float32
conductances rounded once to float32: from exact integer sums (``(1 - 1/R) sum(bit d) + (L - 1)/R
sum(bit)``) when those conductances are exact (an on/off ratio that is a power of two; then it is
bit-equal to the wrapper's), else from one float32 contraction of a coarse part whose sums are exact
and the small rest, the two added once in float32 (the same as adding them in float64 and rounding:
double rounding is harmless for one addition, 53 >= 2 * 24 + 2). It therefore does not depend on
the device's summation order; the wrapper's float32 sums do, by an ulp or two, which matters only
for a sum lying on an ADC bin edge.

Speed (CPU): per kernel position the input codes are laid out ``(subarray, M, rows)`` once, and
without retention drift the digits are cut once per position, not per bit plane; with weights and
(first layer) inputs shared by every design point of a ``vmap``, the first layer's bit planes,
digits and integer sums are then computed once for all points. Work proceeds one (bit plane,
digit) column-sum tensor at a time, a few MB, which keeps it in cache; ADC quotients are float32
divisions (:func:`div`).
"""
from __future__ import annotations

import functools
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["params", "weight_codes", "input_bit", "adc", "retention", "layer", "div"]

HIGHEST = jax.lax.Precision.HIGHEST


def div(a, b):
    """The IEEE float32 quotient ``a / b``, whatever XLA's algebraic simplifier does: it rewrites a
    division by a broadcast value as a multiplication by its reciprocal, which moves quotients on
    ADC bin edges by an ulp. The divisor is made an elementwise value, ``b + 0 a`` (equal to ``b``
    for finite ``a``), which that rewrite does not match; the CPU's float32 division is correctly
    rounded (the same as a float64 division rounded to float32: double rounding is harmless for a
    quotient, 53 >= 2 * 24 + 2). Other dtypes: computed in float64, rounded to float32."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    if a.dtype == jnp.float32 and b.dtype == jnp.float32:
        return a / (b + a * 0.0)
    return (a.astype(jnp.float64) / b.astype(jnp.float64)).astype(jnp.float32)

#: drift scenario -> (detect, target or None for the knob's drift_target): the wrapper's ``detect``
#: (1: fixed direction toward a target, 0: random sign) and ``target`` (fraction of the digit range)
_DRIFT = {"none": (0, 0.0), "max": (1, 1.0), "min": (1, 0.0), "target": (1, None), "random": (0, 0.0)}


def params(point: Mapping[str, Any], cell_bits: int) -> dict[str, float]:
    """Traced parameters of a normalized design point, computed as the wrapper's Python doubles and
    rounded once to float32 (as PyTorch does with a scalar operand). SRAM: infinite on/off ratio,
    no variation or drift."""
    sram = point["memcell"] == "sram"
    inv_r = 0.0 if sram else 1.0 / max(float(point["on_off"]), 1.0 + 1e-6)
    levels = 2 ** cell_bits - 1
    drift = "none" if sram else point.get("drift", "none")
    detect, target = _DRIFT[drift]
    b = int(point["adc_bits"])
    return {
        "adc_step": 2.0 ** -b,               # bin width / (max - min)
        "adc_top": float(2 ** b - 1),        # largest bin index
        "gain": 1.0 - inv_r,                 # (upper - lower) of the wrapper, also the output divisor
        "g_off": levels * inv_r,             # conductance of digit 0 (Gmin), level units
        "dummy": levels * (1.0 + inv_r) / 2.0,
        "sigma": 0.0 if sram else float(point.get("sigma", 0.0)),
        "ret_t": float(point.get("drift_time", 1.0)),
        "ret_v": 0.0 if drift == "none" else float(point.get("drift_nu", 0.0)),
        "ret_detect": float(detect),
        "ret_target": float(point.get("drift_target", 0.5)) if target is None else target,
        "seed": int(point.get("seed", 0)),
    }


def exact_conductances(point: Mapping[str, Any], cell_bits: int) -> bool:
    """Whether every float32 conductance ``(1 - 1/R) d + (L - 1)/R`` of the point equals its exact
    value for integer digits ``d`` (true for on/off ratios that are powers of two, and for SRAM) and
    no retention drift moves the digits off the integers."""
    p = params(point, cell_bits)
    if p["ret_v"] != 0.0 and p["ret_t"] != 1.0:
        return False
    a, c = np.float32(p["gain"]), np.float32(p["g_off"])
    d = np.arange(2 ** cell_bits, dtype=np.float32)
    return bool(np.all((a * d + c).astype(np.float64) == a.astype(np.float64) * d + c.astype(np.float64)))


def weight_codes(w, weight_bits: int):
    """Unsigned weight codes ``round((2^wb - 1) / 2 (w + 1))`` of weights ``w`` in [-1, 1] (float32)."""
    return jnp.round(jnp.float32((2 ** weight_bits - 1) / 2) * (w + 1.0))


def input_codes(x, input_bits: int):
    """Input codes ``round((2^ib - 1) x)`` (float32); negative inputs give negative codes."""
    return jnp.round(jnp.float32(2 ** input_bits - 1) * x)


def input_bit(q, z):
    """Bit ``z`` of the codes ``q`` as the wrapper peels them off (``fmod`` by 2, then halve): the bits
    of ``|q|`` with the sign of ``q``."""
    return jnp.fmod(jnp.trunc(q / jnp.ldexp(jnp.ones((), q.dtype), jnp.asarray(z, jnp.int32))), 2.0)


def adc(x, step_ratio, top, axes):
    """The wrapper's linear ADC (``LinearQuantizeOut``) on each slice of ``x`` over ``axes``: bins of
    width ``(max - min) * step_ratio`` from the minimum, index rounded down and clipped to
    ``[0, top]``; a constant slice passes unchanged."""
    lo = jnp.min(x, axis=axes, keepdims=True)
    delta = jnp.max(x, axis=axes, keepdims=True) - lo
    step = delta * step_ratio
    idx = jnp.clip(jnp.floor(div(x - lo, jnp.where(delta > 0, step, 1.0))), 0.0, top)
    return jnp.where(delta > 0, idx * step + lo, x)


def retention(d, dp, key, partial: bool, random_sign: bool = True):
    """The wrapper's retention (``Retention``) on the digits ``d`` of one call, shape ``(S, rows, O)``:
    one call per leading index. Values move by ``t^(v sign)`` as ``(d + 1) ratio - 1``, then are
    clipped to the call's digit range (which includes 0 when the call's mask leaves cells out,
    ``partial``); the sign points toward ``target (max - min)`` (``detect = 1``) or is drawn from
    {-1, 0, 1} per cell (only drawn when ``random_sign``). ``v = 0`` leaves the digits as they are."""
    ax = (1, 2)
    lo, hi = jnp.min(d, axis=ax, keepdims=True), jnp.max(d, axis=ax, keepdims=True)
    if partial:
        lo, hi = jnp.minimum(lo, 0.0), jnp.maximum(hi, 0.0)
    half = (d + 1.0) / 2.0
    sign = jnp.sign(((hi - lo) * dp["ret_target"] + 1.0) / 2.0 - half)
    if random_sign:
        rand = jax.random.randint(key, d.shape, -1, 2).astype(d.dtype)
        sign = jnp.where(dp["ret_detect"] > 0, sign, rand)
    ratio = jnp.power(dp["ret_t"], dp["ret_v"] * sign)
    return jnp.where(dp["ret_v"] != 0, jnp.clip(2.0 * half * ratio - 1.0, lo, hi), d)


def _conductance(d, dp, key, noisy: bool):
    """Cell conductances of digits ``d`` (level units), with variation when ``noisy``."""
    g = dp["gain"] * d + dp["g_off"]
    if noisy:
        g = g + g * (dp["sigma"] * jax.random.normal(key, g.shape, g.dtype))
    return g


def _blocks(channels: int, sub: int) -> tuple[int, int]:
    """``(subarrays, rows each)`` of ``channels`` input rows read ``sub`` at a time (the wrapper's
    ``int(channels / subArray)``; none means one block of all channels)."""
    s = channels // sub
    return (1, channels) if s == 0 else (s, sub)


def _column_sums(xb, d, dp, key, st):
    """Column sums ``(S, M, O)`` of bit planes ``xb (S, M, rows)`` on cells holding digits ``d``
    ``(S, rows, O)``, as the wrapper's float32 conductances sum (see the module notes)."""
    dot = functools.partial(jnp.einsum, "smr,sro->smo", precision=HIGHEST)
    if st.noisy:
        return dot(xb, _conductance(d, dp, key, True))
    if st.g_exact:
        # integer sums of bits times digits: exact in float32 (|sum| <= rows (L - 1) < 2^24)
        return dp["gain"] * dot(xb, d) + dp["g_off"] * jnp.sum(xb, axis=-1)[..., None]
    # exact sum of the float32 conductances: a coarse part on a 2^(cell_bits - 12) grid (its sums are
    # exact in float32 up to 4096 rows) plus the small rest, both from one contraction, added once
    # in float32 (the exact sum rounded once)
    g = _conductance(d, dp, None, False)
    quantum = float(2.0 ** (st.cell_bits - 12))
    hi = jnp.round(g / quantum) * quantum
    o = d.shape[-1]
    both = dot(xb, jnp.concatenate([hi, g - hi], axis=-1))
    return both[..., :o] + both[..., o:]


def _digit_scan(codes, dp, key, st, partial: bool, body, init):
    """Run ``body(carry, digit (S, rows, O), k, key_k) -> carry`` over the ``floor(wb / cell_bits)``
    digits of weight codes ``(S, rows, O)``, least significant first; retention moves each digit
    and the next one is taken from the drifted remainder (the wrapper's order)."""
    L = float(2 ** st.cell_bits)

    def step(carry, k):
        codes, inner = carry
        kk = jax.random.fold_in(key, k)
        rem = retention(jnp.fmod(codes, L), dp, jax.random.fold_in(kk, 1), partial, st.rand_drift)
        return (jnp.round((codes - rem) / L), body(inner, rem, k, jax.random.fold_in(kk, 0))), None

    (_, out), _ = jax.lax.scan(step, (codes, init), jnp.arange(st.weight_bits // st.cell_bits))
    return out


def _digits(codes, dp, key, st, partial: bool):
    """Digits ``(K, S, rows, O)`` of weight codes ``(S, rows, O)``, the ``K = floor(wb / cell_bits)``
    of them least significant first; retention (its random signs drawn from ``fold_in(fold_in(key,
    k), 1)``) moves each digit and the next one is taken from the drifted remainder (the wrapper's
    order)."""
    L = float(2 ** st.cell_bits)

    def step(codes, k):
        key_r = jax.random.fold_in(jax.random.fold_in(key, k), 1)
        rem = jnp.fmod(codes, L)
        if st.drift:
            rem = retention(rem, dp, key_r, partial, st.rand_drift)
        return jnp.round((codes - rem) / L), rem

    return jax.lax.scan(step, codes, jnp.arange(st.weight_bits // st.cell_bits))[1]


def _bit_step(xb, d, keys, dp, st):
    """The wrapper's output of one input bit plane ``xb (S, M, rows)`` at one kernel position on
    digits ``d (K, S, rows, O)`` (``keys``: each digit's variation key): subarrays and digits summed,
    dummy subtracted, ``(M, O)``."""
    scale = _digit_scales(st)
    qd = adc(dp["dummy"] * jnp.sum(xb, axis=-1), dp["adc_step"], dp["adc_top"], (1,))[..., None]   # (S, M, 1)

    def digit(acc, kdk):
        out_p, out_d = acc
        k, dk, kk = kdk
        q = adc(_column_sums(xb, dk, dp, kk, st), dp["adc_step"], dp["adc_top"], (1, 2))   # (S, M, O)
        return (out_p + div(q * scale[k] * 2.0, dp["gain"]), out_d + div(qd * scale[k] * 2.0, dp["gain"])), None

    s, m, o = xb.shape[0], xb.shape[1], d.shape[-1]
    init = (jnp.zeros((s, m, o), jnp.float32), jnp.zeros((s, m, 1), jnp.float32))
    (out_p, out_d), _ = jax.lax.scan(digit, init, (jnp.arange(d.shape[0]), d, keys))
    diff = out_p - out_d                                                                   # (S, M, O)
    acc = diff[0]
    for i in range(1, s):
        acc = acc + diff[i]
    return acc


def _digit_scales(st):
    """``L^k`` for each digit ``k`` (exact float32)."""
    return jnp.asarray([float(2 ** (st.cell_bits * k)) for k in range(max(st.weight_bits // st.cell_bits, 1))],
                       jnp.float32)


def _analog_step(xp, codes, dp, key, st, partial: bool):
    """The wrapper's first-layer output at one kernel position: analog inputs ``xp (M, 1, rows)``,
    no ADC, ``(M, O)``."""
    scale = _digit_scales(st)
    dum = jnp.sum(xp * dp["dummy"], axis=(1, 2))[:, None]                                  # dummy column, (M, 1)

    def body(acc, d, k, kk):
        out_p, out_d = acc
        col = jnp.einsum("msr,sro->smo", xp, _conductance(d, dp, kk, st.noisy), precision=HIGHEST)[0]
        return out_p + div(col * scale[k] * 2.0, dp["gain"]), out_d + div(dum * scale[k] * 2.0, dp["gain"])

    m, o = xp.shape[0], codes.shape[-1]
    out_p, out_d = _digit_scan(codes, dp, key, st, partial, body,
                               (jnp.zeros((m, o), jnp.float32), jnp.zeros((m, 1), jnp.float32)))
    return out_p - out_d


def layer(x, w, st, dp, key, *, kernel: int = 1, stride: int = 1, pad: int = 0):
    """The wrapper's product of inputs ``x`` and weights ``w`` (units of ``x . w``, float32).

    Convolution: ``x`` NHWC, ``w`` HWIO (``kernel`` x ``kernel``), returns NHWC; dense
    (``kernel = 1`` and ``x`` 2-D): ``x (N, in)``, ``w (in, O)``, returns ``(N, O)``. ``st`` holds
    the static knobs (:class:`dse.accuracy.cim.Static`: bits, cell bits, effective subarray rows,
    ``noisy``), ``dp`` the traced ones (:func:`params`); ``key`` seeds this call's draws."""
    dense = x.ndim == 2
    if dense:
        x = x[:, None, None, :]
        w = w[None, None]
    n, h, wd, c = x.shape
    o = w.shape[-1]
    ho, wo = (h + 2 * pad - kernel) // stride + 1, (wd + 2 * pad - kernel) // stride + 1
    xpad = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    nblk, rows = _blocks(c, st.subarray)
    used = nblk * rows
    partial = not (kernel == 1 and used == c and nblk == 1)
    analog = (not dense) and c == 3 and c // st.subarray == 0     # the wrapper's RGB first layer
    codes_all = weight_codes(w[:, :, :used, :], st.weight_bits).reshape(kernel * kernel, nblk, rows, o)
    ib, K = st.input_bits, st.weight_bits // st.cell_bits
    span_h, span_w = stride * (ho - 1) + 1, stride * (wo - 1) + 1

    def position(out, p):
        i, j = p // kernel, p % kernel
        win = jax.lax.dynamic_slice(xpad, (0, i, j, 0), (n, span_h, span_w, c))[:, ::stride, ::stride, :used]
        xp = win.reshape(n * ho * wo, nblk, rows)
        codes = codes_all[p]
        kp = jax.random.fold_in(key, p)
        if analog:
            return out + _analog_step(xp, codes, dp, kp, st, partial), None
        q = jnp.swapaxes(input_codes(xp, ib), 0, 1)                                       # (S, M, rows)
        if not st.rand_drift:                      # the digits are the same for every bit plane
            d = _digits(codes, dp, kp, st, partial)

        def bit(acc, z):
            kz = jax.random.fold_in(kp, z)          # this bit's draws: digit k's from fold_in(kz, k)
            keys = jax.vmap(lambda k: jax.random.fold_in(jax.random.fold_in(kz, k), 0))(jnp.arange(K))
            y = _bit_step(input_bit(q, z), _digits(codes, dp, kz, st, partial) if st.rand_drift else d, keys, dp, st)
            return acc + y * jnp.ldexp(jnp.float32(1.0), z), None

        acc, _ = jax.lax.scan(bit, jnp.zeros((n * ho * wo, o), jnp.float32), jnp.arange(ib))
        return out + acc / float(2 ** ib), None

    if st.weight_bits // st.cell_bits == 0:       # no whole digit fits: the wrapper reads nothing
        y = jnp.zeros((n * ho * wo, o), jnp.float32)
    else:
        y, _ = jax.lax.scan(position, jnp.zeros((n * ho * wo, o), jnp.float32), jnp.arange(kernel * kernel))
        y = y / float(2 ** st.weight_bits)
    return y.reshape(n, o) if dense else y.reshape(n, ho, wo, o)
