"""How one layer's weight matrix is cut into tiles, PEs and subarrays (the subarray reads the reference makes).

This reproduces, for one layer and one floorplan, which slices of the weight matrix (and the matching
rows of the input bits) the reference hands to each subarray in its performance pass (manual sections
5.2-5.4): the chip loop over tiles, the tile loop over PEs (three cases: fully duplicated, partly
duplicated, not duplicated), the PE loop over subarrays (three cases again) and, for the novel
mapping, the reshaping that gathers one kernel position's channels into each PE.

All sizes are static Python ints (a floorplan evaluated for one design point). Rows are indices into the
layer's unrolled weight matrix (``k_h*k_w*in_c`` rows in the trace files' order; the novel mapping's reshape
takes ``in_c`` consecutive rows per kernel position whatever order the files use, ``docs/deviations.md``);
columns into its ``out_c*ncps`` memory columns.

Quirk kept: in a conventional tile without duplication, the slots of the ``numPE x numPE`` PE grid that
hold no weights re-add the energy of the previously evaluated PE; :attr:`LayerCut.pe_mult` counts how many
times each PE's energy enters the layer.

Unused cells. Where channel counts do not divide the novel PE size, the reference's reshaping takes rows
past each kernel position's block of ``in_c`` rows (and past the matrix end for the last position) and
columns past what it copied; its behaviour is undefined there. Here such a row is an *unused row* (zero weight,
no input: index ``weight_rows``) and such a column an *unused column* holding zero weights (index
``weight_cols + d``, ``d`` its digit position); the tile, PE and subarray shapes stay the reference's.
:func:`pad_traces` appends these rows and columns to a layer's traces (``docs/deviations.md``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np


__all__ = ["CutKey", "LayerCut", "layer_cut", "cut_key_from_floorplan", "pad_traces"]

#: tile-level cases (TileCalculatePerformance)
TILE_FULL_DUP, TILE_PART_DUP, TILE_NO_DUP, TILE_NOVEL = 0, 1, 2, 3
#: PE-level cases (ProcessingUnitCalculatePerformance)
PE_DUP_GRID, PE_DUP_WHOLE, PE_NO_DUP = 0, 1, 2


@dataclasses.dataclass(frozen=True)
class CutKey:
    """Structural key of one layer's cut: everything the subarray slicing and the reads depend on.

    ``sub`` subarray rows (= columns); ``ncps`` memory columns per weight; ``input_bits`` bit-serial reads
    per input vector; ``novel`` whether this layer uses the novel mapping; ``tile_cm``/``pe_cm``
    desired tile/PE sizes of conventional layers; ``pe_nm``/``num_pe_nm`` novel PE size and PEs per
    novel tile; ``speed_up_row``/``speed_up_col`` the layer's duplication."""

    sub: int
    ncps: int
    input_bits: int
    novel: bool
    tile_cm: int = 0
    pe_cm: int = 0
    pe_nm: int = 0
    num_pe_nm: int = 0
    speed_up_row: int = 1
    speed_up_col: int = 1

    def canonical(self) -> "CutKey":
        """The key with the fields the layer's mapping does not use zeroed (so equal cuts compare equal)."""
        if self.novel:
            return dataclasses.replace(self, tile_cm=0, pe_cm=0)
        return dataclasses.replace(self, pe_nm=0, num_pe_nm=0)


