"""Exact sensitivities of the chip metrics to the continuous knobs: ``dse.sensitivity``.

The hardware model is pure JAX, so the derivative of every chip metric with respect to every
continuous knob comes from one forward-mode Jacobian (``jax.jacfwd``: K tangents through one
program, K = the knobs asked for), vmapped over the points of a structural key and compiled once
(:mod:`dse.compile`, the model's exactness options). Inside, each knob is a scale factor ``s``
of its value at the point (``x = s x0``, evaluated at ``s = 1``, which leaves every metric bit
for bit as :func:`dse.evaluate` computes it); d metric / d x = (d metric / d s) / x0 and the
elasticity d ln metric / d ln x = (d metric / d s) / metric.

Knobs (:data:`WRT`): the design knobs ``r_on``, ``on_off``, ``clk_freq`` and ``input_toggle``
(:data:`dse.design.KNOBS`), and three technology values the model takes from its tables:
``vdd`` (the transistors' supply voltage), ``wire_resistivity`` (a scale of every wire's
resistivity) and ``cell_area`` (the memory cell's area in F^2, its aspect ratio kept).

Branches: where the model decides by ``ceil``, folds, comparisons or maxima, the derivative is
that of the branch taken. A (point, knob) is marked in ``branch_change`` when the model, evaluated
at the knob x (1 - 1%) and x (1 + 1%), departs from the branch at the point: the one-sided slopes
``(f(x(1+h)) - f(x)) / (x h)`` and ``(f(x) - f(x(1-h))) / (x h)`` (h = :data:`BRANCH_STEP`) of
some chip metric average to a value off its derivative by more than :data:`BRANCH_RTOL` of the
largest of the three (plus 1e-9 of metric / x), or a metric or the point's status changes to or
from infeasible. On one smooth branch the average of the two slopes is the central difference,
within ~h^2 = 1e-4 of the derivative; a jump (``ceil``) or a kink (``max``) in the interval moves
it far more.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from dse import compile as C
from dse import design
from dse import status as S
from dse.metrics import AREA_METRICS, METRICS, PERF_METRICS


@dataclasses.dataclass(frozen=True)
class Wrt:
    """A knob the sensitivities are taken with respect to."""

    name: str
    unit: str
    doc: str


#: the knobs ``wrt`` may name, in the order of the dataset's ``wrt`` axis by default
WRT: dict[str, Wrt] = {w.name: w for w in [
    Wrt("r_on", "ohm", "cell on-resistance (design knob)"),
    Wrt("on_off", "1", "on/off ratio R_off / R_on (design knob)"),
    Wrt("clk_freq", "Hz", "clock frequency upper bound (design knob)"),
    Wrt("input_toggle", "1", "bit toggle rate on the interconnect (design knob)"),
    Wrt("vdd", "V", "transistor supply voltage, at the node's value (dse.tech.technology); the "
        "transistors' currents and junction capacitances stay the node's tabulated values"),
    Wrt("wire_resistivity", "1", "scale of every wire's resistivity (subarray lines, buses, H-tree); 1 = the node's"),
    Wrt("cell_area", "F^2", "memory cell area in F^2 (aspect ratio kept), at the cell's own (SRAM per node, "
        "1T1R 4x12, crossbar 2x2)"),
]}
#: chip-level metrics the sensitivities are computed for (every one, in one program)
CHIP_METRICS = AREA_METRICS + PERF_METRICS
#: relative step of the branch test (the knob at x (1 -+ BRANCH_STEP)) and its tolerance
BRANCH_STEP = 0.01
BRANCH_RTOL = 2e-3
#: points per compiled call (points of one structural key; the last call is padded)
BATCH = 8


def _scaled(s, d):
    """(technology, parameters, cell, knob values (K,)) of one point with every knob of :data:`WRT`
    scaled by ``s`` (K,) from its value at the point (``s = 1``: the model's own figures)."""
    from dse.tech.memcell import memcell
    from dse.tech.params import make_params
    from dse.tech.technology import technology

    k = dict(zip(WRT, s))
    x0 = {n: jnp.asarray(getattr(d, n), jnp.float64) for n in ("r_on", "on_off", "clk_freq", "input_toggle")}
    d = dataclasses.replace(d, **{n: x0[n] * k[n] for n in x0})
    prm = make_params(d)
    rho, side = k["wire_resistivity"], jnp.sqrt(k["cell_area"])     # the cell's sides scale as sqrt(area)
    prm = dataclasses.replace(
        prm, wire_resistivity_scale=prm.wire_resistivity_scale * rho,
        rho=prm.rho * rho, rho_metal0=prm.rho_metal0 * rho, rho_metal1=prm.rho_metal1 * rho,
        unit_length_wire_resistance=prm.unit_length_wire_resistance * rho,
        metal0_unitwireresis=prm.metal0_unitwireresis * rho, metal1_unitwireresis=prm.metal1_unitwireresis * rho,
        wire_length_row=prm.wire_length_row * side, wire_length_col=prm.wire_length_col * side,
        wire_resistance_row=prm.wire_resistance_row * (side * rho),
        wire_resistance_col=prm.wire_resistance_col * (side * rho))
    tech = technology(prm)
    x0["vdd"] = tech.vdd
    tech = dataclasses.replace(tech, vdd=tech.vdd * k["vdd"])
    cell = memcell(prm)
    x0["wire_resistivity"] = jnp.ones_like(tech.vdd)
    x0["cell_area"] = cell.height_in_feature_size * cell.width_in_feature_size
    cell = dataclasses.replace(cell, height_in_feature_size=cell.height_in_feature_size * side,
                               width_in_feature_size=cell.width_in_feature_size * side)
    return tech, prm, cell, jnp.stack([x0[n] for n in WRT])


def _sub_stage(s, d):
    """The subarray (float leaves, and the whole state and knob values as aux)."""
    from dse.array.subarray import subarray

    tech, prm, cell, x0 = _scaled(s, d)
    sub = subarray(tech, prm, cell)
    return _split(sub), (sub, x0)


def _area_stage(s, d, fp, sub, num_layers):
    """Area metrics (7,) and the chip's float leaves; aux: the status and the chip."""
    from dse.chip.chip import chip_area
    from dse.model import node_status

    tech, prm, cell, _ = _scaled(s, d)
    chip = chip_area(tech, prm, cell, num_layers, fp, sub)
    area = {"area": chip.area, "area_array": chip.area_array, "area_ic": chip.area_ic, "area_adc": chip.area_adc,
            "area_accum": chip.area_accum, "area_other": chip.area_other, "memory_utilization": fp.memory_utilization}
    vals = jnp.stack([jnp.asarray(area[m], jnp.float64) for m in AREA_METRICS])
    mask = node_status(prm) | fp.status.astype(jnp.int64) | sub.status.astype(jnp.int64)
    mask = S.flag(mask, (mask == 0) & ~jnp.all(jnp.isfinite(vals)), S.NUMERIC)
    mask = S.flag(mask, (sub.area < 0) | (chip.area_other < 0), S.NEGATIVE_LAYOUT)
    return (vals, _split(chip)), (mask, chip)


def _perf_stage(s, d, fp, sub, chip, tables, num_layers, num_computation):
    """Latency and energy metrics (19,); aux: whether they are all finite."""
    from dse.chip.performance import chip_performance

    tech, prm, cell, _ = _scaled(s, d)
    perf = chip_performance(tech, prm, cell, sub, chip, fp, tables, num_layers, num_computation, None)
    vals = jnp.stack([perf[m] for m in PERF_METRICS])
    return vals, jnp.all(jnp.isfinite(vals))


def _split(tree) -> list:
    """The floating-point leaves of a pytree (the ones that carry derivatives)."""
    return [x for x in jax.tree_util.tree_leaves(tree) if jnp.issubdtype(jnp.result_type(x), jnp.floating)]


def _join(floats, tree):
    """``tree`` with its floating-point leaves replaced by ``floats`` (:func:`_split`'s order)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    it = iter(floats)
    return jax.tree_util.tree_unflatten(
        treedef, [next(it) if jnp.issubdtype(jnp.result_type(x), jnp.floating) else x for x in leaves])


def _forward(stage, s, states, tangents):
    """``stage(s, *states)`` = (float outputs, aux) and its derivatives along the K unit vectors of
    ``s``, the ``states`` moving along ``tangents`` (their float leaves, each with a leading K axis):
    (outputs, derivatives (K, ...) of each output, aux)."""
    def fn(s, *floats):
        return stage(s, *[_join(f, x) for f, x in zip(floats, states)])

    primals = (s,) + tuple(_split(x) for x in states)
    one = lambda t: jax.jvp(fn, primals, t, has_aux=True)  # noqa: E731
    return jax.vmap(one, out_axes=(None, 0, None))((jnp.eye(s.shape[0]),) + tuple(tangents))


def _program_sub(s, d):
    out, dout, (sub, x0) = _forward(lambda s: _sub_stage(s, d), s, (), ())
    return sub, dout, x0


def _program_area(s, d, fp, sub, dsub, num_layers):
    (vals, _), (dvals, dchip), (mask, chip) = _forward(
        lambda s, sub: _area_stage(s, d, fp, sub, num_layers), s, (sub,), (dsub,))
    return vals, dvals, mask, chip, dchip


def _program_perf(s, d, fp, sub, dsub, chip, dchip, tables, num_layers, num_computation):
    vals, dvals, finite = _forward(lambda s, sub, chip: _perf_stage(s, d, fp, sub, chip, tables, num_layers,
                                                                    num_computation), s, (sub, chip), (dsub, dchip))
    return vals, dvals, finite


@functools.lru_cache(maxsize=1)
def _programs():
    """The three stages vmapped over a batch of points (the scales ``s`` shared; tables per point)."""
    v = lambda f, axes, *batched: C.batched(jax.vmap(f, in_axes=axes), *batched)  # noqa: E731
    return (v(_program_sub, (None, 0), 1),
            v(_program_area, (None, 0, 0, 0, 0, None), 1, 2, 3, 4),
            v(_program_perf, (None, 0, 0, 0, 0, 0, 0, 0, None, None), 1, 2, 3, 4, 5, 6, 7))


def scales(num: int, step: float) -> np.ndarray:
    """The scale vectors of one-sided steps of every knob: rows ``1 + step e_k`` then ``1 - step e_k``
    (2 num, num)."""
    eye = np.eye(num)
    return np.concatenate([1 + step * eye, 1 - step * eye])


class Sensitivities:
    """The compiled sensitivity stages over a plan's points (:class:`dse.plan.Plan`): the metrics and
    their Jacobian at any scales of the knobs (:meth:`run`; :meth:`jacobian` at the points' own
    values, :meth:`values` at several scale vectors: the branch test here, finite differences in
    the tests).

    Three programs, as :func:`dse.evaluate`'s stages (subarray, area, performance), each the
    stage's forward-mode derivative along the K knobs: one program of the whole model took over
    10 GB and many minutes to compile. Each point carries its own tables, so points of different
    structural keys share a call."""

    def __init__(self, net, encoded, traces=None, batch: int = BATCH, sizes: dict | None = None):
        from dse.chip.layer_tables import stack_tables
        from dse.plan import Plan

        self.batch = batch
        self.plan = plan = Plan(net, encoded, traces, batch_size=batch)
        plan.find_keys()
        plan.tabulate(sizes)
        self.n = plan.n
        self.tables = (jax.tree_util.tree_map(np.asarray, stack_tables(plan.tables, self.table_sizes()))
                       if plan.tables else None)

    def table_sizes(self) -> dict:
        """The tables' padded sizes (``sizes`` of another :class:`Sensitivities` compiles the same programs)."""
        return self.plan.tables[0].shapes() if self.plan.tables else {}

    def run(self, s, rows=None) -> dict[str, np.ndarray]:
        """For the points ``rows`` (all by default) with the knobs scaled by ``s`` (K,): ``value``
        (N, M), ``jac`` (N, M, K) (d metric / d scale), ``status`` (N,) and ``x0`` (N, K) (the knobs'
        values at the point). Points without a structural key (floorplan refused) keep NaN and their
        floorplan status."""
        from dse.plan import pad_rows

        plan, size = self.plan, self.batch
        rows = np.arange(self.n) if rows is None else np.asarray(rows)
        m, k = len(CHIP_METRICS), len(WRT)
        res = {"value": np.full((len(rows), m), np.nan), "jac": np.full((len(rows), m, k), np.nan),
               "status": np.asarray(plan.fp.status, np.int64)[rows].copy(), "x0": np.full((len(rows), k), np.nan)}
        todo = np.flatnonzero(plan.key_index[rows] >= 0)
        s = jnp.asarray(s, jnp.float64)
        fa, fb, fc = _programs()
        calls = []
        for b0 in range(0, len(todo), size):
            pos = todo[b0:b0 + size]
            sel = pad_rows(rows[pos], size)
            enc, fp = plan.chunk(sel)
            tables = jax.tree_util.tree_map(lambda a: a[plan.key_index[sel]], self.tables)
            a = (s, enc)
            sub, dsub, x0 = C.compiled("sensitivity subarray", fa, *a)(*a)
            b = (s, enc, fp, sub, dsub, plan.num_layers_arg)
            area, darea, mask, chip, dchip = C.compiled("sensitivity area", fb, *b)(*b)
            c = (s, enc, fp, sub, dsub, chip, dchip, tables, plan.num_layers_arg, plan.num_computation)
            perf, dperf, finite = C.compiled("sensitivity performance", fc, *c)(*c)
            calls.append((pos, area, darea, perf, dperf, mask, finite, x0))
        for pos, area, darea, perf, dperf, mask, finite, x0 in calls:
            n = len(pos)
            res["value"][pos] = np.concatenate([np.asarray(area), np.asarray(perf)], axis=1)[:n]
            res["jac"][pos] = np.moveaxis(np.concatenate([np.asarray(darea), np.asarray(dperf)], axis=2), 1, 2)[:n]
            res["status"][pos] = (np.asarray(mask) | np.where(np.asarray(finite), 0, S.NO_LATENCY))[:n]
            res["x0"][pos] = np.asarray(x0)[:n]
        return res

    def jacobian(self, rows=None) -> dict[str, np.ndarray]:
        """:meth:`run` at the points' own knob values (every scale 1)."""
        return self.run(np.ones(len(WRT)), rows)

    def values(self, s_points: np.ndarray, rows=None) -> dict[str, np.ndarray]:
        """``value_at`` (N, P, M) and ``status_at`` (N, P): the metrics and status of the points ``rows``
        at the scale vectors ``s_points`` (P, K)."""
        runs = [self.run(s, rows) for s in np.asarray(s_points)]
        return {"value_at": np.stack([r["value"] for r in runs], axis=1),
                "status_at": np.stack([r["status"] for r in runs], axis=1)}


def branch_changes(value, jac, x0, value_at, status, status_at, step: float = BRANCH_STEP) -> np.ndarray:
    """(N, K) True where a branch of the model changes within x (1 -+ ``step``) of a knob (module
    docstring): ``value_at`` (N, 2K, M) at :func:`scales` ``(K, step)``."""
    k = jac.shape[-1]
    up, down = value_at[:, :k], value_at[:, k:]                       # (N, K, M)
    f = value[:, None, :]
    sp, sm = (up - f) / step, (f - down) / step                        # slopes in the scale
    d = np.moveaxis(jac, -1, 1)                                        # (N, K, M)
    big = np.maximum(np.maximum(np.abs(d), np.abs(sp)), np.abs(sm))
    with np.errstate(invalid="ignore"):
        off = np.abs((sp + sm) / 2 - d) > BRANCH_RTOL * big + 1e-9 * np.abs(f)
        bad = ~(np.isfinite(up) & np.isfinite(down))
    flip = (status_at[:, :k] != status[:, None]) | (status_at[:, k:] != status[:, None])
    return np.any(off | (bad & np.isfinite(f)), axis=-1) | flip


def _point_list(points) -> list:
    """Points as :func:`dse.evaluate` takes them: a list of mappings, one mapping, a dict of
    equal-length lists or a DataFrame."""
    if isinstance(points, Mapping):
        values = list(points.values())
        if values and all(isinstance(v, (list, tuple, np.ndarray)) for v in values):
            return [{k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in points.items()}
                    for i in range(len(values[0]))]
        return [points]
    if hasattr(points, "to_dict") and hasattr(points, "columns"):
        return points.to_dict("records")
    return list(points)


def sensitivity(network, points: Iterable[Mapping[str, Any]] | Mapping[str, Any],
                metrics: Sequence[str] | None = None, wrt: Sequence[str] | None = None, traces=None,
                *, batch: int = BATCH, sizes: dict | None = None) -> xr.Dataset:
    """Derivatives of chip metrics with respect to continuous knobs, at each design point.

    Args:
      network, points, traces: as :func:`dse.evaluate`.
      metrics: chip-level metric names (:data:`CHIP_METRICS`; default all of them).
      wrt: knob names (:data:`WRT`; default all): ``r_on`` (ohm), ``on_off`` (1), ``clk_freq`` (Hz),
        ``input_toggle`` (1), ``vdd`` (V), ``wire_resistivity`` (1, a scale), ``cell_area`` (F^2).
      batch, sizes: points per compiled call and the tables' padded sizes
        (:meth:`Sensitivities.table_sizes`); each distinct pair compiles the programs once.

    Returns:
      An ``xarray.Dataset`` with dims ``point`` and ``wrt``: for each metric, a variable of the same
      name (point, wrt) holding d metric / d knob in SI units per SI unit of the knob (``units``
      attribute); ``elasticity_<metric>`` = d ln metric / d ln knob; ``value_<metric>`` the metric
      (point); ``knob_value`` (point, wrt) the knob's value at the point; ``branch_change``
      (point, wrt) True where a branch of the model changes within +-1% of the knob (the
      derivative is then that of the branch taken at the point; module docstring); ``error`` as in
      :func:`dse.evaluate` ('' for a feasible point; NaN derivatives otherwise).
    """
    from dse.network import load_network

    metrics = list(CHIP_METRICS if metrics is None else metrics)
    wrt = list(WRT if wrt is None else wrt)
    for m in metrics:
        if m not in CHIP_METRICS:
            raise ValueError(f"unknown chip metric '{m}'{design.did_you_mean(m, CHIP_METRICS)}; "
                             f"known: {', '.join(CHIP_METRICS)}")
    for w in wrt:
        if w not in WRT:
            hint = " (the accuracy model's knob; the hardware model does not read it)" \
                if w in design.KNOBS and design.KNOBS[w].kind == "float" else design.did_you_mean(w, WRT)
            raise ValueError(f"cannot differentiate with respect to '{w}'{hint}; known: {', '.join(WRT)}")
    net = load_network(network)
    plist = [design.normalize(p, where=f"point {i}") for i, p in enumerate(_point_list(points))]
    sens = Sensitivities(net, design.encode(plist), traces, batch=batch, sizes=sizes)
    raw = dict(sens.jacobian(), **sens.values(scales(len(WRT), BRANCH_STEP)))
    return to_dataset(net, plist, raw, metrics, wrt)


def to_dataset(net, points, raw: Mapping[str, np.ndarray], metrics: Sequence[str], wrt: Sequence[str]) -> xr.Dataset:
    """The dataset of :func:`sensitivity` from :meth:`Sensitivities.jacobian`'s and
    :meth:`Sensitivities.values`' arrays (at :func:`scales` of :data:`BRANCH_STEP`)."""
    mi = [CHIP_METRICS.index(m) for m in metrics]
    ki = [list(WRT).index(w) for w in wrt]
    mask = raw["status"]
    branch = branch_changes(raw["value"], raw["jac"], raw["x0"], raw["value_at"], mask, raw["status_at"])
    branch &= (mask == 0)[:, None]
    x0 = raw["x0"][:, ki]
    data: dict[str, Any] = {}
    for m, i in zip(metrics, mi):
        valid = (mask & ~S.PERF_ONLY if m in AREA_METRICS else mask) == 0
        f = np.where(valid, raw["value"][:, i], np.nan)
        j = np.where(valid[:, None], raw["jac"][:, i, ki], np.nan)
        unit = METRICS[m].unit
        with np.errstate(divide="ignore", invalid="ignore"):
            data[m] = xr.Variable(("point", "wrt"), j / x0, {"long_name": f"d {m} / d knob",
                                                              "units": f"{unit} per knob unit"})
            data[f"elasticity_{m}"] = xr.Variable(("point", "wrt"), j / f[:, None],
                                                  {"long_name": f"d ln {m} / d ln knob", "units": "1"})
        data[f"value_{m}"] = xr.Variable(("point",), f, {"long_name": METRICS[m].doc, "units": unit})
    data["knob_value"] = xr.Variable(("point", "wrt"), x0, {"long_name": "the knob's value at the point"})
    data["branch_change"] = xr.Variable(("point", "wrt"), branch[:, ki],
                                        {"long_name": "a branch of the model changes within +-1% of the knob"})
    data["error"] = xr.Variable(("point",), np.array([S.reasons(v) for v in mask], dtype=object))
    data["status"] = xr.Variable(("point",), mask)
    coords: dict[str, Any] = {"point": np.arange(len(points)), "wrt": list(wrt),
                              "wrt_unit": ("wrt", [WRT[w].unit for w in wrt])}
    for k in design.KNOBS:
        vals = [p[k] for p in points]
        coords[k] = ("point", np.array(vals, dtype=object if isinstance(vals[0], str) else None))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"network": net.name, "branch_step": BRANCH_STEP})
    return ds
