"""NeuroSim-layout traces of a model run on real data (manual section 8: the wrapper's traces).

The model runs on one test image with a :class:`~dse.accuracy.layers.Recorder`; each CIM layer's
quantized weights and input windows go to a trace folder in the wrapper's layout
(:mod:`dse.traces.writer`: channel-major rows, sign-bit-first two's-complement input bits), with
``network.csv``, the derived network file. :mod:`dse.traces.reader` reads it back.
"""
from __future__ import annotations

import jax.numpy as jnp

from dse.accuracy import data as D
from dse.accuracy.layers import Recorder
from dse.accuracy.train import load_checkpoint
from dse.network import from_layers
from dse.traces.writer import write_trace_folder

__all__ = ["export_traces"]


def export_traces(checkpoint: str, out: str, data: str | None = None, data_dir: str | None = None, index: int = 0,
                  compress: bool = False):
    """Run ``checkpoint`` on test image ``index`` and write its traces to folder ``out``; returns the
    derived :class:`dse.network.Network`."""
    model, variables, config = load_checkpoint(checkpoint)
    x, _ = D.load(data or config.get("dataset", "digits"), data_dir, "test", index + 1)
    rec = Recorder(keep_data=True)
    model.apply(variables, jnp.asarray(x[index:index + 1], jnp.float32), backend=rec)
    net = from_layers([info.row() for info in rec.layers], name=config["network"])
    write_trace_folder(out, net, [info.weight for info in rec.layers], [info.inputs[0] for info in rec.layers],
                       int(config["input_bits"]), compress)
    return net