@dataclasses.dataclass
class LayerCut:
    """Tiles, PEs and subarray slices of one layer (numpy arrays; one entry per instance).

    Tiles ``t``: ``tile_rows``/``tile_cols`` (the weightMatrixRow/Col the tile is evaluated with),
    ``tile_case`` (TILE_*).
    PEs ``p``: ``pe_tile``, ``pe_rows``/``pe_cols`` (the weightMatrixRow/Col the PE is evaluated with),
    ``pe_dup_row``/``pe_dup_col`` (arrayDupRow/Col), ``pe_num_sub_row``/``pe_num_sub_col``
    (numSubArrayRow/Col), ``pe_novel``, ``pe_case`` (PE_*), ``pe_mult`` (times its energy is counted).
    Subarray slices ``b``: ``block_pe``, ``block_rows``/``block_cols`` (row and memory-column indices into
    the layer matrix, an int array each; ``weight_rows`` is the unused row, ``weight_cols + d`` an unused
    column, see the module docstring), ``block_col0``/``block_ncol`` (first memory column, column count)."""

    key: CutKey
    weight_rows: int
    weight_cols: int
    num_in_vector: int
    tile_rows: np.ndarray
    tile_cols: np.ndarray
    tile_case: np.ndarray
    pe_tile: np.ndarray
    pe_rows: np.ndarray
    pe_cols: np.ndarray
    pe_dup_row: np.ndarray
    pe_dup_col: np.ndarray
    pe_num_sub_row: np.ndarray
    pe_num_sub_col: np.ndarray
    pe_novel: np.ndarray
    pe_case: np.ndarray
    pe_mult: np.ndarray
    block_pe: np.ndarray
    block_rows: list
    block_col0: np.ndarray
    block_ncol: np.ndarray
    block_cols: list

    @property
    def has_unused(self) -> bool:
        """Whether some slice reads an unused row or column (see :func:`pad_traces`)."""
        return any(r.size and r.max() >= self.weight_rows for r in self.block_rows) or \
            any(c.size and c.max() >= self.weight_cols for c in self.block_cols)

    @property
    def num_reads(self) -> int:
        """Bit-serial reads of every subarray: num_in_vector * input_bits."""
        return self.num_in_vector * self.key.input_bits

    @property
    def block_nrow(self) -> np.ndarray:
        return np.array([len(r) for r in self.block_rows], np.int64)

    @property
    def block_mult(self) -> np.ndarray:
        """How many times each subarray slice's energy enters the layer (its PE's multiplicity)."""
        return self.pe_mult[self.block_pe]


class _Builder:
    def __init__(self):
        self.tiles = []
        self.pes = []
        self.blocks = []   # (pe, rows, cols)

    def tile(self, rows, cols, case):
        self.tiles.append((rows, cols, case))
        return len(self.tiles) - 1

    def pe(self, tile, rows_idx, cols_idx, wr, wc, dup_r, dup_c, nsr, nsc, novel, sub):
        """Evaluate one PE whose matrix rows are ``rows_idx`` and memory columns ``cols_idx`` (global
        indices, lengths >= wr, wc); mirrors the PE's subarray loops."""
        p = len(self.pes)
        if dup_r * dup_c > 1:
            if dup_r < nsr or dup_c < nsc:
                case = PE_DUP_GRID
                for i in range(math.ceil(wr / sub)):
                    for j in range(math.ceil(wc / sub)):
                        nr = min(sub, wr - i * sub)
                        nc = min(sub, wc - j * sub)
                        self.blocks.append((p, rows_idx[i * sub:i * sub + nr], cols_idx[j * sub:j * sub + nc]))
            else:
                case = PE_DUP_WHOLE
                self.blocks.append((p, rows_idx[:wr], cols_idx[:wc]))
        else:
            case = PE_NO_DUP
            for i in range(nsr):
                for j in range(nsc):
                    if i * sub < wr and j * sub < wc:
                        nr = min(sub, wr - i * sub)
                        nc = min(sub, wc - j * sub)
                        self.blocks.append((p, rows_idx[i * sub:i * sub + nr], cols_idx[j * sub:j * sub + nc]))
        self.pes.append([tile, wr, wc, dup_r, dup_c, nsr, nsc, int(novel), case, 1])
        return p


