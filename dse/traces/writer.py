"""Writing trace folders in the layout of the reference's PyTorch wrapper (manual section 8).

One folder holds ``network.csv`` and, for layer ``i`` (1-based, network-file order):

* ``weight<i>.csv``: the quantized weights in [-1, 1]; rows = the unrolled kernel, channel-major
  (row ``c*k_h*k_w + ky*k_w + kx``, PyTorch's ``(out, in, kh, kw)`` weight reshaped, as the
  wrapper writes it; the input features for a dense layer), columns = output channels;
* ``input<i>.csv``: the same rows; for each input window (padded input, row-major over output
  positions) ``input_bits`` 0/1 columns, the two's-complement bits of ``x * 2**(input_bits-1)``,
  sign bit first, then from the most to the least significant bit (the wrapper's ``dec2bin``).

:mod:`dse.traces.reader` reads such folders; the reference reads only the first
``num_in_vector * input_bits`` input columns. Gzipped files (``.csv.gz``) carry no time stamp, so
writing the same traces twice gives the same bytes.
"""
from __future__ import annotations

import gzip
import io
import os
from typing import Sequence

import numpy as np

from dse.network import Network, network_text

__all__ = ["input_bits_matrix", "write_matrix", "write_trace_folder"]


def input_bits_matrix(windows: np.ndarray, input_bits: int) -> np.ndarray:
    """``(windows, rows)`` quantized inputs in [-1, 1) as the ``(rows, windows * input_bits)`` 0/1 matrix:
    per window the two's-complement bits of ``x * 2**(input_bits-1)``, sign bit first."""
    b = int(input_bits)
    m = np.round(np.asarray(windows, np.float64) * 2.0 ** (b - 1)).astype(np.int64)
    lo, hi = -(2 ** (b - 1)), 2 ** (b - 1) - 1
    if m.size and (m.min() < lo or m.max() > hi):
        raise ValueError(f"input codes outside the {b}-bit two's-complement range [{lo}, {hi}]")
    m = np.where(m < 0, m + 2 ** b, m)
    bits = np.stack([(m >> z) & 1 for z in range(b - 1, -1, -1)], axis=-1)   # (windows, rows, bits), MSB first
    return bits.transpose(1, 0, 2).reshape(m.shape[1], -1).astype(np.uint8)


def write_matrix(path: str, a: np.ndarray, fmt: str) -> None:
    """A matrix as comma-separated text; gzipped (without a time stamp) when ``path`` ends in ``.gz``."""
    if not path.endswith(".gz"):
        with open(path, "w") as f:
            np.savetxt(f, a, fmt=fmt, delimiter=",")
        return
    buf = io.StringIO()
    np.savetxt(buf, a, fmt=fmt, delimiter=",")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(buf.getvalue().encode())


def write_trace_folder(out: str, network: Network, weights: Sequence[np.ndarray], windows: Sequence[np.ndarray],
                       input_bits: int, compress: bool = True) -> list[str]:
    """Write ``network.csv`` and each layer's ``weight<i>`` / ``input<i>`` file to folder ``out``.

    ``weights[i]``: ``(rows, out_c)`` quantized weights; ``windows[i]``: ``(windows, rows)`` quantized
    inputs of one image. Returns the paths written."""
    if not (len(weights) == len(windows) == len(network.layers)):
        raise ValueError(f"{len(network.layers)} layers but {len(weights)} weight and {len(windows)} input matrices")
    os.makedirs(out, exist_ok=True)
    ext = ".csv.gz" if compress else ".csv"
    paths = []
    for i, (w, x) in enumerate(zip(weights, windows), start=1):
        paths += [os.path.join(out, f"weight{i}{ext}"), os.path.join(out, f"input{i}{ext}")]
        write_matrix(paths[-2], np.asarray(w), "%.10g")
        write_matrix(paths[-1], input_bits_matrix(x, input_bits), "%d")
    paths.append(os.path.join(out, "network.csv"))
    with open(paths[-1], "w") as f:
        f.write(network_text(network))
    return paths
