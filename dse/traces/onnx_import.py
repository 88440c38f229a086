"""An ONNX model as a NeuroSim network file and traces (``dse import``).

The CIM layers are the graph's ``Conv`` and ``Gemm``/``MatMul`` nodes with constant weights, in
topological order; each becomes one network-file row ``in_h, in_w, in_c, k_h, k_w, out_c, pool,
stride`` (dense layers 1x1; ``pool`` is 1 for the layer a max/average pooling follows: the latest
layer upstream of the pooling). The other supported operators (:data:`SUPPORTED`) only shape the
activations, which onnxruntime computes; ``Concat`` and ``Add`` pass them on (a concatenation
widens the next layer's input), and a ``BatchNormalization`` that reads a layer's output alone is
folded into that layer's weights (per output channel ``scale / sqrt(var + epsilon)``).

Quantization follows the reference's WAGE wrapper (:mod:`dse.quant`):

* **weights**: multiplied by the wrapper's per-layer power-of-two scale for the layer's fan-in
  (:func:`~dse.quant.layer_scale`, the scale WAGE divides the layer output by), halved
  while the largest weight would exceed 1 (so no weight is clipped), then clipped to the
  ``weight_bits`` range and rounded to its grid;
* **inputs**: WAGE's fixed [-1, 1] range; a layer whose inputs exceed 1 in magnitude on the samples
  used is scaled down by the smallest power of two that brings them into range; then clipped and
  rounded to ``input_bits``.

The traces are those of the first sample (the wrapper records one image); with ``samples`` > 1
the other samples only set the input scales. Output layout: :mod:`dse.traces.writer`.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os

import numpy as np

from dse.network import Layer, Network

__all__ = ["OnnxImportError", "SUPPORTED", "ImportedLayer", "ImportResult", "load_model", "load_data",
           "import_onnx", "write_import"]

#: operator -> role: a CIM layer, a pooling, an operator on activations, or a constant
SUPPORTED = {
    "Conv": "layer", "Gemm": "layer", "MatMul": "layer",
    "MaxPool": "pool", "AveragePool": "pool", "GlobalAveragePool": "pool",
    "Relu": "pass", "Clip": "pass", "BatchNormalization": "pass", "Add": "pass", "Concat": "pass",
    "Flatten": "pass", "Reshape": "pass", "Transpose": "pass", "Identity": "pass", "Dropout": "pass",
    "QuantizeLinear": "pass", "DequantizeLinear": "pass", "Constant": "constant",
}


class OnnxImportError(ValueError):
    """A model or data file that cannot be imported; the message names the file, node and what is allowed."""


@dataclasses.dataclass
class ImportedLayer:
    """One CIM layer of the model: its node, network-file row, weights and one sample's input windows."""

    node: str
    op: str
    layer: Layer
    weight: np.ndarray          # (rows, out_c) quantized, in [-1, 1]
    windows: np.ndarray         # (windows, rows) quantized input of the first sample
    weight_scale: float         # power of two the float weights were multiplied by
    input_scale: float          # power of two the inputs were multiplied by


@dataclasses.dataclass
class ImportResult:
    network: Network
    layers: list[ImportedLayer]
    samples: int
    weight_bits: int
    input_bits: int


def _onnx():
    try:
        import onnx
        import onnxruntime
    except ImportError as e:
        raise OnnxImportError(f"dse import needs onnx and onnxruntime ({e}); install them with "
                              f"pip install 'dse[onnx]' (or: pip install onnx onnxruntime)") from None
    return onnx, onnxruntime