def layer_cut(layer, key: CutKey) -> LayerCut:
    """Cut one layer (a ``dse.network.Layer`` or its 8-tuple) as the reference's performance pass does.

    Where the novel mapping reads outside a kernel position's channel block or outside the matrix, the
    slices take unused rows and columns (module docstring)."""
    from dse.traces.reader import num_in_vector, _as_tuple

    h, w, c, kh, kw, k, _pool, _s = _as_tuple(layer)
    nrps = 1
    S = int(key.sub)
    ncps = int(key.ncps)
    WR = c * kh * kw * nrps
    WC = k * ncps
    nvec = num_in_vector(layer)
    b = _Builder()
    if not key.novel:
        T, P = int(key.tile_cm), int(key.pe_cm)
        if T <= 0 or P <= 0:
            raise ValueError(f"conventional cut needs tile_cm and pe_cm > 0, got {key}")
        num_pe = math.ceil(T / P)
        nsr = nsc = math.ceil(P / S)
        sur, suc = int(key.speed_up_row), int(key.speed_up_col)
        for ti in range(math.ceil(WR / T)):
            for tj in range(math.ceil(WC / T)):
                nr, nc = min(T, WR - ti * T), min(T, WC - tj * T)
                r0, c0 = ti * T, tj * T
                rows = np.arange(r0, r0 + nr)
                if sur * suc > 1 and sur >= num_pe and suc >= num_pe:
                    t = b.tile(nr, nc, TILE_FULL_DUP)
                    b.pe(t, rows, np.arange(c0, c0 + nc), nr, nc, math.ceil(sur / num_pe), math.ceil(suc / num_pe),
                         nsr, nsc, False, S)
                elif sur * suc > 1:
                    t = b.tile(nr, nc, TILE_PART_DUP)
                    for i in range(math.ceil(nr / P)):
                        for j in range(math.ceil(nc / P)):
                            wr, wc = min(P, nr - i * P), min(P, nc - j * P)
                            b.pe(t, rows[i * P:i * P + wr], np.arange(c0 + j * P, c0 + j * P + wc), wr, wc, 1, 1,
                                 nsr, nsc, False, S)
                else:
                    t = b.tile(nr, nc, TILE_NO_DUP)
                    last = None
                    for i in range(num_pe):
                        for j in range(num_pe):
                            if i * P < nr and j * P < nc:
                                wr, wc = min(P, nr - i * P), min(P, nc - j * P)
                                last = b.pe(t, rows[i * P:i * P + wr], np.arange(c0 + j * P, c0 + j * P + wc), wr, wc,
                                            1, 1, nsr, nsc, False, S)
                            else:
                                b.pes[last][9] += 1   # empty slot: the previous PE's energy is added again
    else:
        Pn, npe = int(key.pe_nm), int(key.num_pe_nm)
        if Pn <= 0 or npe <= 0:
            raise ValueError(f"novel cut needs pe_nm and num_pe_nm > 0, got {key}")
        Cn = c * nrps
        ntr, ntc = math.ceil(Cn / Pn), math.ceil(WC / Pn)
        row_nm = (c * nrps) // ntr          # rows per PE slice the tile copy takes
        col_nm = (k * ncps) // ntc
        nsr = nsc = math.ceil(Pn / S)
        for ti in range(ntr):
            for tj in range(ntc):
                twr = min(Pn * npe, WR - ti * Pn * npe)
                twc = min(Pn, WC - tj * Pn)
                t = b.tile(twr, twc, TILE_NOVEL)
                # tile row r -> kernel position r // row_nm, channel ti*Pn + r % row_nm (unused past the block)
                tr = np.arange(npe * row_nm)
                ch = ti * Pn + tr % row_nm
                grow = np.where(ch < Cn, (tr // row_nm) * Cn + ch, WR)
                # tile column j -> memory column tj*Pn + j for the col_nm columns copied (unused past them)
                gcol = tj * Pn + np.arange(max(twc, col_nm))
                gcol = np.where((np.arange(gcol.size) < col_nm) & (gcol < WC), gcol, WC + gcol % ncps)
                pe_rows_f = twr / float(npe)
                wr = int(pe_rows_f)
                for i in range(npe):
                    loc = int(i * min(float(Pn), pe_rows_f))
                    rows = grow[loc:loc + wr]
                    rows = np.concatenate([rows, np.full(wr - rows.size, WR, np.int64)])   # past the tile copy
                    b.pe(t, rows, gcol, wr, twc, 1, 1, nsr, nsc, True, S)

    pe = np.array(b.pes, np.int64).reshape(-1, 10)
    return LayerCut(
        key=key, weight_rows=WR, weight_cols=WC, num_in_vector=nvec,
        tile_rows=np.array([t[0] for t in b.tiles], np.int64), tile_cols=np.array([t[1] for t in b.tiles], np.int64),
        tile_case=np.array([t[2] for t in b.tiles], np.int64),
        pe_tile=pe[:, 0], pe_rows=pe[:, 1], pe_cols=pe[:, 2], pe_dup_row=pe[:, 3], pe_dup_col=pe[:, 4],
        pe_num_sub_row=pe[:, 5], pe_num_sub_col=pe[:, 6], pe_novel=pe[:, 7].astype(bool), pe_case=pe[:, 8],
        pe_mult=pe[:, 9],
        block_pe=np.array([x[0] for x in b.blocks], np.int64),
        block_rows=[np.asarray(x[1], np.int64) for x in b.blocks],
        block_col0=np.array([x[2][0] for x in b.blocks], np.int64),
        block_ncol=np.array([len(x[2]) for x in b.blocks], np.int64),
        block_cols=[np.asarray(x[2], np.int64) for x in b.blocks],
    )


def pad_traces(cut: LayerCut, digits, bits, zero_digits=None):
    """The layer's cell levels and input bits with the cut's unused row and columns appended (no-op when
    the cut has none): ``digits`` ``(weight_rows, weight_cols)`` gains row ``weight_rows`` and columns
    ``weight_cols + d`` (``d < ncps``) holding ``zero_digits`` (the ``ncps`` digits of a zero weight,
    most significant first); ``bits`` gains an all-zero row. ``digits`` may be None (SRAM)."""
    if not cut.has_unused:
        return digits, bits
    bits = np.concatenate([bits, np.zeros((1, bits.shape[1]), bits.dtype)])
    if digits is not None:
        ncps = int(cut.key.ncps)
        zd = np.asarray(zero_digits, digits.dtype).reshape(ncps)
        row = zd[np.arange(cut.weight_cols) % ncps][None, :]
        digits = np.concatenate([digits, row])
        digits = np.concatenate([digits, np.broadcast_to(zd, (digits.shape[0], ncps))], axis=1)
    return digits, bits


def cut_key_from_floorplan(fp, prm, layer_index: int, index: tuple = ()) -> CutKey:
    """The :class:`CutKey` of layer ``layer_index`` for the design point at batch ``index`` of a
    ``dse.chip.floorplan.Floorplan`` and ``dse.tech.params.Params`` (concrete arrays)."""
    g = lambda a: np.asarray(a)[index] if np.ndim(a) > 0 else np.asarray(a)  # noqa: E731
    gl = lambda a: np.asarray(a)[index + (layer_index,)]  # noqa: E731
    novel = bool(gl(fp.mark_nm))
    return CutKey(
        sub=int(g(prm.num_row_sub_array)), ncps=int(g(prm.num_col_per_synapse)),
        input_bits=int(g(prm.num_bit_input)), novel=novel,
        tile_cm=int(g(fp.desired_tile_size_cm)), pe_cm=int(g(fp.desired_pe_size_cm)),
        pe_nm=int(g(fp.desired_pe_size_nm)), num_pe_nm=int(g(fp.num_pe_nm)),
        speed_up_row=int(gl(fp.speed_up_each_layer_row)), speed_up_col=int(gl(fp.speed_up_each_layer_col)),
    ).canonical()
