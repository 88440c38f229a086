"""NeuroSim-layout traces of a model run on real data (manual section 8: the wrapper's traces).

For layer ``i`` (1-based, network-file order) the folder gets ``weight<i>.csv``: the quantized
weights in [-1, 1], rows = unrolled kernel (``in_c * k_h * k_w``), columns = output channels; and
``input<i>.csv``: the same rows, and for each input window (padding included, row-major) its
``input_bits`` two's-complement bit planes, least significant first, as 0/1 columns. Also
``network.csv``, the derived network file. :mod:`dse.traces.reader` reads the first
``num_in_vector * input_bits`` columns, as the reference does.
"""
from __future__ import annotations

import gzip
import os

import jax.numpy as jnp
import numpy as np

from dse.accuracy import data as D
from dse.accuracy.layers import Recorder
from dse.accuracy.netfile import network_text
from dse.accuracy.train import load_checkpoint
from dse.network import from_layers

__all__ = ["export_traces", "input_bits_matrix"]


def input_bits_matrix(windows: np.ndarray, input_bits: int) -> np.ndarray:
    """``(windows, rows)`` quantized inputs in [-1, 1] as a ``(rows, windows * input_bits)`` 0/1 matrix."""
    m = np.round(windows * 2.0 ** (input_bits - 1)).astype(np.int64)
    m = np.where(m < 0, m + 2 ** input_bits, m)
    bits = np.stack([(m >> z) & 1 for z in range(input_bits)], axis=-1)   # (windows, rows, bits)
    return bits.transpose(1, 0, 2).reshape(m.shape[1], -1).astype(np.uint8)


def _write(path, a, fmt):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt") as f:
        np.savetxt(f, a, fmt=fmt, delimiter=",")


def export_traces(checkpoint: str, out: str, data: str | None = None, data_dir: str | None = None, index: int = 0,
                  compress: bool = False):
    """Run ``checkpoint`` on test image ``index`` and write its traces to folder ``out``; returns the
    derived :class:`dse.network.Network`."""
    model, variables, config = load_checkpoint(checkpoint)
    x, _ = D.load(data or config.get("dataset", "digits"), data_dir, "test", index + 1)
    rec = Recorder(keep_data=True)
    model.apply(variables, jnp.asarray(x[index:index + 1], jnp.float32), backend=rec)
    os.makedirs(out, exist_ok=True)
    ib = int(config["input_bits"])
    ext = ".csv.gz" if compress else ".csv"
    for i, info in enumerate(rec.layers, start=1):
        _write(os.path.join(out, f"weight{i}{ext}"), info.weight, "%.10g")
        _write(os.path.join(out, f"input{i}{ext}"), input_bits_matrix(info.inputs[0], ib), "%d")
    net = from_layers([info.row() for info in rec.layers], name=config["network"])
    with open(os.path.join(out, "network.csv"), "w") as f:
        f.write(network_text(net))
    return net