def load_model(path: str):
    """The ``onnx.ModelProto`` in ``path``; :class:`OnnxImportError` if it is missing or not ONNX."""
    onnx, _ = _onnx()
    if not os.path.isfile(path):
        raise OnnxImportError(f"{path}: no such model file")
    with open(path, "rb") as f:
        blob = f.read()
    try:
        model = onnx.load_model_from_string(blob)
    except Exception as e:   # protobuf's DecodeError and friends
        raise OnnxImportError(f"{path}: not an ONNX model (cannot be parsed: {e})") from None
    if model.ir_version < 1 or not model.graph.node:
        raise OnnxImportError(f"{path}: not an ONNX model (no IR version or no graph nodes)")
    try:
        onnx.checker.check_model(model)
    except Exception as e:
        raise OnnxImportError(f"{path}: invalid ONNX model: {str(e).strip().splitlines()[0]}") from None
    return model


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _constants(graph, nodes) -> dict[str, np.ndarray]:
    """Initializers, Constant nodes and DequantizeLinear of constants, by tensor name."""
    from onnx import numpy_helper

    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for n in nodes:
        if n.op_type == "Constant":
            v = _attrs(n)
            if "value" in v:
                consts[n.output[0]] = numpy_helper.to_array(v["value"])
            elif "value_float" in v or "value_floats" in v or "value_int" in v or "value_ints" in v:
                consts[n.output[0]] = np.asarray(next(v[k] for k in ("value_float", "value_floats", "value_int",
                                                                      "value_ints") if k in v))
        elif n.op_type == "DequantizeLinear" and all(t in consts for t in n.input if t):
            consts[n.output[0]] = _dequantize(n, consts)           # quantized (QDQ) constant weights
    return consts


def _dequantize(n, consts) -> np.ndarray:
    """``(q - zero_point) * scale`` of a DequantizeLinear node on constants (per tensor or per ``axis``)."""
    q = np.asarray(consts[n.input[0]], np.float64)
    scale = np.asarray(consts[n.input[1]], np.float64)
    zero = np.asarray(consts[n.input[2]], np.float64) if len(n.input) > 2 and n.input[2] else np.zeros_like(scale)
    if scale.ndim == 1 and q.ndim > 1:
        shape = [1] * q.ndim
        shape[_attrs(n).get("axis", 1)] = -1
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return (q - zero) * scale


def _toposort(graph, path):
    """The graph's nodes in topological order (stable: the file's order where it allows)."""
    known = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    pending, order = list(graph.node), []
    while pending:
        rest = []
        for n in pending:
            if all(i in known for i in n.input):
                order.append(n)
                known.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            missing = sorted({i for n in rest for i in n.input if i not in known})
            raise OnnxImportError(f"{path}: graph has a cycle or undefined tensors ({', '.join(missing[:5])})")
        pending = rest
    return order


def _node_name(n, i) -> str:
    return n.name or f"#{i} ({n.op_type})"


def _check_ops(nodes, path):
    bad = [f"node '{_node_name(n, i)}' ({n.op_type})" for i, n in enumerate(nodes)
           if n.op_type not in SUPPORTED or n.domain not in ("", "ai.onnx")]
    if bad:
        raise OnnxImportError(f"{path}: unsupported operator{'s' if len(bad) > 1 else ''}: {'; '.join(bad)}. "
                              f"Supported: {', '.join(SUPPORTED)} (Conv, Gemm and MatMul with constant weights "
                              f"are the CIM layers)")


@dataclasses.dataclass
class _Spec:
    """A layer node before it runs: weights as float (rows, out_c) and the convolution's geometry."""

    index: int
    node: object
    weight: np.ndarray
    conv: dict | None = None
    pool: int = 0


