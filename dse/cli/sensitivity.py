"""``dse sensitivity``: what moves a metric most at one design point (``dse.sensitivity``)."""
from __future__ import annotations

import json
import math
import sys

#: metrics listed beside the ranked one (their elasticities)
ALSO = ("area", "latency", "energy_dynamic")


def _fail(msg: str) -> int:
    print(f"dse: error: {msg}", file=sys.stderr)
    return 2


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def format_table(ds, metric: str) -> str:
    """The knobs ranked by |elasticity| of ``metric`` at the dataset's first point."""
    one = ds.isel(point=0)
    value = float(one[f"value_{metric}"])
    lines = [f"dse sensitivity: network {ds.attrs.get('network')}, {metric} = {value:.6g} "
             f"{ds[f'value_{metric}'].attrs.get('units', '')}",
             f"what moves {metric} most here (elasticity: % change of {metric} per % change of the knob)"]
    others = [m for m in ALSO if m != metric and f"elasticity_{m}" in ds]
    head = f"{'rank':>4}  {'knob':<17}{'value':>12} {'unit':<6}{'elasticity':>12}{'d/d knob':>14}"
    lines.append(head + "".join(f"{'e(' + m + ')':>18}" for m in others) + "  branch")
    el = one[f"elasticity_{metric}"].values
    order = sorted(range(len(el)), key=lambda i: -abs(el[i]) if math.isfinite(el[i]) else 0.0)
    for r, i in enumerate(order, 1):
        w = str(one["wrt"].values[i])
        row = (f"{r:>4}  {w:<17}{float(one['knob_value'].values[i]):>12.5g} {str(one['wrt_unit'].values[i]):<6}"
               f"{el[i]:>+12.4f}{float(one[metric].values[i]):>+14.4e}")
        row += "".join(f"{float(one[f'elasticity_{m}'].values[i]):>+18.4f}" for m in others)
        lines.append(row + ("  changes within +-1%" if bool(one["branch_change"].values[i]) else ""))
    return "\n".join(lines)


def as_json(ds) -> dict:
    one = ds.isel(point=0)
    metrics = [v[len("value_"):] for v in ds.data_vars if v.startswith("value_")]
    return {"network": ds.attrs.get("network"), "error": str(one["error"].values),
            "knobs": {str(w): {"value": _num(one["knob_value"].values[i]), "unit": str(one["wrt_unit"].values[i]),
                               "branch_change": bool(one["branch_change"].values[i]),
                               "derivative": {m: _num(one[m].values[i]) for m in metrics},
                               "elasticity": {m: _num(one[f"elasticity_{m}"].values[i]) for m in metrics}}
                      for i, w in enumerate(one["wrt"].values)},
            "values": {m: _num(one[f"value_{m}"].values) for m in metrics}}


def cmd_sensitivity(args) -> int:
    from dse.design import DesignError, parse_assignments
    from dse.network import NetworkFileError
    from dse.analysis.sensitivity import sensitivity
    from dse.traces import TraceError

    try:
        point = parse_assignments(args.set)
        wrt = args.wrt.split(",") if args.wrt else None
        metrics = None if args.json else list(dict.fromkeys([args.metric, *ALSO]))
        ds = sensitivity(args.network, [point], metrics=metrics, wrt=wrt, traces=args.traces)
    except (DesignError, NetworkFileError, TraceError, ValueError) as e:
        return _fail(str(e))
    err = str(ds["error"].values[0])
    if args.json:
        print(json.dumps(as_json(ds), indent=1))
    elif err:
        print(f"dse sensitivity: INFEASIBLE: {err}")
    else:
        print(format_table(ds, args.metric))
    return 0


def register(sub) -> None:
    p = sub.add_parser("sensitivity", help="derivatives of the chip metrics with respect to the continuous knobs "
                       "at one design point, ranked")
    p.add_argument("network", help="network file, or a shipped network name (vgg8, densenet40, resnet18)")
    p.add_argument("--traces", help="folder of NeuroSim-layout traces")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="design parameter (repeatable)")
    p.add_argument("--metric", default="tops_per_w", help="the metric the table ranks the knobs by (default tops_per_w)")
    p.add_argument("--wrt", help="comma-separated knobs (default all: r_on, on_off, clk_freq, input_toggle, vdd, "
                   "wire_resistivity, cell_area)")
    p.add_argument("--json", action="store_true", help="print every chip metric's derivatives as JSON")
    p.set_defaults(func=cmd_sensitivity)
