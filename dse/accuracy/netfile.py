"""The NeuroSim network file (``NetWork.csv``) of a Flax model, derived by tracing it.

The model is traced abstractly (``jax.eval_shape``, no computation) with a
:class:`~dse.accuracy.layers.Recorder` backend; each QConv/QDense becomes one row
``in_h, in_w, in_c, k_h, k_w, out_c, pool, stride`` (input size before padding, as the
reference's files list it; dense layers are 1x1), and ``pool`` is 1 for a layer that a pooling
follows.
"""
from __future__ import annotations

import os

import jax
import jax.numpy as jnp

from dse.accuracy.layers import LayerInfo, Recorder
from dse.network import Network, from_layers, network_text

__all__ = ["layer_infos", "network_of", "network_text", "write_network_file"]


def layer_infos(model, input_shape) -> list[LayerInfo]:
    """The CIM layers of ``model`` for one input of shape ``(H, W, C)``, in call order."""
    rec = Recorder()
    x = jax.ShapeDtypeStruct((1,) + tuple(input_shape), jnp.float32)
    jax.eval_shape(lambda x: model.init(jax.random.PRNGKey(0), x, backend=rec), x)
    return rec.layers


def network_of(model, input_shape, name: str = "network") -> Network:
    """A :class:`dse.network.Network` for ``model`` (what ``dse.evaluate`` takes)."""
    return from_layers([info.row() for info in layer_infos(model, input_shape)], name=name)


def write_network_file(model, input_shape, path: str, name: str | None = None) -> Network:
    """Write the network file of ``model`` to ``path``; returns the network."""
    net = network_of(model, input_shape, name or os.path.splitext(os.path.basename(path))[0])
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(network_text(net))
    return net
