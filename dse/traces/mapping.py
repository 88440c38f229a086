"""How one layer's weight matrix is cut into tiles, PEs and subarrays (the subarray reads the reference makes).

This reproduces, for one layer and one floorplan, which slices of the weight matrix (and the matching
rows of the input bits) the reference hands to each subarray in its performance pass (manual sections
5.2-5.4): the chip loop over tiles, the tile loop over PEs (three cases: fully duplicated, partly
duplicated, not duplicated), the PE loop over subarrays (three cases again) and, for the novel
mapping, the reshaping that gathers one kernel position's channels into each PE.

All sizes are static Python ints (a floorplan evaluated for one design point). Rows are indices into the
layer's unrolled weight matrix (``k_h*k_w*in_c`` rows, kernel position major as in the trace files);
columns into its ``out_c*ncps`` memory columns.

Quirk kept: in a conventional tile without duplication, the slots of the ``numPE x numPE`` PE grid that
hold no weights re-add the energy of the previously evaluated PE; :attr:`LayerCut.pe_mult` counts how many
times each PE's energy enters the layer.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from dse.traces.reader import TraceError

__all__ = ["CutKey", "LayerCut", "MappingUndefined", "layer_cut", "cut_key_from_floorplan"]


class MappingUndefined(TraceError):
    """The reference's novel mapping reads outside the layer's weights for this cut (undefined)."""

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
    Subarray slices ``b``: ``block_pe``, ``block_rows`` (row indices into the layer matrix, an int array
    each), ``block_col0``/``block_ncol`` (first memory column, column count)."""

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
        self.blocks = []   # (pe, rows, col0, ncol)

    def tile(self, rows, cols, case):
        self.tiles.append((rows, cols, case))
        return len(self.tiles) - 1

    def pe(self, tile, rows_idx, col0, wr, wc, dup_r, dup_c, nsr, nsc, novel, sub):
        """Evaluate one PE whose matrix rows are ``rows_idx`` (global indices, length >= wr) and columns
        ``col0 .. col0+wc``; mirrors the PE's subarray loops."""
        p = len(self.pes)
        if dup_r * dup_c > 1:
            if dup_r < nsr or dup_c < nsc:
                case = PE_DUP_GRID
                for i in range(math.ceil(wr / sub)):
                    for j in range(math.ceil(wc / sub)):
                        nr = min(sub, wr - i * sub)
                        nc = min(sub, wc - j * sub)
                        self.blocks.append((p, rows_idx[i * sub:i * sub + nr], col0 + j * sub, nc))
            else:
                case = PE_DUP_WHOLE
                self.blocks.append((p, rows_idx[:wr], col0, wc))
        else:
            case = PE_NO_DUP
            for i in range(nsr):
                for j in range(nsc):
                    if i * sub < wr and j * sub < wc:
                        nr = min(sub, wr - i * sub)
                        nc = min(sub, wc - j * sub)
                        self.blocks.append((p, rows_idx[i * sub:i * sub + nr], col0 + j * sub, nc))
        self.pes.append([tile, wr, wc, dup_r, dup_c, nsr, nsc, int(novel), case, 1])
        return p


def layer_cut(layer, key: CutKey) -> LayerCut:
    """Cut one layer (a ``dse.network.Layer`` or its 8-tuple) as the reference's performance pass does.

    Raises :class:`TraceError` where the reference would read outside the weight matrix (possible with the
    novel mapping when channel counts do not divide evenly; the reference's behaviour is undefined there)."""
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
                    b.pe(t, rows, c0, nr, nc, math.ceil(sur / num_pe), math.ceil(suc / num_pe), nsr, nsc, False, S)
                elif sur * suc > 1:
                    t = b.tile(nr, nc, TILE_PART_DUP)
                    for i in range(math.ceil(nr / P)):
                        for j in range(math.ceil(nc / P)):
                            wr, wc = min(P, nr - i * P), min(P, nc - j * P)
                            b.pe(t, rows[i * P:i * P + wr], c0 + j * P, wr, wc, 1, 1, nsr, nsc, False, S)
                else:
                    t = b.tile(nr, nc, TILE_NO_DUP)
                    last = None
                    for i in range(num_pe):
                        for j in range(num_pe):
                            if i * P < nr and j * P < nc:
                                wr, wc = min(P, nr - i * P), min(P, nc - j * P)
                                last = b.pe(t, rows[i * P:i * P + wr], c0 + j * P, wr, wc, 1, 1, nsr, nsc, False, S)
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
                # tile row r -> layer row: PE slot r // row_nm, channel offset r % row_nm
                tr = np.arange(npe * row_nm)
                grow = ti * Pn + (tr // row_nm) * Cn + (tr % row_nm)
                if grow.size and grow.max() >= WR or tj * Pn + col_nm > WC:
                    raise MappingUndefined(f"layer with {c} channels x {k} outputs: the novel mapping (PE size {Pn}, "
                                     f"{npe} PEs per tile) makes the reference read outside the weight matrix "
                                     f"(undefined behaviour there)")
                pe_rows_f = twr / float(npe)
                wr = int(pe_rows_f)
                for i in range(npe):
                    loc = int(i * min(float(Pn), pe_rows_f))
                    if loc + wr > tr.size or twc > col_nm:
                        raise MappingUndefined(f"layer with {c} channels x {k} outputs: novel-mapped PE {i} of tile "
                                         f"({ti}, {tj}) reads outside the reshaped tile matrix (undefined "
                                         f"behaviour in the reference)")
                    b.pe(t, grow[loc:loc + wr], tj * Pn, wr, twc, 1, 1, nsr, nsc, True, S)

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
        block_col0=np.array([x[2] for x in b.blocks], np.int64),
        block_ncol=np.array([x[3] for x in b.blocks], np.int64),
    )


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
