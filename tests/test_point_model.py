"""The slow per-point reference against the fast path: ``dse.model.point_model`` (one point, every
stage in one program, unbatched, layers and tables unpadded, each layer's structural key from the
per-layer ``stats_key_from_floorplan``, column conductances computed in place) against
``dse.evaluate`` (vmapped stages, packed inputs, padded layers and tables, vectorized keys, column
conductances shared by groups of points) on random conformance points, every metric.

Both compile with the model's exactness options, yet about 7% of the values differ in the last bit
or two (at most 4.2e-16 relative on the drawn points): XLA:CPU generates code per shape, and one
point alone is not computed like one of a batch of 128 (the performance stage) or 1,024 (the
area stage). Sums over the layer and state axes add in a shape-dependent order, and elementwise
code differs between the vectorized body and the remainder. Found by elimination: giving the
single point the engine's column conductances or its 8-layer padding changes nothing; the same
program vmapped over a batch of one leaves 17 differing values of 564, over a batch of 128 two.
Hence a tolerance of 1e-12, far below any fold or ``ceil`` decision."""
import functools
import json
import os

import jax
import numpy as np

import dse
from dse import compile as C
from dse import design
from dse import traces as T
from dse.chip.layer_tables import layer_tables, stack_tables
from dse.model import layout_stage, point_model
from dse.network import layers_tuple, load_network
from dse.plan import STATE_ENTRIES
from dse.tech.params import make_params

#: conformance points compared (feasible ones, drawn at random with a fixed seed)
NUM_POINTS = 6


def _draw(path: str, k: int, seed: int) -> list[dict]:
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    ok = [r for r in rows if r["expect"]["ok"]]
    pick = np.random.default_rng(seed).choice(len(ok), k, replace=False)
    return [ok[i] for i in sorted(pick)]


def _point_tables(net, traces, d, layers) -> object:
    """The network's tables under the point's structural key, found layer by layer."""
    fp = C.compiled(f"point layout {layers}", functools.partial(layout_stage, layers=layers), d)(d)
    prm = make_params(d)
    sram = int(prm.memcelltype) == design.SRAM
    budget = 0 if sram else max(32, STATE_ENTRIES // 2 ** int(prm.cell_bit))
    keys = [T.stats_key_from_floorplan(fp, prm, i, max_states=budget) for i in range(len(layers))]
    return layer_tables(net, [T.layer_stats(traces, net, i, k) for i, k in enumerate(keys)])


def test_point_model_equals_the_batched_path(conformance_dir):
    rows = _draw(os.path.join(conformance_dir, "tiny.jsonl"), NUM_POINTS, seed=13)
    net = load_network(os.path.join(conformance_dir, "networks", rows[0]["network"]))
    traces = os.path.join(conformance_dir, "traces", rows[0]["traces"])
    points = [design.normalize(r["point"]) for r in rows]
    ds = dse.evaluate(net, points, traces=traces)
    assert (ds["status"].values == 0).all()

    layers = layers_tuple(net)
    encoded = design.encode(points)
    each = [jax.tree_util.tree_map(lambda a, i=i: np.asarray(a)[i], encoded) for i in range(len(points))]
    tables = [_point_tables(net, traces, d, layers) for d in each]
    # padded to the largest of each axis over these points only (not the engine's buckets): one program
    stacked = stack_tables(tables)
    tables = [jax.tree_util.tree_map(lambda a, i=i: a[i], stacked) for i in range(len(points))]
    def model(d, tb):
        return point_model(d, layers, tb, net.num_computation)

    exe = C.compiled(f"point model {layers}", model, each[0], tables[0])

    compared = exact = 0
    for i, (d, tb) in enumerate(zip(each, tables)):
        ref = {k: np.asarray(v) for k, v in exe(d, tb).items()}
        assert int(ref.pop("status")) == 0, rows[i]["id"]
        assert set(ref) == {k for k in ds.data_vars if k not in ("error", "status")}
        for k, v in ref.items():
            got = ds[k].values[i]
            np.testing.assert_allclose(got, v, rtol=1e-12, atol=0, err_msg=f"{rows[i]['id']} {k}")
            compared += v.size
            exact += int(np.sum(got == v))
    print(f"{compared} values compared, {exact} bit for bit")
    assert compared > 30 * NUM_POINTS