def _layer_spec(i, n, consts, path) -> _Spec:
    where = f"{path}: node '{_node_name(n, i)}' ({n.op_type})"
    if len(n.input) < 2 or n.input[1] not in consts:
        raise OnnxImportError(f"{where}: the weights ({n.input[1] if len(n.input) > 1 else 'input 2'}) are not a "
                              f"constant; only layers with constant weights (initializers) are supported")
    if n.input[0] in consts:
        raise OnnxImportError(f"{where}: the first operand is a constant; the activations must come first")
    w = np.asarray(consts[n.input[1]], np.float64)
    a = _attrs(n)
    if n.op_type == "Conv":
        if w.ndim != 4:
            raise OnnxImportError(f"{where}: weights of shape {w.shape}; only 2-D convolutions are supported")
        if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
            raise OnnxImportError(f"{where}: group={a.get('group', 1)}, dilations={list(a.get('dilations', [1, 1]))}; "
                                  f"only group=1 and dilation 1 are supported")
        strides = list(a.get("strides", [1, 1]))
        if strides[0] != strides[1]:
            raise OnnxImportError(f"{where}: strides {strides}; the network file has one stride, so both must be equal")
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        conv = dict(kh=w.shape[2], kw=w.shape[3], stride=strides[0], pads=list(a.get("pads", [0, 0, 0, 0])),
                    auto_pad=auto)
        return _Spec(i, n, w.reshape(w.shape[0], -1).T.copy(), conv)     # rows (c, ky, kx), channel-major
    if w.ndim != 2:
        raise OnnxImportError(f"{where}: weights of shape {w.shape}; only 2-D weight matrices are supported")
    if n.op_type == "Gemm":
        if a.get("transA", 0):
            raise OnnxImportError(f"{where}: transA=1 is not supported (activations must be (batch, features))")
        w = (w.T if a.get("transB", 0) else w) * float(a.get("alpha", 1.0))
    return _Spec(i, n, w)


def _fold_batchnorm(nodes, specs, consts, graph_outputs):
    """Fold each BatchNormalization that alone reads a layer's output into that layer's weights."""
    by_output = {s.node.output[0]: s for s in specs.values()}
    readers: dict[str, int] = {}
    for n in nodes:
        for t in n.input:
            readers[t] = readers.get(t, 0) + 1
    for n in nodes:
        if n.op_type != "BatchNormalization" or n.input[0] not in by_output:
            continue
        if readers[n.input[0]] != 1 or n.input[0] in graph_outputs or not all(t in consts for t in n.input[1:5]):
            continue
        spec = by_output[n.input[0]]
        scale = np.asarray(consts[n.input[1]], np.float64) / np.sqrt(
            np.asarray(consts[n.input[4]], np.float64) + float(_attrs(n).get("epsilon", 1e-5)))
        if scale.shape == (spec.weight.shape[1],):
            spec.weight = spec.weight * scale[None, :]


def _mark_pools(nodes, specs, consts):
    """Set ``pool`` on the latest layer upstream of each pooling (through non-layer operators)."""
    producer = {t: k for k, n in enumerate(nodes) for t in n.output}
    for k, n in enumerate(nodes):
        if SUPPORTED.get(n.op_type) != "pool":
            continue
        found, stack, seen = [], [n.input[0]], set()
        while stack:
            t = stack.pop()
            if t in seen or t in consts or t not in producer:
                continue
            seen.add(t)
            j = producer[t]
            if j in specs:
                found.append(j)
            elif SUPPORTED.get(nodes[j].op_type) == "pass":
                stack.extend(nodes[j].input)
        if found:
            specs[max(found)].pool = 1


def _input_info(model, path):
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise OnnxImportError(f"{path}: the model has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                              f"only models with one input are supported")
    t = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    from onnx import helper

    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(t.elem_type))
    except (KeyError, TypeError, ValueError):
        dtype = np.dtype(np.float32)
    return inputs[0].name, dims, dtype


def load_data(path: str, input_name: str, dims: list, samples: int) -> np.ndarray:
    """The first ``samples`` inputs from ``path``: a ``.npz`` with key ``x`` (or the model's input
    name, or a single array) or a ``.npy``, shaped ``(N, ...)`` as the model's input."""
    if not os.path.isfile(path):
        raise OnnxImportError(f"{path}: no such data file")
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        raise OnnxImportError(f"{path}: not a NumPy .npz or .npy file") from None
    if isinstance(z, np.ndarray):
        x = z
    else:
        with z:
            key = next((k for k in ("x", input_name) if k in z.files), z.files[0] if len(z.files) == 1 else None)
            if key is None:
                raise OnnxImportError(f"{path}: no array 'x' (or '{input_name}', the model's input); "
                                      f"found {', '.join(z.files) or 'none'}")
            x = z[key]
    want = "(N, " + ", ".join("?" if d is None else str(d) for d in dims[1:]) + ")"
    if x.ndim != len(dims) or any(d is not None and d != s for d, s in zip(dims[1:], x.shape[1:])):
        raise OnnxImportError(f"{path}: inputs of shape {x.shape}, but the model takes {want}")
    if not np.issubdtype(x.dtype, np.number):
        raise OnnxImportError(f"{path}: inputs of type {x.dtype}, expected numbers")
    if samples < 1 or samples > x.shape[0]:
        raise OnnxImportError(f"{path}: {x.shape[0]} samples, cannot use {samples}")
    return x[:samples]


