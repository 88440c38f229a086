"""Flax modules for WAGE-quantized convolution and dense layers (manual section 8).

``QConv`` and ``QDense`` keep float weights, quantize them to ``weight_bits`` and their input to
``input_bits`` (fixed [-1, 1] range), compute the dot product through a *backend*, divide by the
layer's WAGE scale and quantize the output to ``input_bits`` (the next layer's input precision).

The backend decides how the dot product is computed: :class:`Plain` (digital, ``lax.conv``), the
compute-in-memory model (:class:`dse.accuracy.cim.CIMBackend`) or a :class:`Recorder` that also
notes each layer's geometry, weights and inputs (network file and traces). Networks pass the
backend down and call ``backend.pool()`` after a pooling layer so the network file's pooling
flag is derived, not written by hand.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from dse import quant
from dse.network import Layer

__all__ = ["QConv", "QDense", "Plain", "Recorder", "LayerInfo", "patches"]


@dataclasses.dataclass
class LayerInfo:
    """One CIM layer as the network file describes it (:class:`dse.network.Layer`), plus what traces need."""

    layer: Layer
    name: str = ""
    weight: Any = None   # quantized weight matrix (rows = unrolled kernel, cols = out_c), in [-1, 1]
    inputs: Any = None   # quantized input windows (N, windows, rows), in [-1, 1]

    def row(self) -> tuple[int, ...]:
        return self.layer.as_tuple()


def patches(x, k: int, stride: int, pad: int):
    """Input windows of an NHWC tensor: shape ``(N, H', W', k*k*C)``, rows ordered (C, kh, kw)."""
    # shifted slices, not lax.conv_general_dilated_patches: the latter's row order is not kept under vmap
    n, h, w, c = x.shape
    xp = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    cols = [xp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :]
            for i in range(k) for j in range(k)]
    return jnp.stack(cols, axis=-1).reshape(n, ho, wo, c * k * k)


def unroll_kernel(w):
    """A ``(kh, kw, C, O)`` kernel as the ``(C*kh*kw, O)`` matrix matching :func:`patches`' rows."""
    kh, kw, c, o = w.shape
    return jnp.transpose(w, (2, 0, 1, 3)).reshape(c * kh * kw, o)


class Plain:
    """Digital backend: exact dot products of the quantized operands (``lax.conv`` / matmul)."""

    def __init__(self, weight_bits: int | None = None, input_bits: int | None = None):
        self.weight_bits = weight_bits
        self.input_bits = input_bits

    def bits(self, mod) -> tuple[int, int]:
        return (self.weight_bits or mod.weight_bits, self.input_bits or mod.input_bits)

    def conv(self, mod, xq, wq, wb, ib, k, stride, pad):
        return jax.lax.conv_general_dilated(xq, wq.astype(xq.dtype), (stride, stride), ((pad, pad), (pad, pad)),
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def dense(self, mod, xq, wq, wb, ib):
        return xq @ wq.astype(xq.dtype)

    def pool(self):
        pass


class Recorder(Plain):
    """A :class:`Plain` backend that records every CIM layer (geometry, quantized weights, inputs)."""

    def __init__(self, weight_bits=None, input_bits=None, keep_data: bool = False):
        super().__init__(weight_bits, input_bits)
        self.layers: list[LayerInfo] = []
        self.keep_data = keep_data

    def conv(self, mod, xq, wq, wb, ib, k, stride, pad):
        n, h, w, c = xq.shape
        info = LayerInfo(Layer(h, w, c, k, k, wq.shape[-1], 0, stride), mod.name)
        if self.keep_data:
            info.weight = np.asarray(unroll_kernel(wq))
            p = patches(xq, k, stride, pad)
            info.inputs = np.asarray(p.reshape(n, -1, p.shape[-1]))
        self.layers.append(info)
        return super().conv(mod, xq, wq, wb, ib, k, stride, pad)

    def dense(self, mod, xq, wq, wb, ib):
        info = LayerInfo(Layer(1, 1, xq.shape[-1], 1, 1, wq.shape[-1], 0, 1), mod.name)
        if self.keep_data:
            info.weight = np.asarray(wq)
            info.inputs = np.asarray(xq)[:, None, :]
        self.layers.append(info)
        return super().dense(mod, xq, wq, wb, ib)

    def pool(self):
        if self.layers:
            last = self.layers[-1]
            last.layer = dataclasses.replace(last.layer, pool=1)


def _quantized(mod, be) -> bool:
    """Whether a layer's output is quantized: its own ``quantize_output``, or a backend that quantizes
    every layer's output (the NeuroSim wrapper quantizes the classifier's too)."""
    return mod.quantize_output or getattr(be, "quantize_outputs", False)


def _uniform(limit):
    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -limit, limit)
    return init


class QConv(nn.Module):
    """WAGE-quantized 2-D convolution (NHWC), no bias; ``padding`` in pixels (default ``k // 2``).

    ``quantize_output=False`` returns the scaled dot product unquantized (for a layer followed by
    batch normalization or a classifier output)."""

    features: int
    kernel_size: int = 3
    stride: int = 1
    padding: int | None = None
    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    quantize_output: bool = True

    @nn.compact
    def __call__(self, x, backend=None):
        be = backend or Plain()
        wb, ib = be.bits(self)
        k = self.kernel_size
        pad = k // 2 if self.padding is None else self.padding
        fan_in = k * k * x.shape[-1]
        w = self.param("kernel", _uniform(quant.weight_limit(self.weight_bits)), (k, k, x.shape[-1], self.features),
                       jnp.float32)
        scale = quant.layer_scale(fan_in, self.weight_bits)
        xq = quant.ste_input(x, ib)
        wq = quant.ste_weight(w, wb)
        y = be.conv(self, xq, wq, wb, ib, k, self.stride, pad) / scale
        return quant.act_quant(y, ib, self.error_bits) if _quantized(self, be) else y


class QDense(nn.Module):
    """WAGE-quantized fully connected layer, no bias (see :class:`QConv`)."""

    features: int
    weight_bits: int = 8
    input_bits: int = 8
    error_bits: int = 8
    quantize_output: bool = True

    @nn.compact
    def __call__(self, x, backend=None):
        be = backend or Plain()
        wb, ib = be.bits(self)
        w = self.param("kernel", _uniform(quant.weight_limit(self.weight_bits)), (x.shape[-1], self.features),
                       jnp.float32)
        scale = quant.layer_scale(x.shape[-1], self.weight_bits)
        xq = quant.ste_input(x, ib)
        wq = quant.ste_weight(w, wb)
        y = be.dense(self, xq, wq, wb, ib) / scale
        return quant.act_quant(y, ib, self.error_bits) if _quantized(self, be) else y
