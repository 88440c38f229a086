"""What sweep files (``dse run``, :mod:`dse.sweep.spec`) and study files (``dse optimize``,
:mod:`dse.search.spec`) share: reading the YAML document, the keys both have (``network``,
``traces``, ``fixed``, ``accuracy``), knob values with units, conditions such as
``area <= 100 mm^2``, and the error both raise (:class:`SweepError`, naming the file and the key).
"""
from __future__ import annotations

import dataclasses
import operator
import os
import re
from typing import Any

import yaml

from dse import design
from dse.design import KNOB_UNITS, KNOBS, DesignError, did_you_mean
from dse.files import read_text
from dse.network import NetworkFileError, load_network
from dse.units import UnitError, parse_quantity

__all__ = ["TOP_KEYS", "ACCURACY_KEYS", "SweepError", "Condition", "parse_condition", "knob_value", "common_keys",
           "read_document", "accuracy_section"]

#: the top-level keys of a sweep file (a study file adds ``optimize``)
TOP_KEYS = ("network", "traces", "fixed", "grid", "points", "sample", "where", "keep", "metrics", "output",
            "batch_size", "description", "accuracy")
#: the keys of the ``accuracy:`` section
ACCURACY_KEYS = ("model", "data", "data_dir", "samples", "cache")


class SweepError(ValueError):
    """An invalid sweep (or study) file; the message names the file and the key."""


@dataclasses.dataclass(frozen=True)
class Condition:
    """``lhs op rhs`` where each side is a knob/metric name or a number (with unit)."""

    lhs: str
    op: str
    rhs: str
    text: str

    _OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
            "==": operator.eq, "!=": operator.ne}

    def evaluate(self, values: dict[str, Any]) -> Any:
        """Whether the condition holds for ``values`` (name -> value; elementwise for arrays)."""
        return self._OPS[self.op](*self.sides(values))

    def sides(self, values: dict[str, Any]) -> tuple[Any, Any]:
        """(lhs, rhs): each side's value in ``values`` if it is a name there, else its number (SI)."""
        return self._side(self.lhs, values), self._side(self.rhs, values)

    @staticmethod
    def _side(s, values):
        if s in values:
            return values[s]
        return _number(s)


def _number(s: str) -> float:
    unit = None
    return parse_quantity(s, unit)


def parse_condition(text: str, names: set[str], where: str) -> Condition:
    """The :class:`Condition` ``text`` (``'name <op> value'``), each side one of ``names`` or a
    number with a unit; :class:`SweepError` naming ``where`` if it is not one."""
    if not isinstance(text, str):
        raise SweepError(f"{where}: expected a condition like 'area <= 100 mm^2', got {text!r}")
    m = re.match(r"^\s*(.+?)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$", text)
    if not m:
        raise SweepError(f"{where}: cannot read condition {text!r}; expected 'name <op> value' with op one of "
                         f"<=, >=, <, >, ==, !=")
    lhs, op, rhs = m.groups()
    for side in (lhs, rhs):
        if side in names:
            continue
        try:
            _number(side)
        except UnitError:
            raise SweepError(f"{where}: {side!r} in {text!r} is neither a known name{did_you_mean(side, names)} "
                             f"nor a number with a unit") from None
    return Condition(lhs, op, rhs, text)


def knob_value(name: str, value: Any, where: str) -> Any:
    """``value`` of knob ``name`` as :func:`dse.design.normalize` takes it (a quantity string read in
    the knob's unit, :data:`dse.design.KNOB_UNITS`); :class:`SweepError` naming ``where`` if the
    knob is unknown or the value not allowed."""
    knob = KNOBS.get(name)
    if knob is None:
        raise SweepError(f"{where}: unknown design parameter '{name}'{did_you_mean(name, KNOBS)}; "
                         f"known: {', '.join(KNOBS)}")
    if isinstance(value, str) and knob.kind in ("int", "float"):
        try:
            value = parse_quantity(value, KNOB_UNITS.get(name))
        except UnitError as e:
            raise SweepError(f"{where}: '{name}': {e}") from None
    try:
        return design.check_value(knob, value, f"{where}")
    except DesignError as e:
        raise SweepError(str(e)) from None