def _run(model, input_name, batch, x, names):
    """Per tensor in ``names``: (largest magnitude over the samples, the first sample)."""
    onnx, ort = _onnx()
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for t in names:
        if t not in have and t != input_name:
            m.graph.output.append(onnx.ValueInfoProto(name=t))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = min(4, os.cpu_count() or 1)
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    fetch = [t for t in names if t != input_name]
    peak = dict.fromkeys(names, 0.0)
    first: dict[str, np.ndarray] = {}
    step = batch or min(32, len(x))
    for lo in range(0, len(x), step):
        chunk = x[lo:lo + step]
        n = len(chunk)
        if batch and n < batch:                                   # a fixed batch size: pad, drop the padding
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - n, axis=0)])
        outs = dict(zip(fetch, sess.run(fetch, {input_name: chunk})))
        outs[input_name] = chunk
        for t in names:
            v = np.asarray(outs[t])[:n]
            peak[t] = max(peak[t], float(np.max(np.abs(v))) if v.size else 0.0)
            first.setdefault(t, v[0])
    return peak, first


def _pads(conv, h, w):
    kh, kw, s = conv["kh"], conv["kw"], conv["stride"]
    if conv["auto_pad"] in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for size, k in ((h, kh), (w, kw)):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small = total // 2
            out.append((small, total - small) if conv["auto_pad"] == "SAME_UPPER" else (total - small, small))
        return out[0][0], out[1][0], out[0][1], out[1][1]
    if conv["auto_pad"] == "VALID":
        return 0, 0, 0, 0
    return tuple(conv["pads"])


def conv_windows(x: np.ndarray, kh: int, kw: int, stride: int, pads) -> np.ndarray:
    """Input windows of one ``(C, H, W)`` input: ``(windows, C*kh*kw)``, windows row-major over output
    positions, rows channel-major (``c*kh*kw + ky*kw + kx``); ``pads`` = (top, left, bottom, right)."""
    top, left, bottom, right = pads
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    v = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    c, ho, wo = v.shape[:3]
    return v.transpose(1, 2, 0, 3, 4).reshape(ho * wo, c * kh * kw)


def _weight_scale(w: np.ndarray, bits: int) -> float:
    from dse import quant

    s = quant.layer_scale(w.shape[0], bits)
    peak = float(np.max(np.abs(w))) if w.size else 0.0
    while peak * s > 1.0:
        s /= 2.0
    return s


def _input_scale(peak: float) -> float:
    return 1.0 if peak <= 1.0 else 2.0 ** -math.ceil(math.log2(peak))


def _wage(x, bits: int) -> np.ndarray:
    from dse import quant

    return np.asarray(quant.quantize(quant.clip(np.asarray(x, np.float64), bits), bits), np.float64)


