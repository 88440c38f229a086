"""``dse``: run sweeps, estimate one design point, show and plot results.

Errors in user input (sweep files, network files, design values) print one
clear message and exit with status 2, without a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

EXIT_USAGE = 2


def _fail(msg: str) -> int:
    print(f"dse: error: {msg}", file=sys.stderr)
    return EXIT_USAGE


def cmd_run(args) -> int:
    from dse.sweep.cluster import ClusterError
    from dse.sweep.report import print_summary
    from dse.sweep.runner import OutputExists, run_sweep
    from dse.sweep.spec import SweepError, load_sweep
    from dse.sweep.store import StoreMismatch
    from dse.traces import TraceError

    if args.cluster and args.workers is not None:
        return _fail("use either --cluster ADDRESS (an existing scheduler) or --workers N (a local cluster)")
    if args.workers is not None and args.workers < 1:
        return _fail(f"--workers must be at least 1, got {args.workers}")
    try:
        sweep = load_sweep(args.sweep, output=args.out)
    except SweepError as e:
        return _fail(str(e))
    n_eval = int((~sweep.excluded).sum())
    if not args.quiet:
        print(f"dse run: {args.sweep}: {len(sweep.points)} points ({n_eval} to evaluate) on {sweep.network.name} "
              f"-> {sweep.output}", file=sys.stderr)
    try:
        with _cluster(args) as cluster:
            ds, seconds = run_sweep(sweep, force=args.force, progress=not args.quiet, cluster=cluster)
    except (OutputExists, StoreMismatch, TraceError, ClusterError) as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        print("dse run: interrupted; finished chunks are saved, run the same command to resume", file=sys.stderr)
        return 130
    print_summary(ds, seconds=seconds, path=sweep.output)
    return 0


def _cluster(args):
    """The Dask cluster of ``--cluster``/``--workers`` (a context), or none."""
    import contextlib

    if not args.cluster and args.workers is None:
        return contextlib.nullcontext()
    from dse.sweep.cluster import connect

    if args.cluster:
        print(f"dse run: on the Dask scheduler at {args.cluster}", file=sys.stderr)
    else:
        print(f"dse run: on a local Dask cluster of {args.workers} worker processes", file=sys.stderr)
    return connect(args.cluster, args.workers)


def cmd_estimate(args) -> int:
    import numpy as np

    from dse.design import DesignError, parse_assignments
    from dse.engine import evaluate
    from dse.network import NetworkFileError
    from dse.sweep.report import format_estimate

    try:
        point = parse_assignments(args.set)
        ds = evaluate(args.network, [point], traces=args.traces)
    except (DesignError, NetworkFileError, ValueError) as e:
        return _fail(str(e))
    one = ds.isel(point=0)
    if args.json:
        out = {"network": ds.attrs.get("network"), "point": {k: _py(one.coords[k].values) for k in ds.coords
                                                              if k not in ("point", "layer")},
               "error": str(one["error"].values), "metrics": {}}
        for name, var in one.data_vars.items():
            if name in ("error", "status"):
                continue
            vals = np.asarray(var.values, float)
            out["metrics"][name] = {"value": vals.tolist(), "units": var.attrs.get("units", "")}
        print(json.dumps(out, indent=2))
    else:
        print(format_estimate(ds))
    return 0 if not str(one["error"].values) else 1


def _py(v):
    v = v.item() if hasattr(v, "item") else v
    return v


def cmd_show(args) -> int:
    from dse.dataset import ResultFileError, read_dataset
    from dse.sweep.report import print_summary

    try:
        ds = read_dataset(args.result, need=("error", "status"))
    except ResultFileError as e:
        return _fail(str(e))
    print_summary(ds, path=args.result, top=args.top)
    return 0


def cmd_plot(args) -> int:
    from dse.dataset import ResultFileError, read_dataset
    from dse.sweep.plot import PlotError, plot_result

    try:
        path = plot_result(read_dataset(args.result), x=args.x, y=args.y, color=args.color, out=args.out,
                           source=args.result)
    except (ResultFileError, PlotError) as e:
        return _fail(str(e))
    print(path)
    return 0


def _version() -> str:
    import jax

    import dse

    return f"dse {dse.__version__} (NeuroSim V1.4 hardware model; jax {jax.__version__}, python {sys.version.split()[0]})"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dse", description="Design-space exploration for compute-in-memory "
                                 "DNN accelerators (NeuroSim V1.4's hardware model in JAX).")
    ap.add_argument("--version", action="version", version=_version())
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="evaluate a sweep file and write a netCDF dataset")
    p.add_argument("sweep", help="sweep file (YAML), e.g. sweeps/vgg8_grid.yaml")
    p.add_argument("--out", help="output netCDF path (default: the sweep's 'output' or results/<name>.nc)")
    p.add_argument("--force", action="store_true", help="overwrite an existing result")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--cluster", metavar="ADDRESS", help="evaluate on the Dask scheduler at ADDRESS "
                   "(tcp://HOST:8786; needs pip install -e '.[cluster]')")
    p.add_argument("--workers", type=int, metavar="N", help="evaluate on a local Dask cluster of N worker processes")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("estimate", help="estimate one design point and print a report")
    p.add_argument("network", help="network file, or a shipped network name (vgg8, densenet40, resnet18)")
    p.add_argument("--traces", help="folder of NeuroSim-layout traces")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="design parameter (repeatable), "
                   "e.g. --set technode=7 --set memcell=rram --set r_on='6 kOhm'")
    p.add_argument("--json", action="store_true", help="print JSON instead of the report")
    p.set_defaults(func=cmd_estimate)

    p = sub.add_parser("show", help="summarize a result file")
    p.add_argument("result")
    p.add_argument("--top", type=int, default=5, help="designs to list per objective")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("plot", help="scatter plot of two metrics of a result file (PNG)")
    p.add_argument("result")
    p.add_argument("--x", default="area")
    p.add_argument("--y", default="tops_per_w")
    p.add_argument("--color", default="technode")
    p.add_argument("--out", help="PNG path (default: beside the result)")
    p.set_defaults(func=cmd_plot)

    from dse.cli.optimize import register as register_optimize
    register_optimize(sub)
    from dse.cli import accuracy as _acc
    _acc.register(sub)
    from dse.cli.import_onnx import register as register_import
    register_import(sub)
    from dse.cli.sensitivity import register as register_sensitivity
    register_sensitivity(sub)
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