def common_keys(doc: dict, path: str, base: str):
    """(network, traces folder or None, fixed knobs) of a sweep or study file ``path`` (folder
    ``base``): the keys every such file shares, validated with file-and-key messages."""
    if "network" not in doc:
        raise SweepError(f"{path}: missing key 'network' (a file in models/ or a NeuroSim network file)")
    net_ref = str(doc["network"])
    net_path = net_ref if os.path.isabs(net_ref) else os.path.join(base, net_ref)
    try:
        network = load_network(net_path if os.path.exists(net_path) else net_ref)
    except NetworkFileError as e:
        raise SweepError(f"{path}: key 'network': {e}") from None

    traces = doc.get("traces")
    if traces is not None:
        traces = str(traces)
        tpath = traces if os.path.isabs(traces) else os.path.join(base, traces)
        if not os.path.isdir(tpath):
            tpath = traces if os.path.isdir(traces) else None
        if tpath is None:
            raise SweepError(f"{path}: key 'traces': no such folder {traces!r}")
        traces = tpath

    fixed = doc.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise SweepError(f"{path}: key 'fixed' must be a mapping of design parameter to value")
    fixed = {k: knob_value(k, v, f"{path}: key 'fixed'") for k, v in fixed.items()}
    return network, traces, fixed


def read_document(path: str, what: str, allowed: tuple[str, ...]) -> tuple[dict, str]:
    """The top-level mapping of the YAML ``what`` file (sweep, study) at ``path`` and its text;
    a clear :class:`SweepError` if it cannot be read, is not YAML or not a mapping, or has a key
    outside ``allowed`` (with a did-you-mean)."""
    text = read_text(path, SweepError, f"the {what} file")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise SweepError(f"{path}{where}: not valid YAML: {what}") from None
    if not isinstance(doc, dict):
        raise SweepError(f"{path}: expected a mapping with keys {', '.join(allowed)}")
    for k in doc:
        if k not in allowed:
            raise SweepError(f"{path}: unknown key '{k}'{did_you_mean(k, allowed)}; allowed: {', '.join(allowed)}")
    return doc, text


def accuracy_section(sec, path: str, base: str) -> dict[str, Any] | None:
    """The optional ``accuracy:`` section: ``{model: models/digits_cnn, data: digits, samples: 500}``
    (``data_dir`` for CIFAR-10/ImageNet folders, ``cache: false`` to skip the on-disk cache)."""
    if sec is None:
        return None
    where = f"{path}: key 'accuracy'"
    if not isinstance(sec, dict):
        raise SweepError(f"{where} must be a mapping with keys {', '.join(ACCURACY_KEYS)}")
    for k in sec:
        if k not in ACCURACY_KEYS:
            raise SweepError(f"{where}: unknown key '{k}'{did_you_mean(k, ACCURACY_KEYS)}; "
                             f"allowed: {', '.join(ACCURACY_KEYS)}")
    if "model" not in sec:
        raise SweepError(f"{where}: missing 'model' (a checkpoint written by 'dse train', e.g. models/digits_cnn)")
    model = str(sec["model"])
    stem = model[:-5] if model.endswith(".json") else model
    cands = [stem if os.path.isabs(stem) else os.path.join(base, stem), stem]
    found = next((c for c in cands if os.path.isfile(c + ".json") and os.path.isfile(c + ".npz")), None)
    if found is None:
        raise SweepError(f"{where}: 'model' = {model!r}: no checkpoint {stem}.json + {stem}.npz (looked in "
                         f"{' and '.join(repr(os.path.dirname(os.path.abspath(c)) or '.') for c in cands)}); "
                         f"train one with 'dse train'")
    data = sec.get("data")
    if data is not None and data not in ("digits", "cifar10", "imagenet"):
        raise SweepError(f"{where}: 'data' = {data!r} is not allowed; expected digits, cifar10 or imagenet")
    samples = sec.get("samples", 500)
    if samples is not None and (not isinstance(samples, int) or isinstance(samples, bool) or samples < 1):
        raise SweepError(f"{where}: 'samples' must be a positive integer, got {samples!r}")
    cache = sec.get("cache", True)
    if not isinstance(cache, bool):
        raise SweepError(f"{where}: 'cache' must be true or false, got {cache!r}")
    ddir = sec.get("data_dir")
    if ddir is not None:
        ddir = str(ddir)
        ddir = ddir if os.path.isabs(ddir) or not os.path.isdir(os.path.join(base, ddir)) else os.path.join(base, ddir)
    return {"model": found, "data": data, "data_dir": ddir, "samples": samples, "cache": cache}