def import_onnx(model_path: str, data_path: str, samples: int = 1, weight_bits: int = 8,
                input_bits: int = 8) -> ImportResult:
    """Network file rows, quantized weights and the first sample's quantized input windows of the
    CIM layers of an ONNX model run on ``samples`` inputs of ``data_path`` (see the module docstring)."""
    for name, b in (("weight_bits", weight_bits), ("input_bits", input_bits)):
        if not 2 <= int(b) <= 16:
            raise OnnxImportError(f"{name} = {b}: must be between 2 and 16")
    model = load_model(model_path)
    graph = model.graph
    nodes = _toposort(graph, model_path)
    _check_ops(nodes, model_path)
    consts = _constants(graph, nodes)
    specs = {k: _layer_spec(k, n, consts, model_path) for k, n in enumerate(nodes) if SUPPORTED[n.op_type] == "layer"}
    if not specs:
        raise OnnxImportError(f"{model_path}: no Conv, Gemm or MatMul node with constant weights (no CIM layer)")
    _fold_batchnorm(nodes, specs, consts, {o.name for o in graph.output})
    _mark_pools(nodes, specs, consts)
    input_name, dims, dtype = _input_info(model, model_path)
    x = load_data(data_path, input_name, dims, samples).astype(dtype)
    batch = dims[0] if dims and dims[0] else None
    try:
        peak, first = _run(model, input_name, batch, x, sorted({s.node.input[0] for s in specs.values()}))
    except Exception as e:   # onnxruntime's own errors (shapes, types)
        raise OnnxImportError(f"{model_path}: onnxruntime cannot run the model on {data_path}: "
                              f"{str(e).strip().splitlines()[0]}") from None
    layers = []
    for k in sorted(specs):
        s, n = specs[k], specs[k].node
        where = f"{model_path}: node '{_node_name(n, k)}' ({n.op_type})"
        a = np.asarray(first[n.input[0]], np.float64)
        rows, out_c = s.weight.shape
        if s.conv is not None:
            if a.ndim != 3 or a.shape[0] * s.conv["kh"] * s.conv["kw"] != rows:
                raise OnnxImportError(f"{where}: input of shape {(None,) + a.shape} does not fit weights "
                                      f"{(out_c, rows // (s.conv['kh'] * s.conv['kw']), s.conv['kh'], s.conv['kw'])}")
            c, h, w = a.shape
            if s.conv["kh"] > h or s.conv["kw"] > w:
                raise OnnxImportError(f"{where}: kernel {s.conv['kh']}x{s.conv['kw']} is larger than its {h}x{w} input")
            layer = Layer(h, w, c, s.conv["kh"], s.conv["kw"], out_c, s.pool, s.conv["stride"])
        else:
            if a.ndim != 1 or a.shape[0] != rows:
                raise OnnxImportError(f"{where}: input of shape {(None,) + a.shape}; only (batch, {rows}) inputs "
                                      f"are supported")
            layer = Layer(1, 1, rows, 1, 1, out_c, s.pool, 1)
        ws, xs = _weight_scale(s.weight, weight_bits), _input_scale(peak[n.input[0]])
        xq = _wage(a * xs, input_bits)
        win = conv_windows(xq, s.conv["kh"], s.conv["kw"], s.conv["stride"], _pads(s.conv, h, w)) \
            if s.conv is not None else xq[None, :]
        layers.append(ImportedLayer(_node_name(n, k), n.op_type, layer, _wage(s.weight * ws, weight_bits), win,
                                    ws, xs))
    name = os.path.splitext(os.path.basename(model_path))[0]
    net = Network(name=name, layers=tuple(l.layer for l in layers))
    return ImportResult(net, layers, len(x), int(weight_bits), int(input_bits))


def write_import(result: ImportResult, out: str, compress: bool = True, sources: dict | None = None) -> list[str]:
    """Write the trace folder (:func:`dse.traces.writer.write_trace_folder`) and ``import.json``, a
    record of the import (``sources``: file names to note, per-layer node names and scales)."""
    from dse.traces.writer import write_trace_folder

    paths = write_trace_folder(out, result.network, [l.weight for l in result.layers],
                               [l.windows for l in result.layers], result.input_bits, compress)
    record = dict(sources or {}, samples=result.samples, weight_bits=result.weight_bits,
                  input_bits=result.input_bits,
                  layers=[{"node": l.node, "op": l.op, "row": ",".join(map(str, l.layer.as_tuple())), "weight_scale": l.weight_scale,
                           "input_scale": l.input_scale} for l in result.layers])
    paths.append(os.path.join(out, "import.json"))
    with open(paths[-1], "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return paths
