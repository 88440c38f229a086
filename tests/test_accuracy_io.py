"""dse.accuracy: network files derived from Flax models, trace export round trip, data errors, sweep
'accuracy' section, a tiny training run and the evaluator's cache."""
import os
import pickle

import jax
import numpy as np
import pytest

import dse
from dse.accuracy import data as D
from dse.accuracy import netfile, networks
from dse.accuracy.train import CheckpointError, load_checkpoint, train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name", ["vgg8", "resnet18"])
def test_derived_network_file_matches_shipped(name):
    cls, shape, _ = networks.NETWORKS[name]
    net = netfile.network_of(cls(), shape, name)
    with open(os.path.join(ROOT, "models", f"{name}.csv")) as f:
        assert netfile.network_text(net).split() == f.read().split()


def test_densenet40_rows():
    net = netfile.network_of(networks.DenseNet40(), (32, 32, 3))
    rows = [l.as_tuple() for l in net.layers]
    assert len(rows) == 40
    assert rows[0] == (32, 32, 3, 3, 3, 24, 0, 1)
    assert rows[13] == (32, 32, 96, 1, 1, 48, 1, 1)      # first transition, pooled
    assert rows[-2] == (8, 8, 48, 3, 3, 12, 1, 1)        # last 3x3 conv (the reference lists 132 = concat)
    assert rows[-1] == (1, 1, 132, 1, 1, 10, 0, 1)


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory):
    stem = str(tmp_path_factory.mktemp("ckpt") / "digits_tiny")
    _m, _v, cfg = train("digits_cnn", epochs=3, batch_size=32, out=stem, log=None)
    return stem, cfg


def test_tiny_training_writes_a_checkpoint(tiny_ckpt):
    stem, cfg = tiny_ckpt
    assert os.path.isfile(stem + ".npz") and os.path.isfile(stem + ".csv")
    assert cfg["input_shape"] == [8, 8, 1] and cfg["num_classes"] == 10 and cfg["test_samples"] == 359
    assert 0.5 < cfg["test_accuracy"] <= 1.0          # 3 epochs: well above chance (0.1)
    model, v, c2 = load_checkpoint(stem + ".json")
    w = np.asarray(v["params"]["QConv_0"]["kernel"])
    assert w.shape == (3, 3, 1, 8) and np.abs(w).max() <= 127 / 128   # clipped to the 8-bit range
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(stem + "_missing")


def test_traces_round_trip_into_evaluate(tiny_ckpt, tmp_path):
    from dse.cli.main import main
    from dse.traces import reader as R

    stem, _ = tiny_ckpt
    out = str(tmp_path / "tr")
    assert main(["traces", stem, "--out", out]) == 0
    net = dse.network.load_network(os.path.join(out, "network.csv"))
    assert [l.as_tuple() for l in net.layers] == [(8, 8, 1, 3, 3, 8, 0, 1), (8, 8, 8, 3, 3, 16, 1, 1),
                                                  (1, 1, 256, 1, 1, 10, 0, 1)]
    for i, layer in enumerate(net.layers):
        wp, ip = R.trace_paths(out, i)
        w = R.read_weight(wp, layer, i)
        b = R.read_input(ip, layer, 8, i)
        assert w.shape == (layer.rows, layer.out_c) and np.abs(w).max() <= 1.0
        assert np.allclose(w * 128, np.round(w * 128))                 # 8-bit WAGE grid
        assert b.shape == (layer.rows, R.num_in_vector(layer) * 8)
    # the first layer's input bits rebuild the (quantized) image: window 0, centre row 4 (C, kh, kw order),
    # sign bit first as the reference's wrapper writes them
    x, _ = D.load("digits", split="test", limit=1)
    b = R.read_input(R.trace_paths(out, 0)[1], net.layers[0], 8, 0)
    m = sum(int(b[4, z]) << (7 - z) for z in range(8))
    assert m == int(np.round(min(x[0, 0, 0, 0], 127 / 128) * 128))
    # the hardware model on these traces (in a subprocess: a crash there must fail this test, not pytest)
    import subprocess
    import sys
    code = ("import dse; ds = dse.evaluate(%r, [{'memcell': 'rram', 'cell_bits': 2, 'subarray': 32, "
            "'parallel_read': 16}], traces=%r); print(repr(str(ds['error'].values[0])), float(ds['area'].values[0]))"
            % (os.path.join(out, "network.csv"), out))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    err, area = r.stdout.split()[-2:]
    assert err == "''" and float(area) > 0


