"""The digits CNN checkpoint as an ONNX model (the one ``dse import`` round-trips).

:func:`digits_cnn_onnx` writes the network with ``onnx.helper``, NCHW: ``Conv`` (the WAGE-quantized
weights divided by the layer's WAGE scale, the float weights the network computes with), WAGE's
activation quantizer on the input and after each convolution (``Clip`` to the range, then a
``QuantizeLinear``/``DequantizeLinear`` pair with step ``2**(1-input_bits)``: round half to even),
``Relu``, ``MaxPool``, a ``Transpose`` to NHWC and ``Flatten`` (the Flax model's feature order),
``Gemm``. onnxruntime then computes the quantized network's activations exactly (integer sums of
dyadic values in float32).

``python -m dse.accuracy.onnx_export`` regenerates the shipped ``models/digits_cnn.onnx`` and
``models/digits_test.npz`` (the first 16 test images, ``x`` (16, 1, 8, 8) float32 in [0, 1],
labels ``y``).
"""
from __future__ import annotations

import os

import numpy as np

from dse import quant
from dse.accuracy.train import load_checkpoint

__all__ = ["digits_cnn_onnx", "digits_test_data"]

OPSET = 13
IR_VERSION = 8      # readable by onnxruntime >= 1.10


def digits_cnn_onnx(checkpoint: str):
    """The ``onnx.ModelProto`` of a digits CNN checkpoint (input ``x``: (N, 1, 8, 8), output ``logits``)."""
    from onnx import TensorProto, helper, numpy_helper

    _model, variables, cfg = load_checkpoint(checkpoint)
    if cfg["network"] != "digits_cnn":
        raise ValueError(f"{checkpoint}: network {cfg['network']!r}; only digits_cnn is exported")
    wb, ib = int(cfg["weight_bits"]), int(cfg["input_bits"])
    if not 2 <= ib <= 8:
        raise ValueError(f"{checkpoint}: input_bits = {ib}; the export's int8 QDQ activations need 2 to 8 bits")
    p = variables["params"]

    def weight(kernel):
        k = np.asarray(kernel, np.float64)
        wq = np.asarray(quant.quantize(quant.clip(k, wb), wb))
        fan_in = int(np.prod(k.shape[:-1]))
        return (wq / quant.layer_scale(fan_in, wb)).astype(np.float32)

    w1 = weight(p["QConv_0"]["kernel"]).transpose(3, 2, 0, 1)        # HWIO -> OIHW
    w2 = weight(p["QConv_1"]["kernel"]).transpose(3, 2, 0, 1)
    w3 = weight(p["QDense_0"]["kernel"])
    lim = 1.0 - quant.step(ib)
    inits = [numpy_helper.from_array(a, n) for a, n in (
        (w1, "conv1.weight"), (w2, "conv2.weight"), (w3, "fc.weight"),
        (np.array(-lim, np.float32), "act.min"), (np.array(lim, np.float32), "act.max"),
        (np.array(quant.step(ib), np.float32), "act.step"), (np.array(0, np.int8), "act.zero"))]
    def act(src, i):      # WAGE's activation quantizer: clip, then round to the grid (QDQ pair)
        return [helper.make_node("Clip", [src, "act.min", "act.max"], [f"clip{i}"], name=f"clip{i}"),
                helper.make_node("QuantizeLinear", [f"clip{i}", "act.step", "act.zero"], [f"q{i}"], name=f"quant{i}"),
                helper.make_node("DequantizeLinear", [f"q{i}", "act.step", "act.zero"], [f"a{i}"], name=f"dequant{i}")]

    nodes = act("x", 0) + [
        helper.make_node("Conv", ["a0", "conv1.weight"], ["conv1"], name="conv1", kernel_shape=[3, 3], pads=[1] * 4),
        *act("conv1", 1),
        helper.make_node("Relu", ["a1"], ["relu1"], name="relu1"),
        helper.make_node("Conv", ["relu1", "conv2.weight"], ["conv2"], name="conv2", kernel_shape=[3, 3], pads=[1] * 4),
        *act("conv2", 2),
        helper.make_node("Relu", ["a2"], ["relu2"], name="relu2"),
        helper.make_node("MaxPool", ["relu2"], ["pool"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Transpose", ["pool"], ["nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]),
        helper.make_node("Flatten", ["nhwc"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight"], ["logits"], name="fc"),
    ]
    graph = helper.make_graph(nodes, "digits_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="dse",
                              doc_string=f"digits CNN ({wb}-bit WAGE weights, {ib}-bit activations), "
                                         f"from the dse checkpoint {os.path.basename(checkpoint)}")
    model.ir_version = IR_VERSION
    return model


def digits_test_data(n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` digits test images as NCHW float32 in [0, 1] and their labels."""
    from dse.accuracy import data as D

    x, y = D.load("digits", split="test", limit=n)
    return np.ascontiguousarray(np.asarray(x, np.float32).transpose(0, 3, 1, 2)), np.asarray(y)


def main() -> None:
    import onnx

    models = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "models")
    onnx.save(digits_cnn_onnx(os.path.join(models, "digits_cnn")), os.path.join(models, "digits_cnn.onnx"))
    x, y = digits_test_data()
    np.savez(os.path.join(models, "digits_test.npz"), x=x, y=y)


if __name__ == "__main__":
    main()
