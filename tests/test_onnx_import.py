"""dse import: the digits CNN round trip through ONNX (same network file and traces as dse traces),
the shipped ONNX model, traces and sweep, BatchNorm folding, QDQ weights, Add/Concat, scales, and
the messages for malformed files and unsupported operators."""
import os

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from cli_helpers import REPO, dse_cli  # noqa: E402
from dse.cli.main import main  # noqa: E402
from dse.traces import reader as R  # noqa: E402
from dse.traces.onnx_import import import_onnx  # noqa: E402

MODELS = os.path.join(REPO, "models")
CKPT = os.path.join(MODELS, "digits_cnn")


def _same_folder(a, b, layers=3):
    """Network files equal line for line and every weight/input file equal value for value."""
    with open(os.path.join(a, "network.csv")) as fa, open(os.path.join(b, "network.csv")) as fb:
        assert fa.read().split() == fb.read().split()
    for i in range(layers):
        for pa, pb in zip(R.trace_paths(a, i), R.trace_paths(b, i)):
            ma, mb = R.read_csv_matrix(pa), R.read_csv_matrix(pb)
            assert ma.shape == mb.shape and np.array_equal(ma, mb), (pa, pb)


def _save(model, path):
    onnx.save(model, str(path))
    return str(path)


def test_digits_round_trip_matches_dse_traces(tmp_path):
    from dse.accuracy.onnx_export import digits_cnn_onnx, digits_test_data
    from dse.accuracy.traces_export import export_traces

    model = _save(digits_cnn_onnx(CKPT), tmp_path / "digits.onnx")
    x, _ = digits_test_data(6)
    np.savez(tmp_path / "one.npz", x=x[:1])
    dse_cli("traces", CKPT, "--out", str(tmp_path / "flax"))
    dse_cli("import", model, "--data", str(tmp_path / "one.npz"), "--out", str(tmp_path / "onnx"))
    _same_folder(tmp_path / "flax", tmp_path / "onnx")
    with open(tmp_path / "onnx" / "network.csv") as f:
        assert f.read() == "8,8,1,3,3,8,0,1\n8,8,8,3,3,16,1,1\n1,1,256,1,1,10,0,1\n"
    # the first layer's input: window 0 (padded corner), row 4 = kernel centre = pixel (0, 0), sign bit first
    bits = R.read_input(R.trace_paths(tmp_path / "onnx", 0)[1], (8, 8, 1, 3, 3, 8, 0, 1), 8)
    assert bits.shape == (9, 36 * 8)      # the reference reads (8-3+1)^2 of the 64 padded windows written
    assert R.read_csv_matrix(R.trace_paths(tmp_path / "onnx", 0)[1]).shape == (9, 64 * 8)
    assert int("".join(str(int(b)) for b in bits[4, :8]), 2) == round(min(float(x[0, 0, 0, 0]), 127 / 128) * 128)
    assert not bits[[0, 1, 2, 3, 6], :8].any()                  # padding rows of the corner window
    # another image, in process; --samples 6 changes no scale here (every input already in [-1, 1])
    np.savez(tmp_path / "six.npz", x=np.concatenate([x[5:6], x[:5]]))
    export_traces(CKPT, str(tmp_path / "flax5"), index=5)
    res = import_onnx(model, str(tmp_path / "six.npz"), samples=6)
    from dse.traces.onnx_import import write_import
    write_import(res, str(tmp_path / "onnx5"))
    _same_folder(tmp_path / "flax5", tmp_path / "onnx5")
    assert [l.weight_scale for l in res.layers] == [1.0, 4.0, 8.0] and {l.input_scale for l in res.layers} == {1.0}


def test_shipped_onnx_traces_and_sweep(tmp_path):
    from dse.accuracy.onnx_export import digits_cnn_onnx
    from dse.network import load_network
    from dse.sweep.spec import load_sweep

    with open(os.path.join(MODELS, "digits_cnn.onnx"), "rb") as f:
        assert f.read() == digits_cnn_onnx(CKPT).SerializeToString()
    shipped = os.path.join(MODELS, "digits_cnn_traces")
    main(["import", os.path.join(MODELS, "digits_cnn.onnx"), "--data", os.path.join(MODELS, "digits_test.npz"),
          "--out", str(tmp_path / "t")])
    _same_folder(shipped, tmp_path / "t")
    sweep = load_sweep(os.path.join(REPO, "sweeps", "digits_grid.yaml"))
    assert os.path.samefile(sweep.traces, shipped)
    assert sweep.network.layers == load_network(os.path.join(shipped, "network.csv")).layers
    assert len(sweep.points) == 13 * 3 * 3 * 5 * 5 * 2 and int((~sweep.excluded).sum()) == 13 * 3 * 5 * 2 * 12


