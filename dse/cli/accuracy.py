"""``dse train``, ``dse accuracy`` and ``dse traces``: quantized models, their accuracy on a CIM chip
(manual sections 8 and 9) and their traces for the hardware model."""
from __future__ import annotations

import os
import sys
import time

from dse.cache import cache_dir


def _fail(msg: str) -> int:
    print(f"dse: error: {msg}", file=sys.stderr)
    return 2


def _user_errors():
    from dse.accuracy.data import DataError
    from dse.accuracy.train import CheckpointError
    from dse.design import DesignError

    return (DataError, CheckpointError, DesignError)


def cmd_train(args) -> int:
    from dse.accuracy.networks import NETWORKS
    from dse.accuracy.train import train

    if args.network not in NETWORKS:
        return _fail(f"unknown network {args.network!r}; known: {', '.join(NETWORKS)}")
    out = args.out or os.path.join("models", args.network)
    try:
        _m, _v, cfg = train(args.network, args.data, args.data_dir, epochs=args.epochs, batch_size=args.batch_size,
                            lr=args.lr, weight_bits=args.weight_bits, input_bits=args.input_bits,
                            error_bits=args.error_bits, grad_bits=args.grad_bits, seed=args.seed, out=out,
                            limit=args.limit, log=lambda s: print(f"dse train: {s}", file=sys.stderr))
    except _user_errors() as e:
        return _fail(str(e))
    print(f"{args.network}: test accuracy {cfg['test_accuracy']:.4f} on {cfg['test_samples']} {cfg['dataset']} "
          f"images ({cfg['weight_bits']}-bit weights, {cfg['input_bits']}-bit activations), "
          f"{cfg['train_seconds']:.0f} s; checkpoint {out}.npz/.json, network file {out}.csv")
    return 0


def cmd_accuracy(args) -> int:
    from dse.accuracy.evaluate import Evaluator
    from dse.design import parse_assignments

    try:
        base = parse_assignments(args.set)
        points = [dict(base)]
        for item in args.sweep or []:
            k, _, vals = item.partition("=")
            vals = [parse_assignments([f"{k}={v}"])[k] for v in vals.split(",")]
            points = [dict(p, **{k: v}) for p in points for v in vals]
        t0 = time.perf_counter()
        ev = Evaluator(args.checkpoint, args.data, args.data_dir, args.samples, cache_dir=args.cache_dir)
        acc = ev.accuracy(points)
    except (_user_errors() + (ValueError,)) as e:
        return _fail(str(e))
    keys = sorted({k for p in points for k in p})
    print("\t".join(keys + ["accuracy"]))
    for p, a in zip(points, acc):
        print("\t".join([_fmt(p.get(k, "")) for k in keys] + [f"{a:.4f}"]))
    print(f"dse accuracy: {len(points)} points ({ev.evaluated} evaluated, the rest cached) on {len(ev.y)} "
          f"{ev.data} images in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def cmd_traces(args) -> int:
    from dse.accuracy.traces_export import export_traces

    try:
        net = export_traces(args.checkpoint, args.out, args.data, args.data_dir, args.index, args.gzip)
    except _user_errors() as e:
        return _fail(str(e))
    print(f"{args.out}: traces of {len(net.layers)} layers and network.csv "
          f"(use: dse estimate {os.path.join(args.out, 'network.csv')} --traces {args.out})")
    return 0


def register(sub) -> None:
    """Add the ``train``, ``accuracy`` and ``traces`` subcommands to an argparse subparsers object."""
    p = sub.add_parser("train", help="train a WAGE-quantized network and save a checkpoint under models/")
    p.add_argument("network", help="digits_cnn, vgg8, densenet40 or resnet18")
    p.add_argument("--data", help="digits, cifar10 or imagenet (default: the network's)")
    p.add_argument("--data-dir", help="folder of the dataset (CIFAR-10 python batches, ImageNet class folders)")
    p.add_argument("--out", help="checkpoint stem (default models/<network>)")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-bits", type=int, default=8)
    p.add_argument("--input-bits", type=int, default=8)
    p.add_argument("--error-bits", type=int, default=8, help="backward error precision (-1: float)")
    p.add_argument("--grad-bits", type=int, default=8, help="weight gradient precision (-1: float)")
    p.add_argument("--limit", type=int, help="use at most this many samples per split")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("accuracy", help="accuracy of a checkpoint on a CIM chip at one or more design points")
    p.add_argument("checkpoint", help="checkpoint stem, e.g. models/digits_cnn")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="design parameter (repeatable)")
    p.add_argument("--sweep", action="append", metavar="KEY=V1,V2,...", help="evaluate every listed value "
                   "(repeatable: the cartesian product)")
    p.add_argument("--data", help="dataset (default: the checkpoint's)")
    p.add_argument("--data-dir")
    p.add_argument("--samples", type=int, default=500, help="test samples (default 500)")
    p.add_argument("--cache-dir", default=cache_dir("accuracy", create=False),
                   help="on-disk accuracy cache (default: $DSE_CACHE_DIR/accuracy; none when DSE_CACHE_DIR=off)")
    p.set_defaults(func=cmd_accuracy)

    p = sub.add_parser("traces", help="run a checkpoint on one test image and write NeuroSim-layout traces")
    p.add_argument("checkpoint")
    p.add_argument("--out", required=True, help="trace folder to write")
    p.add_argument("--data")
    p.add_argument("--data-dir")
    p.add_argument("--index", type=int, default=0, help="test image index")
    p.add_argument("--gzip", action="store_true", help="write .csv.gz")
    p.set_defaults(func=cmd_traces)
