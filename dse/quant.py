"""WAGE quantizers (manual section 8), shared by the accuracy model (dse.accuracy) and the ONNX
importer (dse.traces.onnx_import): fixed [-1, 1] range, the scale moved to the layer output.

A ``b``-bit quantity is a multiple of ``2**-(b-1)`` clipped to ``[-1 + 2**-(b-1), 1 - 2**-(b-1)]``
(``b = 1``: the sign). Weights and activations use straight-through gradients; the activation
quantizer also quantizes the backward error (``error_bits``) and :func:`quantize_grad` quantizes
weight gradients with stochastic rounding, as WAGE trains. ``bits = -1`` means "not quantized".
All functions work on any float dtype (the accuracy code uses float32).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp

__all__ = ["step", "clip", "quantize", "ste_weight", "ste_input", "act_quant", "quantize_error", "quantize_grad",
           "weight_limit", "layer_scale", "to_int"]


def step(bits: int) -> float:
    """The quantization step ``2**-(bits-1)`` of a ``bits``-bit WAGE value."""
    return 2.0 ** (1 - bits)


def clip(x, bits: int):
    """Clip to ``[-1 + step, 1 - step]`` (``[-1, 1]`` for 1 bit or more than 15 bits)."""
    d = 0.0 if (bits == 1 or bits > 15) else step(bits)
    return jnp.clip(x, -1.0 + d, 1.0 - d)


def quantize(x, bits: int):
    """Round to the ``bits``-bit grid (no clipping; sign for 1 bit; identity for -1 or > 15 bits)."""
    if bits == -1 or bits > 15:
        return x
    if bits == 1:
        return jnp.sign(x)
    s = 2.0 ** (bits - 1)
    return jnp.round(x * s) / s


def to_int(xq, bits: int):
    """The signed integer code of a quantized value: ``xq * 2**(bits-1)`` (exact, float dtype kept)."""
    return jnp.round(xq * 2.0 ** (bits - 1))


def _ste(x, q):
    return x + jax.lax.stop_gradient(q - x)


def ste_weight(w, bits: int):
    """Quantized weight ``Q(C(w))`` in the forward pass, identity gradient."""
    return _ste(w, quantize(clip(w, bits), bits)) if bits != -1 else w


def ste_input(x, bits: int):
    """A layer input put on the ``bits``-bit grid (idempotent on activations already on it)."""
    return _ste(x, quantize(clip(x, bits), bits)) if bits != -1 else x


def _shift(x):
    return 2.0 ** jnp.round(jnp.log2(x))


def quantize_error(g, bits: int):
    """WAGE error quantization: divide by the power of two nearest ``max|g|``, clip, round."""
    if bits == -1:
        return g
    m = jnp.max(jnp.abs(g))
    g = jnp.where(m > 0, g / _shift(jnp.where(m > 0, m, 1.0)), g)
    return quantize(clip(g, bits), bits)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2))
def _act(x, bits, error_bits):
    return quantize(x, bits)


def _act_fwd(x, bits, error_bits):
    return quantize(x, bits), None


def _act_bwd(bits, error_bits, _res, g):
    return (quantize_error(g, error_bits),)


_act.defvjp(_act_fwd, _act_bwd)


def act_quant(x, bits: int, error_bits: int = -1):
    """Activation quantizer: clip (gradient kept inside the range) then round, with the backward
    error quantized to ``error_bits`` (manual section 8, WAGE's Q_A and Q_E)."""
    if bits == -1:
        return x
    return _act(clip(x, bits), bits, error_bits)


def quantize_grad(g, bits: int, key, scale: float = 1.0):
    """WAGE gradient quantization: ``g / shift(max|g|) * scale``, stochastically rounded, divided by
    ``2**(bits-1)``; identity for ``bits = -1``."""
    if bits == -1:
        return g
    m = jnp.max(jnp.abs(g))
    gn = jnp.where(m > 0, g / _shift(jnp.where(m > 0, m, 1.0)), g) * scale
    r = jax.random.uniform(key, g.shape, g.dtype)
    return jnp.floor(gn + r) / 2.0 ** (bits - 1)


def weight_limit(bits: int) -> float:
    """The largest weight magnitude: ``1 - 2**-(bits-1)``."""
    return 1.0 - step(bits)


def layer_scale(fan_in: int, bits: int) -> float:
    """WAGE's per-layer output divisor: the power of two (rounded up) that brings weights drawn
    uniformly in ``[-limit, limit]`` to the standard deviation of a uniform fan-in initialisation
    ``sqrt(3 / fan_in)``; with it, weights use the whole [-1, 1] range and the output is divided."""
    lim = weight_limit(bits) if bits > 2 else 0.75
    want = math.sqrt(3.0 / fan_in)
    return float(2.0 ** math.ceil(math.log2((lim / math.sqrt(3.0)) / want)))
