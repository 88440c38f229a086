"""Synthetic traces for running without recorded ones (``traces=None``).

A documented statistical model, deterministic (the random generator is seeded from the layer shape,
the precisions and the model parameters, so the same call always gives the same traces and hence the
same statistics):

* **Weights**: i.i.d. Gaussian ``N(0, weight_std)`` clipped to ``[-1, 1 - 2**(1-weight_bits)]`` and
  rounded to the ``2**(1-weight_bits)`` grid (as a quantized network's trace files hold them).
* **Inputs**: each activation (row x input window) is zero with probability ``input_zero_fraction``
  (ReLU); otherwise its magnitude is ``1 + floor(|N(0, input_sigma)|)`` clipped to the
  ``input_bits - 1`` magnitude bits. Each activation is written as ``input_bits`` bit-planes, sign bit
  first (always 0 here), most significant magnitude bit next, as in NeuroSim's trace files.

* **Sample**: only ``max_vectors`` input vectors (windows) of a layer are generated; being i.i.d.,
  they stand for all of them, and the reduction scales their reads up to the layer's count
  (``reduce_layer(..., sampled=True)``). This bounds the reduction time of large layers.

The defaults reproduce the conformance traces' statistics (weight std 0.35; 43 % zero activations;
bit-plane densities about 0, 0.04, 0.18, 0.24, 0.27, 0.28, 0.29, 0.29 for 8 bits).
"""
from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from dse.traces.reader import _as_tuple, num_in_vector

__all__ = ["SyntheticModel", "synthetic_layer"]


@dataclasses.dataclass(frozen=True)
class SyntheticModel:
    """Parameters of the synthetic trace model (see the module docstring)."""

    weight_std: float = 0.35
    input_zero_fraction: float = 0.43
    input_sigma: float = 35.0
    seed: int = 0
    max_vectors: int = 8


def _seed(*parts) -> int:
    h = hashlib.blake2b(repr(parts).encode(), digest_size=8)
    return int.from_bytes(h.digest(), "little")


def synthetic_layer(layer, weight_bits: int, input_bits: int, model: SyntheticModel = SyntheticModel()):
    """(weights ``(k_h*k_w*in_c, out_c)``, input bits ``(k_h*k_w*in_c, v*input_bits)``) of a layer, with
    ``v = min(num_in_vector, model.max_vectors)`` sampled input vectors."""
    lt = _as_tuple(layer)
    _h, _w, c, kh, kw, k, _p, _s = lt
    rows = kh * kw * c
    nvec = min(num_in_vector(lt), int(model.max_vectors))
    B = int(input_bits)
    rng_w = np.random.default_rng(_seed("w", lt, int(weight_bits), dataclasses.astuple(model)))
    q = 2.0 ** (int(weight_bits) - 1)
    w = np.rint(np.clip(rng_w.normal(0.0, model.weight_std, (rows, k)), -1.0, 1.0 - 1.0 / q) * q) / q
    rng_x = np.random.default_rng(_seed("x", lt, B, dataclasses.astuple(model)))
    zero = rng_x.random((rows, nvec)) < model.input_zero_fraction
    top = 2 ** max(B - 1, 0) - 1
    mag = np.minimum(1 + np.floor(np.abs(rng_x.normal(0.0, model.input_sigma, (rows, nvec)))), top)
    mag = np.where(zero, 0, mag).astype(np.int64)
    bits = np.zeros((rows, nvec, B), bool)
    for p in range(1, B):                       # plane 0: sign (0); planes 1..B-1: MSB .. LSB
        bits[:, :, p] = (mag >> (B - 1 - p)) & 1
    return w, bits.reshape(rows, nvec * B)
