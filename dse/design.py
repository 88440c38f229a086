"""Design points: the knobs a user sets, their defaults, allowed values, units and encoding.

:data:`KNOBS` is the one schema of a design point: each knob's name, kind, allowed values,
default, unit and (categorical knobs) integer codes. Everything else that describes knobs is
derived from it: the fields of :class:`DesignArrays` (checked at import), the named codes the
model compares with (:data:`SRAM`, ...), the units quantities are read in (:data:`KNOB_UNITS`)
and the accuracy model's codes (``dse.accuracy.cim``).

A design point is a mapping from knob name to value, spelled as in the
conformance files (``technode``, ``memcell``, ``subarray``, ...). Points are
encoded into a :class:`DesignArrays` pytree of numeric arrays (categorical
choices become integer codes, booleans become 0/1) so that a batch of points
is one set of arrays and the hardware model can use gathers and ``jnp.where``.

Units are SI: ohm for ``r_on``, hertz for ``clk_freq``, nanometres only for
``technode`` (a node *name*, not a length).
"""
from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from dse import adc_registry
from dse.pytree import pytree_dataclass, static_field
from dse.units import parse_quantity

#: Technology nodes of NeuroSim V1.4, in nm (table order used for gathers).
NODES: tuple[int, ...] = (130, 90, 65, 45, 32, 22, 14, 10, 7, 5, 3, 2, 1)


