"""WAGE quantized training (manual section 8) and checkpoints.

Training follows the reference's recipe: quantized weights and activations in the forward pass,
quantized errors (``error_bits``) in the backward pass, weight gradients quantized with stochastic
rounding (``grad_bits``), SGD with momentum, and weights clipped back to the ``weight_bits`` range
after each step. A checkpoint is two files, ``STEM.npz`` (the Flax variables) and ``STEM.json``
(the configuration: network, precisions, dataset, input shape, measured test accuracy), plus
``STEM.csv``, the network file derived from the model for the hardware model.
"""
from __future__ import annotations

import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import traverse_util

from dse import quant
from dse.accuracy import data as D
from dse.accuracy import netfile, networks
from dse.files import atomic_path, atomic_write_bytes, file_digest

__all__ = ["train", "save_checkpoint", "load_checkpoint", "CheckpointError", "predict_plain"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be found or read."""


def save_checkpoint(stem: str, variables, config: dict) -> None:
    """Write ``STEM.npz``, the derived network file ``STEM.csv`` and ``STEM.json``, each atomically, the
    JSON last and holding the weights' content hash: a write cut short leaves the previous checkpoint
    readable, or a mismatch that :func:`load_checkpoint` reports."""
    flat = traverse_util.flatten_dict(jax.device_get(variables), sep="/")
    with atomic_path(stem + ".npz", suffix=".npz") as tmp:
        np.savez(tmp, **{k: np.asarray(v) for k, v in flat.items()})
    model = networks.build(config["network"], config["weight_bits"], config["input_bits"], config["error_bits"],
                           config["num_classes"])
    with atomic_path(stem + ".csv") as tmp:
        netfile.write_network_file(model, config["input_shape"], tmp, name=os.path.basename(stem))
    config = dict(config, weights_digest=file_digest(stem + ".npz"))
    atomic_write_bytes(stem + ".json", (json.dumps(config, indent=2, sort_keys=True) + "\n").encode())


def _stem(path: str) -> str:
    for ext in (".json", ".npz"):
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def load_checkpoint(path: str):
    """``(model, variables, config)`` of a checkpoint given as ``STEM``, ``STEM.json`` or ``STEM.npz``."""
    stem = _stem(os.fspath(path))
    for ext in (".json", ".npz"):
        if not os.path.isfile(stem + ext):
            raise CheckpointError(f"{stem + ext}: no such checkpoint file (a checkpoint is STEM.json + STEM.npz, "
                                  f"written by 'dse train')")
    try:
        with open(stem + ".json") as f:
            config = json.load(f)
        digest = config.get("weights_digest")
        if digest is not None and digest != file_digest(stem + ".npz"):
            raise CheckpointError(f"{stem}.npz does not hold the weights {stem}.json was written with (a write "
                                  f"was cut short, or the files come from different runs); train again")
        with np.load(stem + ".npz") as z:
            flat = {k: jnp.asarray(z[k]) for k in z.files}
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{stem}: cannot read the checkpoint ({e})") from None
    for key in ("network", "weight_bits", "input_bits", "input_shape", "num_classes"):
        if key not in config:
            raise CheckpointError(f"{stem}.json: missing key '{key}'")
    try:
        model = networks.build(config["network"], config["weight_bits"], config["input_bits"],
                               config.get("error_bits", 8), config["num_classes"])
    except ValueError as e:
        raise CheckpointError(f"{stem}.json: key 'network': {e}") from None
    variables = traverse_util.unflatten_dict(flat, sep="/")
    return model, variables, config


def predict_plain(model, variables, x, batch: int = 256, weight_bits=None, input_bits=None):
    """Predicted classes of the plain (digital) quantized network."""
    from dse.accuracy.layers import Plain

    be = Plain(weight_bits, input_bits)
    f = jax.jit(lambda v, x: jnp.argmax(model.apply(v, x, backend=be), -1))
    return np.concatenate([np.asarray(f(variables, jnp.asarray(x[i:i + batch], jnp.float32)))
                           for i in range(0, len(x), batch)])


def train(network: str = "digits_cnn", dataset: str | None = None, data_dir: str | None = None, *,
          epochs: int = 60, batch_size: int = 64, lr: float = 0.1, weight_bits: int = 8, input_bits: int = 8,
          error_bits: int = 8, grad_bits: int = 8, seed: int = 0, temperature: float = 8.0, out: str | None = None, limit: int | None = None,
          log=print):
    """Train a quantized network; returns ``(model, variables, config)`` and writes a checkpoint to ``out``."""
    cls, shape, default_ds = networks.NETWORKS[network]
    dataset = dataset or default_ds
    t0 = time.perf_counter()
    xtr, ytr = D.load(dataset, data_dir, "train", limit)
    xte, yte = D.load(dataset, data_dir, "test", limit)
    num_classes = int(max(ytr.max(), yte.max()) + 1)
    model = networks.build(network, weight_bits, input_bits, error_bits, num_classes)
    key = jax.random.PRNGKey(seed)
    variables = model.init(key, jnp.zeros((1,) + tuple(xtr.shape[1:]), jnp.float32))
    params = variables["params"]
    stats = variables.get("batch_stats")
    steps_per_epoch = max(1, len(xtr) // batch_size)
    sched = optax.piecewise_constant_schedule(lr, {int(steps_per_epoch * epochs * 0.6): 0.1,
                                                   int(steps_per_epoch * epochs * 0.85): 0.1})
    tx = optax.sgd(sched, momentum=0.9)
    opt = tx.init(params)

    def loss_fn(p, s, x, y):
        v = {"params": p} if s is None else {"params": p, "batch_stats": s}
        if s is None:
            logits = model.apply(v, x, train=True)
            new_s = None
        else:
            logits, upd = model.apply(v, x, train=True, mutable=["batch_stats"])
            new_s = upd["batch_stats"]
        # the quantized network's outputs are small (|logit| of order 1): a temperature sharpens the softmax
        return optax.softmax_cross_entropy_with_integer_labels(logits * temperature, y).mean(), new_s

    @jax.jit
    def step(p, s, o, x, y, k):
        (loss, new_s), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s, x, y)
        leaves, tree = jax.tree_util.tree_flatten(g)
        keys = jax.random.split(k, len(leaves))
        g = jax.tree_util.tree_unflatten(tree, [quant.quantize_grad(l, grad_bits, kk) for l, kk in zip(leaves, keys)])
        upd, o = tx.update(g, o, p)
        p = optax.apply_updates(p, upd)
        p = jax.tree_util.tree_map_with_path(
            lambda path, w: quant.clip(w, weight_bits) if path[-1].key == "kernel" else w, p)
        return p, new_s, o, loss

    rng = np.random.default_rng(seed)
    for ep in range(epochs):
        perm = rng.permutation(len(xtr))
        tot = 0.0
        for i in range(steps_per_epoch):
            b = perm[i * batch_size:(i + 1) * batch_size]
            key, k = jax.random.split(key)
            params, stats, opt, loss = step(params, stats, opt, jnp.asarray(xtr[b]), jnp.asarray(ytr[b]), k)
            tot += float(loss)
        if log and (ep % 5 == 4 or ep == epochs - 1):
            log(f"epoch {ep + 1}/{epochs}: loss {tot / steps_per_epoch:.4f}")
    variables = {"params": params} if stats is None else {"params": params, "batch_stats": stats}
    acc = float((predict_plain(model, variables, xte) == yte).mean())
    seconds = time.perf_counter() - t0
    config = {"network": network, "dataset": dataset, "weight_bits": weight_bits, "input_bits": input_bits,
              "error_bits": error_bits, "grad_bits": grad_bits, "input_shape": list(shape if dataset != "digits"
                                                                                   else xtr.shape[1:]),
              "num_classes": num_classes, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed, "temperature": temperature,
              "test_accuracy": acc, "test_samples": int(len(yte)), "train_seconds": round(seconds, 1)}
    config["input_shape"] = [int(v) for v in xtr.shape[1:]]
    if out:
        save_checkpoint(out, variables, config)
    return model, variables, config
