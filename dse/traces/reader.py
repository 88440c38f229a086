"""Reading NeuroSim trace folders (``weight<i>.csv`` / ``input<i>.csv``, optionally gzipped).

Layout (one pair of files per layer ``i = 1..L`` of the network file):

* ``weight<i>.csv``: ``k_h*k_w*in_c`` rows (the unrolled kernel) by ``out_c`` columns, real weights in
  ``[-1, 1]``.
* ``input<i>.csv``: the same number of rows, and at least ``num_in_vector * input_bits`` columns of
  0/1 bits (each input window as ``input_bits`` consecutive bit-planes). Only the first
  ``num_in_vector * input_bits`` columns are used; traces written with padding carry more columns, which
  are ignored (as the reference does).

Weights become cell levels the way the reference programs the array: the weight is scaled to
``2**(weight_bits-1) * (w + 1)``, rounded half away from zero, and split into ``ceil(weight_bits /
cell_bits)`` base-``2**cell_bits`` digits, most significant first (``w = +1`` overflows: the carry out of
the top digit is lost). Digit ``d`` is the conductance level ``d / (2**cell_bits - 1) * (Gmax - Gmin) + Gmin``.
"""
from __future__ import annotations

import gzip
import math
import os
from typing import Sequence

import numpy as np

from dse import files

__all__ = ["TraceError", "num_in_vector", "trace_paths", "read_csv_matrix", "read_weight", "read_input",
           "weight_digits", "file_digest"]


class TraceError(ValueError):
    """A trace folder or file that does not fit the network; the message names file, layer and the misfit."""


def num_in_vector(layer) -> int:
    """Input windows the reference evaluates for a layer: ``(H-kh+1)/s * (W-kw+1)/s`` in floating point,
    evaluated left to right and truncated to an integer (no padding). ``layer`` is a ``dse.network.Layer``
    or its 8-tuple."""
    h, w, _c, kh, kw, _k, _pool, s = _as_tuple(layer)
    return int(float(h - kh + 1) / float(s) * float(w - kw + 1) / float(s))


def _as_tuple(layer) -> tuple[int, ...]:
    if hasattr(layer, "as_tuple"):
        return layer.as_tuple()
    return tuple(int(v) for v in layer)


def trace_paths(folder: str | os.PathLike, layer_index: int) -> tuple[str, str]:
    """Paths of (weight, input) files of layer ``layer_index`` (0-based) in a trace folder.

    Accepts ``.csv`` or ``.csv.gz``; raises :class:`TraceError` naming what is missing."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise TraceError(f"trace folder {folder!r} does not exist")
    out = []
    for stem in ("weight", "input"):
        name = f"{stem}{layer_index + 1}.csv"
        cands = [os.path.join(folder, name), os.path.join(folder, name + ".gz")]
        found = [c for c in cands if os.path.isfile(c)]
        if not found:
            raise TraceError(f"layer {layer_index + 1}: no {name} or {name}.gz in trace folder {folder!r}")
        out.append(found[0])
    return out[0], out[1]


def file_digest(path: str) -> str:
    """Content hash of a trace file (its bytes as stored, compressed or not); remembered per process
    while the file keeps its size and modification time."""
    st = os.stat(path)
    memo = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if memo not in _DIGESTS:
        _DIGESTS[memo] = files.file_digest(path)
    return _DIGESTS[memo]


_DIGESTS: dict = {}


def read_csv_matrix(path: str, max_cols: int | None = None, dtype=np.float64) -> np.ndarray:
    """A numeric CSV matrix (no header; ``.gz`` decompressed on the fly), first ``max_cols`` columns only.

    Trailing commas are tolerated. Raises :class:`TraceError` naming the file on malformed content."""
    import pandas as pd

    try:
        with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
            first = f.readline()
        ncol_file = len(first.rstrip(b"\r\n").rstrip(b",").split(b","))
        usecols = None if max_cols is None or max_cols >= ncol_file else list(range(max_cols))
        df = pd.read_csv(path, header=None, usecols=usecols, dtype=dtype, engine="c",
                         skipinitialspace=True, compression="infer",
                         names=list(range(ncol_file)) if usecols is None else None,
                         index_col=False)
    except (ValueError, OSError, EOFError) as e:
        raise TraceError(f"{path}: cannot be read as a numeric CSV matrix ({e})") from None
    a = df.to_numpy(dtype=dtype)
    if a.ndim != 2 or a.size == 0:
        raise TraceError(f"{path}: empty trace file")
    if np.issubdtype(a.dtype, np.floating) and np.isnan(a).any():
        r, c = np.argwhere(np.isnan(a))[0]
        raise TraceError(f"{path}: missing or non-numeric value at row {r + 1}, column {c + 1}")
    return a


def _read_bits(path: str, max_cols: int) -> np.ndarray | None:
    """The first ``max_cols`` columns of a 0/1 CSV file written one character per value (lines
    ``d,d,...,d`` of equal length, ``\n``-terminated), as bool; None for any other layout (then the
    general CSV reader decides). A byte-level read: ten times faster than parsing numbers."""
    try:
        with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
            data = f.read()
    except (OSError, EOFError):
        return None
    if data and not data.endswith(b"\n"):
        data += b"\n"
    width = data.find(b"\n") + 1
    if width < 2 or width % 2 or len(data) % width:
        return None
    a = np.frombuffer(data, np.uint8).reshape(-1, width)
    if not (np.all(a[:, 1:-1:2] == ord(",")) and np.all(a[:, -1] == ord("\n"))):
        return None
    v = a[:, 0::2]
    if not np.all((v == ord("0")) | (v == ord("1"))):
        return None
    return v[:, :max_cols] == ord("1")


def read_weight(path: str, layer, layer_index: int = 0) -> np.ndarray:
    """Weights of one layer, shape ``(k_h*k_w*in_c, out_c)``, checked against the network's layer."""
    _h, _w, c, kh, kw, k, _p, _s = _as_tuple(layer)
    a = read_csv_matrix(path)
    want = (kh * kw * c, k)
    if a.shape != want:
        raise TraceError(f"{path}: layer {layer_index + 1} weights are {a.shape[0]} x {a.shape[1]} but the network "
                         f"file says {want[0]} x {want[1]} (rows = k_h*k_w*in_c = {kh}*{kw}*{c}, "
                         f"columns = out_c = {k})")
    return a