def _tiny_model(path):
    """x (1,2,4,4) = 0.5 -> convA 1x1 + BN -> Relu; convB 1x1 (QDQ weights); Add; Concat with x; MaxPool;
    convC 2x2; Flatten; Gemm (transB, weights 3.0)."""
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    inits = [numpy_helper.from_array(a, n) for a, n in (
        (f32(np.full((3, 2, 1, 1), 0.125)), "wa"),
        (f32([2.0, 1.0, 0.5]), "gamma"), (f32([0.0, 0.0, 0.0]), "beta"), (f32([0.0, 0.0, 0.0]), "mean"),
        (f32([1.0, 4.0, 0.25]), "var"),
        (np.full((3, 2, 1, 1), 32, np.int8), "wb_q"), (f32(1 / 128), "wb_scale"), (np.array(0, np.int8), "wb_zero"),
        (f32(np.full((2, 5, 2, 2), 0.2)), "wc"), (f32(np.full((3, 2), 3.0)), "wd"))]
    nodes = [
        helper.make_node("Conv", ["x", "wa"], ["a"], name="convA"),
        helper.make_node("BatchNormalization", ["a", "gamma", "beta", "mean", "var"], ["a_bn"], name="bn", epsilon=0.0),
        helper.make_node("Relu", ["a_bn"], ["a_r"], name="reluA"),
        helper.make_node("DequantizeLinear", ["wb_q", "wb_scale", "wb_zero"], ["wb"], name="dq"),
        helper.make_node("Conv", ["x", "wb"], ["b"], name="convB"),
        helper.make_node("Add", ["a_r", "b"], ["s"], name="residual"),
        helper.make_node("Concat", ["s", "x"], ["c"], name="concat", axis=1),
        helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p", "wc"], ["cc"], name="convC"),
        helper.make_node("Flatten", ["cc"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "wd"], ["y"], name="fc", transB=1),
    ]
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return _save(m, path)


def test_batchnorm_fold_add_concat_and_scales(tmp_path):
    model = _tiny_model(tmp_path / "tiny.onnx")
    np.savez(tmp_path / "d.npz", x=np.full((1, 2, 4, 4), 0.5, np.float32))
    res = import_onnx(model, str(tmp_path / "d.npz"))
    assert [l.node for l in res.layers] == ["convA", "convB", "convC", "fc"]
    assert [l.layer.as_tuple() for l in res.layers] == [
        (4, 4, 2, 1, 1, 3, 0, 1), (4, 4, 2, 1, 1, 3, 1, 1),       # the pooling marks the latest layer before it
        (2, 2, 5, 2, 2, 2, 0, 1), (1, 1, 2, 1, 1, 3, 0, 1)]       # Concat: 3 + 2 input channels
    a, b, c, d = res.layers
    # BatchNorm folded: 0.125 * gamma / sqrt(var) = 0.25, 0.0625, 0.125; WAGE scale for fan-in 2 is 1/2
    assert a.weight_scale == 0.5 and np.array_equal(a.weight, np.tile([0.125, 0.03125, 0.0625], (2, 1)))
    assert b.weight_scale == 0.5 and np.array_equal(b.weight, np.full((2, 3), 0.125))       # QDQ weights 32/128
    assert c.weight_scale == 2.0 and np.array_equal(c.weight, np.full((20, 2), 0.3984375))  # 0.2 * 2 on the grid
    # fan-in 2 scale 1/2 would put 3.0 at 1.5: halved to 1/4 (no clipping)
    assert d.weight_scale == 0.25 and np.array_equal(d.weight, np.full((2, 3), 0.75))
    assert np.array_equal(a.windows, np.full((16, 2), 0.5)) and a.input_scale == 1.0
    # convC's window (channel-major rows): Add = 0.25 + 0.25, 0.0625 + 0.25, 0.125 + 0.25, then x, x
    assert np.array_equal(c.windows, np.repeat([0.5, 0.3125, 0.375, 0.5, 0.5], 4)[None, :])
    # fc input 0.2 * 4 * 2.1875 = 1.75 > 1: scaled by 1/2 -> 0.875
    assert d.input_scale == 0.5 and np.array_equal(d.windows, np.full((1, 2), 0.875))


def _sigmoid_model(path):
    w = numpy_helper.from_array(np.full((2, 1, 3, 3), 0.1, np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["h"], name="conv"),
             helper.make_node("Sigmoid", ["h"], ["y"], name="squash")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 2, 2])], [w])
    return _save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def test_unsupported_op_and_bad_files_exit_2(tmp_path, capsys):
    data = os.path.join(MODELS, "digits_test.npz")
    assert main(["import", _sigmoid_model(tmp_path / "sig.onnx"), "--data", data, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "node 'squash' (Sigmoid)" in err and "Supported: Conv, Gemm, MatMul, MaxPool" in err
    bad = tmp_path / "random.onnx"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    r = dse_cli("import", str(bad), "--data", data, "--out", str(tmp_path / "o"), check=False)
    assert r.returncode == 2 and f"{bad}: not an ONNX model" in r.stderr and "Traceback" not in r.stderr
    np.savez(tmp_path / "nhwc.npz", x=np.zeros((2, 8, 8, 1), np.float32))
    assert main(["import", os.path.join(MODELS, "digits_cnn.onnx"), "--data", str(tmp_path / "nhwc.npz"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "inputs of shape (2, 8, 8, 1), but the model takes (N, 1, 8, 8)" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "o")
