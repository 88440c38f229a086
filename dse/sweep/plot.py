"""``dse plot``: a scatter plot of two metrics, coloured by a knob, with the Pareto front."""
from __future__ import annotations

import os

import numpy as np
import xarray as xr

from dse.pareto import pareto_mask
from dse.sweep.report import flat

#: metrics that are better when larger (others are better smaller)
MAXIMIZE = {"tops", "tops_per_w", "tops_per_mm2", "fps", "accuracy", "memory_utilization"}
#: display scale and unit for SI units
_DISPLAY = {"m^2": (1e6, "mm²"), "s": (1e9, "ns"), "J": (1e12, "pJ"), "W": (1e3, "mW")}


class PlotError(ValueError):
    """A plot that cannot be drawn from this result (unknown metric, no feasible point)."""


def _values(f: xr.Dataset, name: str):
    if name in f.data_vars:
        var = f[name]
        if "layer" in var.dims:
            raise PlotError(f"'{name}' is a per-layer metric; choose a chip-level one")
        scale, unit = _DISPLAY.get(var.attrs.get("units", ""), (1.0, var.attrs.get("units", "")))
        return var.values.astype(float) * scale, unit
    if name in f.coords:
        return f.coords[name].values, ""
    names = sorted(v for v in f.data_vars if "layer" not in f[v].dims and v not in ("error", "status", "kept"))
    raise PlotError(f"unknown metric '{name}'; this result has: {', '.join(names)}")


def plot_result(ds: xr.Dataset, *, x: str, y: str, color: str | None = "technode", out: str | None = None,
                source: str | None = None) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = flat(ds)
    xv, xu = _values(f, x)
    yv, yu = _values(f, y)
    ok = (f["error"].values.astype(str) == "") & np.isfinite(xv) & np.isfinite(yv)
    if "kept" in f:
        ok &= f["kept"].values.astype(bool)
    if not ok.any():
        raise PlotError("no feasible design point to plot")
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=130)
    if color and color in f.coords:
        cv = f.coords[color].values[ok]
        cats = list(dict.fromkeys(sorted(cv.tolist(), key=lambda v: (isinstance(v, str), v), reverse=color == "technode")))
        cmap = plt.get_cmap("viridis" if len(cats) > 10 else "tab10", max(len(cats), 1))
        for i, c in enumerate(cats):
            sel = cv == c
            label = f"{c} nm" if color == "technode" else str(c)
            ax.scatter(xv[ok][sel], yv[ok][sel], s=9, alpha=0.6, color=cmap(i), label=label, linewidths=0)
        ax.legend(title=color, fontsize=8, title_fontsize=9, markerscale=2, loc="best", ncol=2 if len(cats) > 7 else 1)
    else:
        ax.scatter(xv[ok], yv[ok], s=9, alpha=0.6, linewidths=0)
    front = pareto_mask(np.stack([xv[ok], yv[ok]], 1), [x in MAXIMIZE, y in MAXIMIZE])
    fx, fy = xv[ok][front], yv[ok][front]
    order = np.argsort(fx)
    ax.plot(fx[order], fy[order], "-o", color="crimson", ms=4, lw=1.5, label=f"Pareto front ({front.sum()})",
            zorder=5)
    for axis, vals, setter in ((ax.xaxis, xv[ok], ax.set_xscale), (ax.yaxis, yv[ok], ax.set_yscale)):
        pos = vals[vals > 0]
        if len(pos) == len(vals) and pos.max() / pos.min() > 100:
            setter("log")
    ax.set_xlabel(f"{x} [{xu}]" if xu and xu != "1" else x)
    ax.set_ylabel(f"{y} [{yu}]" if yu and yu != "1" else y)
    better = f"better: {'higher' if y in MAXIMIZE else 'lower'} {y}, {'higher' if x in MAXIMIZE else 'lower'} {x}"
    ax.set_title(f"{ds.attrs.get('network', '')}: {y} vs {x}  ({ok.sum()} feasible designs; {better})", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    handles, labels = ax.get_legend_handles_labels()
    if color and color in f.coords:
        ax.legend(handles, labels, title=color, fontsize=8, title_fontsize=9, markerscale=2, loc="best",
                  ncol=2 if len(labels) > 8 else 1)
    else:
        ax.legend(fontsize=8)
    fig.tight_layout()
    if out is None:
        base = os.path.splitext(source or "result")[0]
        out = f"{base}_{y}_vs_{x}.png"
    fig.savefig(out)
    plt.close(fig)
    return out