def test_missing_cifar_folder_message(tmp_path):
    with pytest.raises(D.DataError, match="data_batch_1.*expected the CIFAR-10 python version"):
        D.load("cifar10", str(tmp_path), "train")
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": np.zeros((3, 5), np.uint8), b"labels": [0, 1, 2]}))
    with pytest.raises(D.DataError, match="test_batch is not a CIFAR-10 python batch file"):
        D.load("cifar10", str(tmp_path), "test")


def test_cifar_reads_batches(tmp_path):
    data = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072) % 256
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": data.astype(np.uint8), b"labels": [3, 7]}))
    x, y = D.load("cifar10", str(tmp_path), "test")
    assert x.shape == (2, 32, 32, 3) and y.tolist() == [3, 7]
    assert x[0, 0, 1, 0] == pytest.approx(1 / 255) and x[0, 0, 0, 1] == pytest.approx((1024 % 256) / 255)


def test_sweep_accuracy_section_errors(tmp_path):
    from dse.sweep.spec import SweepError, load_sweep

    p = tmp_path / "s.yaml"
    p.write_text("network: vgg8\naccuracy: {model: nowhere/ckpt}\ngrid: {adc_bits: [4, 5]}\n")
    with pytest.raises(SweepError, match="key 'accuracy': 'model' = 'nowhere/ckpt': no checkpoint"):
        load_sweep(str(p))
    p.write_text("network: vgg8\naccuracy: {model: x, smaples: 3}\n")
    with pytest.raises(SweepError, match="unknown key 'smaples' \\(did you mean 'samples'\\?\\)"):
        load_sweep(str(p))


def test_sweep_runs_accuracy_and_cache(tiny_ckpt, tmp_path):
    from dse.accuracy.evaluate import Evaluator, accuracy_key
    from dse.sweep.runner import run_sweep
    from dse.sweep.spec import load_sweep

    stem, cfg = tiny_ckpt
    p = tmp_path / "s.yaml"
    p.write_text(f"network: {stem}.csv\naccuracy: {{model: {stem}, samples: 40, cache: false}}\n"
                 f"fixed: {{memcell: rram, subarray: 32, parallel_read: 32, cell_bits: 2, accuracy_model: physical}}\n"
                 f"grid: {{technode: [22, 45], adc_bits: [8, 2]}}\noutput: {tmp_path}/out.nc\n")
    sweep = load_sweep(str(p))
    ds, _ = run_sweep(sweep, progress=False)
    acc = ds["accuracy"].values
    # technode does not change accuracy; an 8-bit ADC (255 steps >= 32 rows x 3 levels) is lossless in the
    # physical model
    assert acc[0, 0] == acc[1, 0] and acc[0, 1] == acc[1, 1]
    ev = Evaluator(stem, samples=40)
    from dse.accuracy.train import predict_plain
    plain = float((predict_plain(ev.model, ev.variables, np.asarray(ev.x)) == ev.y).mean())
    assert acc[0, 0] == pytest.approx(plain)
    assert accuracy_key({**sweep.points[0], "technode": 45}) == accuracy_key(sweep.points[0])


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    """A save cut short (here: the weights' writer fails half way) leaves the previous checkpoint
    loadable and unchanged, with no stray files; weights that do not match the JSON are refused."""
    from dse.accuracy import train as T

    model, v, cfg = load_checkpoint(os.path.join(ROOT, "models", "digits_cnn"))
    stem = str(tmp_path / "ck")
    T.save_checkpoint(stem, v, cfg)
    before = {n: open(os.path.join(tmp_path, n), "rb").read() for n in os.listdir(tmp_path)}
    assert sorted(before) == ["ck.csv", "ck.json", "ck.npz"]

    def broken_savez(f, **arrays):
        with open(f, "wb") as fh:
            fh.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(T.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        T.save_checkpoint(stem, jax.tree_util.tree_map(lambda a: a * 0, v), cfg)
    monkeypatch.undo()
    after = {n: open(os.path.join(tmp_path, n), "rb").read() for n in os.listdir(tmp_path)}
    assert after == before
    _, v2, _ = load_checkpoint(stem)
    np.testing.assert_array_equal(np.asarray(v2["params"]["QConv_0"]["kernel"]),
                                  np.asarray(v["params"]["QConv_0"]["kernel"]))
    other = str(tmp_path / "other")
    T.save_checkpoint(other, jax.tree_util.tree_map(lambda a: a * 0, v), cfg)
    os.replace(other + ".npz", stem + ".npz")
    with pytest.raises(CheckpointError, match="does not hold the weights"):
        load_checkpoint(stem)