def read_input(path: str, layer, input_bits: int, layer_index: int = 0) -> np.ndarray:
    """Input bits of one layer, shape ``(k_h*k_w*in_c, num_in_vector*input_bits)``, dtype bool.

    Only the first ``num_in_vector*input_bits`` columns are read. Values must be 0 or 1 (the reference
    counts a row as active when its bit is non-zero for the row activity but only when it is 1 for the
    column current; other values would make the two disagree)."""
    _h, _w, c, kh, kw, _k, _p, _s = _as_tuple(layer)
    nvec = num_in_vector(layer)
    ncol = nvec * int(input_bits)
    a = _read_bits(path, ncol)
    if a is None:
        a = read_csv_matrix(path, max_cols=ncol)
    rows = kh * kw * c
    if a.shape[0] != rows:
        raise TraceError(f"{path}: layer {layer_index + 1} input has {a.shape[0]} rows but the network file "
                         f"says k_h*k_w*in_c = {kh}*{kw}*{c} = {rows}")
    if a.shape[1] < ncol:
        raise TraceError(f"{path}: layer {layer_index + 1} input has {a.shape[1]} columns but the reference reads "
                         f"num_in_vector*input_bits = {nvec}*{input_bits} = {ncol} (num_in_vector = "
                         f"(H-kh+1)/stride*(W-kw+1)/stride from the network file)")
    bad = (a != 0) & (a != 1)
    if bad.any():
        r, cc = np.argwhere(bad)[0]
        raise TraceError(f"{path}: layer {layer_index + 1} input value {a[r, cc]!r} at row {r + 1}, column {cc + 1} "
                         f"is not a bit (0 or 1)")
    return a.astype(bool)


def weight_digits(w: np.ndarray, weight_bits: int, cell_bits: int, path: str = "<weights>",
                  layer_index: int = 0) -> np.ndarray:
    """Cell levels of a weight matrix: shape ``(rows, out_c * ncps)``, ``ncps = ceil(weight_bits/cell_bits)``,
    the digits of each weight most significant first, dtype int16.

    Mirrors the reference's integer semantics (round half away from zero, then C ``%`` and ``/``). Weights
    below -1 (negative scaled values, which the reference would turn into negative conductances) are refused."""
    weight_bits = int(weight_bits)
    cell_bits = int(cell_bits)
    ncps = int(math.ceil(weight_bits / cell_bits))
    cr = 2 ** cell_bits
    # normalised value 2^sb/(1-(-1)) * (w - 1) + 2^sb, in this operation order (in place)
    top = float(2 ** weight_bits)
    v = np.subtract(w, 1.0, dtype=np.float64)
    v *= (top - 0.0) / (1.0 - (-1.0))
    v += top
    v += np.where(v >= 0, 0.5, -0.5)
    val = np.trunc(v, out=v)
    if (val < 0).any():
        r, c = np.argwhere(val < 0)[0]
        raise TraceError(f"{path}: layer {layer_index + 1} weight {w[r, c]!r} at row {r + 1}, column {c + 1} is "
                         f"below -1 (outside the [-1, 1] range the reference maps onto conductances)")
    # digits through a table of every value's digits (C % and / keep the value modulo cr**ncps); for
    # 1, 2, 4 or 8 digits a table entry is one integer holding the digits' bytes (one gather, no copies
    # per digit)
    span = cell_bits * ncps
    table = ((np.arange(1 << span)[:, None] >> (cell_bits * np.arange(ncps - 1, -1, -1))) & (cr - 1))
    mask = (1 << span) - 1
    if ncps in (1, 2, 4, 8) and span <= 15 and (val.size == 0 or val.max() < 2 ** 15):
        packed = np.ascontiguousarray(table.astype(np.uint8)).view(f"u{ncps}").ravel()
        low = np.bitwise_and(np.ascontiguousarray(val).astype(np.int16), mask)
        digits = np.take(packed, low).view(np.uint8).astype(np.int16)
    else:
        digits = np.take(table.astype(np.int16), val.astype(np.int64) & mask, axis=0)
    return digits.reshape(w.shape[0], w.shape[1] * ncps)


def check_folder(folder: str, layers: Sequence) -> None:
    """Raise :class:`TraceError` if a layer's weight or input file is missing from ``folder``."""
    for i in range(len(layers)):
        trace_paths(folder, i)
