"""``dse import``: an ONNX model and sample inputs -> network file and traces for the hardware model."""
from __future__ import annotations

import os
import sys

HELP = """\
Run MODEL.onnx with onnxruntime on the inputs in DATA and write, to folder OUT, the NeuroSim
network file (network.csv) and each CIM layer's traces (weight<i>.csv.gz, input<i>.csv.gz), in
the layout the reference's PyTorch wrapper records and `dse run` / `dse estimate` read
(`traces: OUT`). Also import.json (per layer: node, row, scales).

CIM layers: Conv and Gemm/MatMul with constant weights, in topological order. Other operators
allowed: Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Transpose,
BatchNormalization (folded into the layer before it), Add (residual), Concat, Identity, Dropout,
QuantizeLinear/DequantizeLinear (QDQ), Constant. Anything else stops the import with the node's
name and type (exit 2).

DATA: a .npz with an array 'x' (or named as the model's input, or its only array) or a .npy,
shaped (N, ...) like the model's input, e.g. float32 (N, C, H, W) images, preprocessed as the
model expects. The traces are the first sample's (as the wrapper records one image); the first
--samples inputs (default 1) set each layer's input scale.

Quantization (WAGE, as the wrapper): weights times the wrapper's per-layer power-of-two scale for
their fan-in (halved while a weight would exceed 1), rounded to --weight-bits; inputs in [-1, 1]
(scaled down by a power of two where they exceed it), rounded to --input-bits, written as
two's-complement bits, sign first."""


def _fail(msg: str) -> int:
    print(f"dse: error: {msg}", file=sys.stderr)
    return 2


def cmd_import(args) -> int:
    from dse.traces.onnx_import import OnnxImportError, import_onnx, write_import

    try:
        res = import_onnx(args.model, args.data, samples=args.samples, weight_bits=args.weight_bits,
                          input_bits=args.input_bits)
        write_import(res, args.out, compress=not args.no_gzip,
                     sources={"model": os.path.basename(args.model), "data": os.path.basename(args.data)})
    except OnnxImportError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{args.out}: cannot write the traces ({e.strerror})")
    print("layer\tnode\top\tnetwork row\tweight scale\tinput scale")
    for i, l in enumerate(res.layers, start=1):
        print(f"{i}\t{l.node}\t{l.op}\t{','.join(map(str, l.layer.as_tuple()))}\t{l.weight_scale:g}\t{l.input_scale:g}")
    print(f"{args.out}: network.csv and traces of {len(res.layers)} layers from {res.samples} sample(s) "
          f"(use: dse estimate {os.path.join(args.out, 'network.csv')} --traces {args.out})")
    return 0


def register(sub) -> None:
    """Add the ``import`` subcommand to an argparse subparsers object."""
    import argparse

    p = sub.add_parser("import", help="ONNX model + sample inputs -> network file and traces (needs dse[onnx])",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="ONNX model file")
    p.add_argument("--data", required=True, help="inputs: .npz with array 'x' (N, ...) or .npy")
    p.add_argument("--out", required=True, help="trace folder to write")
    p.add_argument("--samples", type=int, default=1, help="inputs used to set the input scales (default 1; "
                   "the traces are the first input's)")
    p.add_argument("--weight-bits", type=int, default=8)
    p.add_argument("--input-bits", type=int, default=8)
    p.add_argument("--no-gzip", action="store_true", help="write .csv instead of .csv.gz")
    p.set_defaults(func=cmd_import)
