"""``dse pareto``: a study's front as a table and as 2-D projections (PNG)."""
from __future__ import annotations

import itertools
import json
import os

import numpy as np
import xarray as xr

from dse.pareto import pareto_mask
from dse.search.results import parse_objectives

_DISPLAY = {"m^2": (1e6, "mm²"), "s": (1e9, "ns"), "J": (1e12, "pJ"), "W": (1e3, "mW")}


class ParetoError(ValueError):
    """A result file that is not a study result."""


def _objectives(ds: xr.Dataset):
    if "objectives" not in ds.attrs or "pareto" not in ds:
        raise ParetoError("not a study result (no 'objectives' attribute); make one with dse optimize")
    return parse_objectives(ds.attrs["objectives"])


def front_table(ds: xr.Dataset, top: int | None = None) -> str:
    """The front as a text table: objectives in display units, then the searched knobs."""
    objs = _objectives(ds)
    knobs = json.loads(ds.attrs.get("space", "[]"))
    f = ds.isel(trial=np.flatnonzero(ds["pareto"].values.astype(bool)))
    if f.sizes["trial"] == 0:
        return "no feasible trial: the front is empty"
    first = f[objs[0].name].values
    order = np.argsort(-first if objs[0].maximize else first)
    if top:
        order = order[:top]
    head = ["trial"]
    cols = []
    for o in objs:
        unit = f[o.name].attrs.get("units", "")
        v0, u = _DISPLAY.get(unit, (1.0, unit))
        head.append(f"{o.name} [{u}] ({'max' if o.maximize else 'min'})" if u and u != "1" else
                    f"{o.name} ({'max' if o.maximize else 'min'})")
        cols.append((f[o.name].values * v0, "{:.5g}"))
    head += knobs
    rows = []
    for i in order:
        row = [str(int(f.trial.values[i]))] + [fmt.format(c[i]) for c, fmt in cols]
        row += [_fmt_knob(f.coords[k].values[i]) for k in knobs]
        rows.append(row)
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def _fmt_knob(v) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def _vals(ds, name):
    var = ds[name]
    scale, unit = _DISPLAY.get(var.attrs.get("units", ""), (1.0, var.attrs.get("units", "")))
    return var.values.astype(float) * scale, unit


def plot_front(ds: xr.Dataset, out: str, *, color: str | None = "technode", title: str | None = None) -> str:
    """Every pair of objectives: trials coloured by ``color``, the front highlighted; one PNG."""
    import matplotlib
    from matplotlib.figure import Figure   # no pyplot: leaves the caller's backend alone

    objs = _objectives(ds)
    if len(objs) < 2:
        raise ParetoError("a single objective has no 2-D front to draw")
    pairs = list(itertools.combinations(range(len(objs)), 2))
    ncol = min(3, len(pairs))
    nrow = -(-len(pairs) // ncol)
    fig = Figure(figsize=(5.2 * ncol, 4.3 * nrow), dpi=110)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    feas = ds["feasible"].values.astype(bool)
    front = ds["pareto"].values.astype(bool)
    cvals = ds.coords[color].values if color and color in ds.coords else None
    cats = sorted(set(cvals[feas].tolist()), key=lambda v: (isinstance(v, str), v)) if cvals is not None else []
    cmap = matplotlib.colormaps["viridis" if len(cats) > 10 else "tab10"].resampled(max(len(cats), 1))
    for ax, (a, b) in zip(axes.flat, pairs):
        oa, ob = objs[a], objs[b]
        x, xu = _vals(ds, oa.name)
        y, yu = _vals(ds, ob.name)
        infeas = ~feas & np.isfinite(x) & np.isfinite(y)
        ax.scatter(x[infeas], y[infeas], s=8, marker="x", color="0.75", lw=0.6, label="infeasible")
        if cvals is not None:
            for i, c in enumerate(cats):
                sel = feas & (cvals == c)
                ax.scatter(x[sel], y[sel], s=10, alpha=0.6, color=cmap(i), linewidths=0,
                           label=f"{c} nm" if color == "technode" else str(c))
        else:
            ax.scatter(x[feas], y[feas], s=10, alpha=0.6, linewidths=0, label="feasible")
        ax.scatter(x[front], y[front], s=26, facecolors="none", edgecolors="k", lw=0.9,
                   label=f"Pareto front, all objectives ({front.sum()})", zorder=4)
        if feas.any():  # the front of this projection, as a staircase
            pts = np.stack([x[feas], y[feas]], 1)
            m = pareto_mask(pts, [oa.maximize, ob.maximize])
            fx, fy = pts[m, 0], pts[m, 1]
            o = np.argsort(fx)
            ax.step(fx[o], fy[o], where="pre" if oa.maximize else "post", color="crimson", lw=1.3,
                    label="2-D front", zorder=5)
        shown = feas | infeas
        for vals, setter in ((x[shown], ax.set_xscale), (y[shown], ax.set_yscale)):
            pos = vals[np.isfinite(vals)]
            if len(pos) and (pos > 0).all() and pos.max() / pos.min() > 100:
                setter("log")
        ax.set_xlabel(f"{oa.name} [{xu}] ({'max' if oa.maximize else 'min'})" if xu and xu != "1" else
                      f"{oa.name} ({'max' if oa.maximize else 'min'})")
        ax.set_ylabel(f"{ob.name} [{yu}] ({'max' if ob.maximize else 'min'})" if yu and yu != "1" else
                      f"{ob.name} ({'max' if ob.maximize else 'min'})")
        ax.grid(True, which="both", alpha=0.25)
    for ax in list(axes.flat)[len(pairs):]:
        ax.axis("off")
    h, l = axes.flat[0].get_legend_handles_labels()
    legend_cols = max(2, min(len(l), 3 * ncol))
    legend_rows = -(-len(l) // legend_cols)
    fig.legend(h, l, loc="lower center", ncol=legend_cols, fontsize=8, markerscale=1.5,
               title=color if cvals is not None else None, bbox_to_anchor=(0.5, 0.0))
    n_trials = ds.sizes["trial"]
    fig.suptitle(title or f"{ds.attrs.get('network', '')} study '{ds.attrs.get('study', '')}': {n_trials} trials, "
                 f"{feas.sum()} feasible, {front.sum()} on the front", fontsize=11)
    fig.tight_layout(rect=(0, min(0.45, (0.35 + 0.22 * legend_rows) / fig.get_figheight()), 1, 0.96))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out)
    return out
