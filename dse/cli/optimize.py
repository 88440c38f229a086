"""``dse optimize`` (multi-objective search on a persistent Optuna study) and ``dse pareto``."""
from __future__ import annotations

import os
import sys

EXIT_USAGE = 2


def _fail(msg: str) -> int:
    print(f"dse: error: {msg}", file=sys.stderr)
    return EXIT_USAGE


def cmd_optimize(args) -> int:
    from dse.design import DesignError
    from dse.network import NetworkFileError
    from dse.search.evaluate import SearchError
    from dse.search.results import study_dataset, write_results
    from dse.search.spec import load_study
    from dse.search.storage import masked_url
    from dse.search.study import run_study
    from dse.sweep.spec import SweepError

    try:
        spec = load_study(args.study_file, output=args.out, trials=args.trials, batch=args.batch,
                          sampler=args.sampler, seed=args.seed, storage=args.storage, study=args.study)
    except (SweepError, DesignError, NetworkFileError) as e:
        return _fail(str(e))
    print(f"dse optimize: {args.study_file}: {spec.sampler} on {spec.network.name}, {spec.trials} trials in batches "
          f"of {spec.batch}; objectives {', '.join(map(str, spec.objectives))}; study '{spec.study_name}' in "
          f"{masked_url(spec.storage)}", file=sys.stderr)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        rep = run_study(spec, progress=not args.quiet, grace=args.grace)
    except SearchError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        print("dse optimize: interrupted; the study is saved, run the same command to resume", file=sys.stderr)
        return 130
    ds = study_dataset(rep.study, spec)
    paths = write_results(ds, spec.output)
    n_ok = int(ds["feasible"].sum())
    print(f"dse optimize: {ds.sizes['trial']} trials ({rep.evaluated} evaluated by this process"
          + (f", {rep.claimed} taken over from a stopped worker" if rep.claimed else "")
          + f"), {n_ok} feasible, {int(ds['pareto'].sum())} on the front; hypervolume {ds.attrs['hypervolume']:.6g}; "
          f"{rep.seconds:.1f} s", file=sys.stderr)
    print("\n".join(paths))
    return 0


def cmd_pareto(args) -> int:
    from dse.dataset import ResultFileError, read_dataset
    from dse.search.plot import ParetoError, front_table, plot_front

    try:
        ds = read_dataset(args.result)
    except ResultFileError as e:
        return _fail(str(e))
    try:
        print(front_table(ds, top=args.top))
        print(f"hypervolume {float(ds.attrs.get('hypervolume', float('nan'))):.6g} "
              f"(reference {ds.attrs.get('hv_reference')})")
        if not args.no_plot:
            out = args.out or os.path.splitext(args.result)[0] + "_pareto.png"
            print(plot_front(ds, out, color=args.color))
    except ParetoError as e:
        return _fail(f"{args.result}: {e}")
    return 0


def register(sub) -> None:
    """Add the ``optimize`` and ``pareto`` subcommands to ``dse``'s parser."""
    p = sub.add_parser("optimize", help="multi-objective search (Optuna) over a study file; resumable")
    p.add_argument("study_file", help="sweep file with an 'optimize:' section, e.g. sweeps/vgg8_pareto.yaml")
    p.add_argument("--trials", type=int, help="trial budget of the study (all workers together)")
    p.add_argument("--batch", type=int, help="trials asked and evaluated together")
    p.add_argument("--sampler", help="nsga2 | tpe | random | grid")
    p.add_argument("--seed", type=int)
    p.add_argument("--storage", help="Optuna storage URL (default sqlite:///<output>.db; "
                   "postgresql://... for many machines; journal:PATH for a journal file)")
    p.add_argument("--study", help="study name (default: the file name)")
    p.add_argument("--out", help="result netCDF (CSV files are written beside it)")
    p.add_argument("--grace", type=float, default=60.0, help="seconds without a heartbeat before another "
                   "worker's running trials are taken over (default 60)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("pareto", help="print a study result's Pareto front and draw its 2-D projections (PNG)")
    p.add_argument("result", help="netCDF written by dse optimize")
    p.add_argument("--out", help="PNG path (default: <result>_pareto.png)")
    p.add_argument("--color", default="technode", help="knob that colours the points")
    p.add_argument("--top", type=int, help="rows of the table (default: the whole front)")
    p.add_argument("--no-plot", action="store_true", help="only print the table")
    p.set_defaults(func=cmd_pareto)