@dataclasses.dataclass(frozen=True)
class Knob:
    """One design parameter: its kind, default, allowed values, unit and meaning."""

    name: str
    kind: str  # "choice" | "bool" | "int" | "float"
    default: Any
    doc: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    unit: str = ""
    power_of_two: bool = False

    @property
    def codes(self) -> dict[Any, int]:
        """The integer code of each value: a categorical value's index in :attr:`choices`
        (the encoding of :func:`encode`), 0/1 for a boolean; empty for a number."""
        if self.kind == "choice":
            return {v: i for i, v in enumerate(self.choices)}
        return {False: 0, True: 1} if self.kind == "bool" else {}

    def code(self, value: Any) -> int:
        """The integer code of ``value`` (:attr:`codes`)."""
        return self.codes[value]

    def allowed(self) -> str:
        """A human-readable description of the allowed values."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.kind == "bool":
            return "true or false"
        rng = []
        if self.low is not None:
            rng.append(f">= {self.low:g}")
        if self.high is not None:
            rng.append(f"<= {self.high:g}")
        what = "an integer" if self.kind == "int" else "a number"
        if self.power_of_two:
            what = "a power of two"
        return what + (" " + " and ".join(rng) if rng else "") + (f" ({self.unit})" if self.unit else "")


def _k(*args, **kw):
    return Knob(*args, **kw)


KNOBS: dict[str, Knob] = {k.name: k for k in [
    _k("technode", "choice", 22, "technology node (nm)", choices=NODES, unit="nm"),
    _k("roadmap", "choice", "lstp", "transistor roadmap: low standby power or high performance", choices=("lstp", "hp")),
    _k("memcell", "choice", "sram", "memory cell", choices=("sram", "rram", "fefet")),
    _k("access", "choice", "1t1r", "eNVM cell access: one transistor one resistor, or a crossbar (no access "
       "device); ignored for SRAM", choices=("1t1r", "crossbar")),
    _k("mode", "choice", "parallel", "array read mode", choices=("parallel", "sequential")),
    _k("subarray", "int", 128, "subarray rows = columns", low=8, high=2048, power_of_two=True),
    _k("parallel_read", "int", None, "rows read at once (partial parallel read); default = subarray", low=1, high=2048),
    _k("adc_bits", "int", 5, "ADC resolution in bits (flash ADC: 2^bits levels)", low=1, high=10),
    _k("adc", "choice", "mlsa", "ADC type: flash multilevel sense amplifier (mlsa), SAR, or another registered "
       "in dse.adc_registry", choices=adc_registry.NAMES),
    _k("sense", "choice", "current", "flash ADC sensing", choices=("current", "voltage")),
    _k("cell_bits", "int", 1, "bits per memory cell (forced to 1 for SRAM)", low=1, high=8),
    _k("weight_bits", "int", 8, "weight precision in bits", low=1, high=16),
    _k("input_bits", "int", 8, "input activation precision in bits", low=1, high=16),
    _k("r_on", "float", 100e3, "cell on-resistance", low=1.0, unit="ohm"),
    _k("on_off", "float", 17.0, "on/off ratio R_off / R_on", low=1.0),
    _k("col_mux", "int", 8, "columns sharing one ADC", low=1, high=2048),
    _k("mapping", "choice", "novel", "weight mapping", choices=("novel", "conventional")),
    _k("pipeline", "bool", True, "pipelined (true) or layer-by-layer (false) processing"),
    _k("speedup", "int", 8, "pipeline speed-up degree", low=1, high=1024),
    _k("global_bus", "choice", "xy", "chip-level bus", choices=("xy", "htree")),
    _k("global_buffer", "choice", "regfile", "global buffer type", choices=("regfile", "sram")),
    _k("tile_buffer", "choice", "regfile", "tile buffer type", choices=("regfile", "sram")),
    _k("pe_buffer", "choice", "regfile", "PE buffer type", choices=("regfile", "sram")),
    _k("activation", "choice", "relu", "activation function", choices=("relu", "sigmoid")),
    _k("chip_activation", "bool", True, "activation units outside the tiles (chip level)"),
    _k("validated", "bool", True, "apply the reference's silicon calibration factors"),
    _k("synchronous", "bool", True, "synchronous design (clock set by the worst sensing cycle)"),
    _k("clk_freq", "float", 1e9, "clock frequency upper bound", low=1.0, unit="Hz"),
    _k("input_toggle", "float", 0.18, "bit toggle rate on the interconnect", low=0.0, high=1.0),
    # accuracy model only (dse.accuracy, manual section 9); the hardware model ignores these
    _k("accuracy_model", "choice", "neurosim", "CIM arithmetic of the accuracy model: the NeuroSim V1.4 wrapper's, "
       "or a physical chip's (calibrated ADC range, one chip per seed; docs/deviations.md)",
       choices=("neurosim", "physical")),
    _k("sigma", "float", 0.0, "device-to-device conductance variation: std of G/G0 - 1 (accuracy only)",
       low=0.0, high=1.0),
    _k("adc_ref", "choice", "linear", "ADC reference spacing for partial sums (accuracy only)",
       choices=("linear", "nonlinear")),
    _k("drift", "choice", "none", "retention drift scenario G = G0 (t/t0)^v (accuracy only): none, toward "
       "Gmax, toward Gmin, toward drift_target, random", choices=("none", "max", "min", "target", "random")),
    _k("drift_time", "float", 1.0, "retention time t (t0 = 1 s; accuracy only)", low=1.0, unit="s"),
    _k("drift_nu", "float", 0.0, "drift coefficient v (accuracy only)", low=0.0, high=1.0),
    _k("drift_target", "float", 0.5, "drift target as a fraction of [Gmin, Gmax] (accuracy only)",
       low=0.0, high=1.0),
    _k("seed", "int", 0, "seed of the variation and random drift draws (accuracy only)", low=0),
]}


#: unit a quantity string of each numeric knob with a unit is read in (``r_on: 6 kOhm``; dse.units)
KNOB_UNITS: dict[str, str] = {k.name: k.unit for k in KNOBS.values() if k.kind in ("int", "float") and k.unit}

# the integer codes the model compares with (``prm.memcelltype == SRAM``), from the knobs' choices
SRAM, RRAM = KNOBS["memcell"].code("sram"), KNOBS["memcell"].code("rram")
PARALLEL = KNOBS["mode"].code("parallel")
HP = KNOBS["roadmap"].code("hp")
ACCESS_1T1R, ACCESS_CROSSBAR = KNOBS["access"].code("1t1r"), KNOBS["access"].code("crossbar")
CURRENT = KNOBS["sense"].code("current")
NOVEL = KNOBS["mapping"].code("novel")
RELU = KNOBS["activation"].code("relu")


class DesignError(ValueError):
    """A design point that cannot be encoded (unknown key, wrong type, out of range)."""


def did_you_mean(name: Any, options: Iterable[Any]) -> str:
    """`` (did you mean 'x'?)`` with the option closest to ``name``, or ``''`` if none is close."""
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def normalize(point: Mapping[str, Any], where: str = "point") -> dict[str, Any]:
    """Fill defaults and check one point; raise :class:`DesignError` naming the key."""
    out: dict[str, Any] = {}
    for key in point:
        if key not in KNOBS:
            raise DesignError(f"{where}: unknown key '{key}'{did_you_mean(key, KNOBS)}; "
                              f"known keys: {', '.join(KNOBS)}")
    for name, knob in KNOBS.items():
        v = point.get(name, knob.default)
        if name == "parallel_read" and v is None:
            v = out["subarray"]
        out[name] = check_value(knob, v, where)
    if out["parallel_read"] > out["subarray"]:
        raise DesignError(f"{where}: 'parallel_read' = {out['parallel_read']} exceeds 'subarray' = {out['subarray']}")
    return out


_FLOATS = (float, np.float16, np.float32, np.float64, np.longdouble)


def normalize_many(points: Sequence[Mapping[str, Any]], where: Callable[[int], str] = "point {}".format
                   ) -> list[dict[str, Any]]:
    """``[normalize(p, where(i)) for i, p in enumerate(points)]``, checking each knob's distinct
    values once (a sweep's points repeat a few values per knob) instead of every point's; the same
    results, and the same error (the first bad point's) from :func:`normalize` when a point is bad."""
    try:
        return _normalize_columns(points)
    except (DesignError, TypeError):
        return [normalize(p, where(i)) for i, p in enumerate(points)]


def _normalize_columns(points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    known = set(KNOBS)
    if any(not known.issuperset(p) for p in points):
        raise DesignError("unknown key")
    cols: dict[str, list] = {}
    for name, knob in KNOBS.items():
        col = [p.get(name, knob.default) for p in points]
        if name == "parallel_read":                 # default: the point's subarray
            col = [s if v is None else v for v, s in zip(col, cols["subarray"])]
        keys = list(zip(map(type, col), col))       # equal values of one type normalize alike ...
        seen = {k: check_value(knob, k[1], "") for k in dict.fromkeys(keys)}
        # ... but for -0.0 and 0.0 (equal keys): a number knob's value is float(v) once allowed
        cols[name] = list(map(float, col)) if knob.kind == "float" else list(map(seen.__getitem__, keys))
    if any(r > s for r, s in zip(cols["parallel_read"], cols["subarray"])):
        raise DesignError("parallel_read")
    names = tuple(KNOBS)
    return [dict(zip(names, vals)) for vals in zip(*cols.values())]


def check_value(knob: Knob, v: Any, where: str) -> Any:
    """``v`` as the value of ``knob`` (a choice lower-cased, a number as int or float); raise
    :class:`DesignError` with ``where``, the knob and what is allowed if it is not allowed."""
    given = v

    def bad() -> DesignError:
        return DesignError(f"{where}: '{knob.name}' = {given!r} is not allowed; expected {knob.allowed()}")

    if knob.kind == "choice":
        if isinstance(v, str):
            v = v.lower()
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if v not in knob.choices:
            raise bad()
        return v
    if knob.kind == "bool":
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, str) and v.lower() in ("true", "false", "yes", "no"):
            return v.lower() in ("true", "yes")
        if isinstance(v, (int, np.integer)) and v in (0, 1):
            return bool(v)
        raise bad()
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise bad()
    if knob.kind == "int":
        if not math.isfinite(float(v)) or float(v) != math.floor(float(v)):
            raise bad()
        v = int(v)
    else:
        v = float(v)
        if not math.isfinite(v):
            raise bad()
    if (knob.low is not None and v < knob.low) or (knob.high is not None and v > knob.high):
        raise bad()
    if knob.power_of_two and (v & (v - 1)) != 0:
        raise bad()
    return v


def parse_assignments(items: Iterable[str] | None) -> dict[str, Any]:
    """A point from ``knob=value`` strings (the command line's ``--set``): a numeric knob's value
    read as a quantity in its unit (:data:`KNOB_UNITS`, ``r_on=6kOhm``), a categorical knob's
    integer-looking value as an integer (``technode=22``), anything else as written (checked by
    :func:`normalize`). ``ValueError`` (:class:`dse.units.UnitError` for a bad quantity) if an
    item is not ``key=value``."""
    point: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        k, v = k.strip(), v.strip()
        knob = KNOBS.get(k)
        if knob is not None and knob.kind in ("int", "float"):
            v = parse_quantity(v, KNOB_UNITS.get(k))
        elif knob is not None and knob.kind == "choice" and v.lstrip("-").isdigit():
            v = int(v)
        point[k] = v
    return point


@pytree_dataclass
class DesignArrays:
    """A batch of encoded design points; every field has the batch shape.

    One field per knob of :data:`KNOBS`, in its order (checked at import). Categorical knobs
    hold the value's code, ``KNOBS[name].codes`` (its index in ``choices``; ``technode`` holds
    the node index into :data:`NODES`); booleans are 0/1 integers; numbers are float64 in SI
    units.
    """

    technode: Any
    roadmap: Any
    memcell: Any
    access: Any
    mode: Any
    subarray: Any
    parallel_read: Any
    adc_bits: Any
    adc: Any
    sense: Any
    cell_bits: Any
    weight_bits: Any
    input_bits: Any
    r_on: Any
    on_off: Any
    col_mux: Any
    mapping: Any
    pipeline: Any
    speedup: Any
    global_bus: Any
    global_buffer: Any
    tile_buffer: Any
    pe_buffer: Any
    activation: Any
    chip_activation: Any
    validated: Any
    synchronous: Any
    clk_freq: Any
    input_toggle: Any
    accuracy_model: Any
    sigma: Any
    adc_ref: Any
    drift: Any
    drift_time: Any
    drift_nu: Any
    drift_target: Any
    seed: Any
    #: the registered ADC types the ``adc`` codes index (static: compiled programs are keyed by them)
    adc_types: tuple = static_field(default_factory=adc_registry.models)


# DesignArrays is written out (for readers and type checkers); its array fields are KNOBS' names
_FIELDS = tuple(f.name for f in dataclasses.fields(DesignArrays) if not f.metadata.get("static", False))
if _FIELDS != tuple(KNOBS):
    raise TypeError(f"dse.design: DesignArrays' fields {_FIELDS} differ from KNOBS' names {tuple(KNOBS)}: "
                      f"add or remove the field with the knob, in the same order")


def encode(points: Sequence[Mapping[str, Any]]) -> DesignArrays:
    """Normalize and encode a list of points into a :class:`DesignArrays` of shape (N,)."""
    norm = normalize_many(points)
    cols: dict[str, np.ndarray] = {}
    for name, knob in KNOBS.items():
        vals = [p[name] for p in norm]
        if knob.kind == "choice":
            codes = knob.codes
            cols[name] = np.array([codes[v] for v in vals], dtype=np.int64)
        elif knob.kind in ("bool", "int"):
            cols[name] = np.array(vals, dtype=np.int64)
        else:
            cols[name] = np.array(vals, dtype=np.float64)
    return DesignArrays(**cols)
