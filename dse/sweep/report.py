"""Text reports: the end-of-run summary, ``dse show`` and ``dse estimate``."""
from __future__ import annotations

import collections

import numpy as np
import xarray as xr

from dse import design
from dse.pareto import pareto_mask
from dse.units import display

#: objectives the summary ranks designs by: (metric, maximize)
OBJECTIVES = (("tops_per_w", True), ("tops_per_mm2", True), ("latency", False), ("area", False),
              ("accuracy", True))


def flat(ds: xr.Dataset) -> xr.Dataset:
    """The dataset with one ``point`` dimension (grid axes stacked)."""
    if "point" in ds.dims:
        return ds
    axes = [d for d in ds.dims if d != "layer"]
    return ds.stack(point=axes)


def _fmt(value: float, unit: str) -> str:
    v, u = display(float(value), unit)
    return f"{v:.4g} {u}".rstrip()


def _knobs(row: xr.Dataset) -> str:
    parts = []
    for k in ("technode", "memcell", "mode", "subarray", "parallel_read", "adc_bits", "cell_bits", "adc",
              "mapping"):
        if k in row.coords:
            parts.append(f"{k}={row.coords[k].values}")
    return " ".join(parts)


def print_summary(ds: xr.Dataset, *, seconds: float | None = None, path: str | None = None, top: int = 1) -> None:
    f = flat(ds)
    n = f.sizes["point"]
    errors = f["error"].values.astype(str)
    st = f["status"].values
    from dse import status as S
    excluded = (st & S.EXCLUDED) != 0
    infeasible = (errors != "") & ~excluded
    print(f"points: {n}  evaluated: {n - excluded.sum()}  feasible: {int((errors == '').sum())}  "
          f"infeasible: {int(infeasible.sum())}  excluded by filter: {int(excluded.sum())}"
          + (f"  time: {seconds:.1f} s" if seconds is not None else "")
          + (f"  ({(n - excluded.sum()) / seconds:,.0f} points/s, compilation included)" if seconds else ""))
    if infeasible.any():
        counts = collections.Counter()
        for e in errors[infeasible]:
            for reason in e.split("; "):
                counts[reason] += 1
        print("infeasible points by reason:")
        for reason, c in counts.most_common():
            print(f"  {c:>7}  {reason}")
    feasible = (errors == "")
    if "kept" in f:
        kept = f["kept"].values.astype(bool)
        if kept.sum() != feasible.sum():
            print(f"kept by the 'keep' filters: {int(kept.sum())}")
        feasible = kept
    objs = [(m, mx) for m, mx in OBJECTIVES if m in f.data_vars]
    if not feasible.any() or not objs:
        return
    print("best designs:")
    for m, mx in objs:
        vals = np.where(feasible, f[m].values.astype(float), np.nan)
        if np.all(np.isnan(vals)):
            continue
        order = np.argsort(-vals if mx else vals)
        order = [i for i in order if not np.isnan(vals[i])][:top]
        for i in order:
            unit = f[m].attrs.get("units", "")
            print(f"  {('max' if mx else 'min')} {m:<13} {_fmt(vals[i], unit):>14}  {_knobs(f.isel(point=i))}")
    if len(objs) >= 2:
        vals = np.stack([np.where(feasible, f[m].values.astype(float), np.nan) for m, _ in objs], axis=1)
        front = pareto_mask(vals, [mx for _, mx in objs])
        print(f"Pareto-optimal designs ({', '.join(m for m, _ in objs)}): {int(front.sum())}")
    if path:
        print(f"results: {path}")


def format_estimate(ds: xr.Dataset) -> str:
    """The report of one design point, in the order a NeuroSim user reads it."""
    one = ds.isel(point=0)
    lines = [f"dse estimate: network {ds.attrs.get('network')}"]
    knobs = ", ".join(f"{k}={one.coords[k].values}" for k in design.KNOBS if k in one.coords)
    lines.append(f"design point: {knobs}")
    err = str(one["error"].values)
    if err:
        lines.append(f"INFEASIBLE: {err}")
        return "\n".join(lines)
    layer_vars = [v for v in one.data_vars if "layer" in one[v].dims]
    groups = [("floorplan", ("layer_tiles", "layer_speedup", "layer_utilization")),
              ("latency and energy", ("layer_latency", "layer_energy_dynamic", "layer_leakage_power",
                                      "layer_energy_leakage")),
              ("breakdown: latency", ("layer_latency_adc", "layer_latency_accum", "layer_latency_other",
                                      "layer_latency_buffer", "layer_latency_ic")),
              ("breakdown: dynamic energy", ("layer_energy_adc", "layer_energy_accum", "layer_energy_other",
                                             "layer_energy_buffer", "layer_energy_ic"))]
    listed = {v for _, g in groups for v in g}
    groups.append(("other", tuple(v for v in layer_vars if v not in listed)))
    for title, names in groups:
        names = [v for v in names if v in layer_vars]
        if not names:
            continue
        lines.append("")
        lines.append(f"{'-' * 20} per layer: {title} {'-' * max(0, 60 - len(title))}")
        lines.append("layer " + "".join(f"{v.replace('layer_', ''):>16}" for v in names))
        for li in range(one.sizes["layer"]):
            row = f"{li + 1:>5} "
            for v in names:
                val = float(one[v].values[li])
                unit = one[v].attrs.get("units", "")
                row += f"{_fmt(val, unit) if unit not in ('1', '') else f'{val:.6g}':>16}"
            lines.append(row)
    lines.append("")
    lines.append("---------------------------------------- chip summary ----------------------------------------")
    for v in one.data_vars:
        if v in ("error", "status") or "layer" in one[v].dims:
            continue
        unit = one[v].attrs.get("units", "")
        desc = one[v].attrs.get("long_name", "")
        val = float(one[v].values)
        shown = _fmt(val, unit) if unit not in ("1", "") else (f"{val:.4%}" if "utilization" in v else f"{val:.6g}")
        lines.append(f"{v:<22}{shown:>16}   {desc}")
    return "\n".join(lines)
