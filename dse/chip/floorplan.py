"""Chip floorplan: mapping a network's weight matrices onto tiles, PEs and subarrays.

Follows sections 5.2 (novel vs. conventional weight mapping), 5.3 (tile and PE
sizes chosen to maximise memory utilisation, weight duplication) and 5.4
(pipeline speed-up) of the NeuroSim V1.4 manual.

Two mappings exist. *Conventional* (CM) unrolls a layer's kernel into a
``(k_h*k_w*in_c) x (out_c*numColPerSynapse)`` matrix and cuts it into square
tiles of ``desired_tile_size_cm`` rows/columns, each tile made of
``ceil(tile/pe)^2`` PEs of ``desired_pe_size_cm`` rows/columns. *Novel* (NM)
keeps the ``k_h*k_w`` kernel positions apart: a novel tile holds ``num_pe_nm``
(= the most common kernel area of the network) PEs of ``desired_pe_size_nm``
rows/columns, PE ``p`` storing the ``in_c x out_c*numColPerSynapse`` slice of
kernel position ``p``. Only large convolution layers whose kernel area equals
``num_pe_nm`` use the novel mapping; the others (small convolutions, fully
connected layers) stay conventional.

Sizes are powers of two searched from the largest useful one downwards; a
candidate replaces the current choice only if it strictly improves the
utilisation, so among equal utilisations the largest size wins. The PE-size
search of the conventional tiles continues with the best utilisation reached
by the tile-size search (one running best). Both searches are evaluated for
all candidates at once (a fixed-size candidate axis with masks).

Everything that depends on the network shape is static (Python ints); the
design knobs (subarray size, cell bits, weight bits, mapping, pipeline,
speed-up) are traced, so one compiled function serves a whole sweep. Per-layer
outputs have a trailing layer axis ``(batch..., L)``.

Integer semantics of the reference are kept: ``ceil`` of double divisions, C
integer division (``floor`` for these positive values) where both operands are
ints, truncation where a double is stored into an int.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax.numpy as jnp
import numpy as np

from dse import status as S
from dse.pytree import pytree_dataclass

#: rows of the memory array per weight: 1 for the (conventional parallel/sequential) modes supported
NUM_ROW_PER_SYNAPSE = 1

#: how many factors of two below the largest candidate the size searches enumerate beyond
#: ``ceil(log2(max out_c))``; enough for numColPerSynapse <= 64 at any subarray size >= 1
_EXTRA_HALVINGS = 5


@pytree_dataclass
class Floorplan:
    """Result of the floorplan for one design point (or a batch); sizes in memory rows/columns.

    Scalars have the batch shape; per-layer arrays have shape ``(batch..., L)``.
    Integer quantities are float64 holding exact integers.
    """

    status: Any                   # dse.status bit mask (SUBARRAY_TOO_LARGE)
    # ---- design initialisation (which layers use novel mapping, pipeline speed-up) ----
    mark_nm: Any                  # (.., L) 1 where the layer uses novel mapping
    num_pe_nm: Any                # PEs in a novel-mapped tile (most common kernel area); 0 if conventional
    max_pe_size_nm: Any           # smallest power of two holding the widest NM layer's columns (0 if none)
    max_tile_size_cm: Any         # same for the CM layers (0 if none)
    speed_up_degree: Any          # user speed-up, capped by the network's IFM-size ratio when pipelined
    pipeline_speed_up: Any        # (.., L) wanted duplication of each layer in pipeline mode
    # ---- chosen sizes ----
    desired_num_tile_nm: Any
    desired_pe_size_nm: Any       # 0 with conventional mapping
    desired_num_tile_cm: Any
    desired_tile_size_cm: Any
    desired_pe_size_cm: Any
    num_tile_row: Any             # chip tile grid (rows x cols)
    num_tile_col: Any
    # ---- per layer ----
    pe_dup_row: Any               # (.., L) duplication of the weight matrix across PEs of a tile
    pe_dup_col: Any
    sub_array_dup_row: Any        # (.., L) duplication across subarrays of a PE
    sub_array_dup_col: Any
    num_tile_each_layer_row: Any  # (.., L) tiles along the matrix rows / columns
    num_tile_each_layer_col: Any
    layer_tiles: Any              # (.., L) row * col
    utilization_each_layer: Any   # (.., L) fraction of the layer's tiles holding weights
    speed_up_each_layer_row: Any  # (.., L)
    speed_up_each_layer_col: Any
    layer_speedup: Any            # (.., L) row * col
    tile_loca_row: Any            # (.., L) start location of the layer in the tile grid
    tile_loca_col: Any
    # ---- chip ----
    total_num_tile: Any
    memory_utilization: Any       # fraction of the chip's memory holding weights
    # ---- what tile / PE initialisation consumes ----
    num_pe_cm: Any                # PEs per row (and per column) of a CM tile: ceil(tile / pe)
    num_sub_array_nm: Any         # subarrays in an NM PE
    num_sub_array_cm: Any         # subarrays in a CM PE
    num_sub_array_row_nm: Any     # ceil(sqrt(num_sub_array_nm)): subarrays per PE row / column
    num_sub_array_col_nm: Any
    num_sub_array_row_cm: Any
    num_sub_array_col_cm: Any
    # ---- chip-level sizing derived from the floorplan (chip initialisation) ----
    max_layer_input: Any          # input activations the global buffer holds (largest layer; pipelined: half of all)
    max_tile_added: Any           # most tiles whose partial sums are added (largest tile-row count)
    global_bus_width: Any         # bits, after halving down to prm.max_global_bus_width
    global_buffer_size: Any       # bits (int-truncated)
    num_buffer_core: Any          # global buffer cores of core_row x core_col bits


# ---------------------------------------------------------------------------------------------
# static (network-only) quantities

def _most_common_kernel_area(areas: list[int]) -> int:
    """Kernel area shared by the largest number of layers (first layer wins a tie).

    A layer's score is 1 + the number of layers (itself included) with the same area,
    except 1x1 kernels which score 1; if every layer scores 1 the first layer's area
    is returned (this reproduces the reference's counting loop).
    """
    best_score, best = 0, 0
    for a in areas:
        score = 1 + (sum(1 for b in areas if b == a) if a != 1 else 0)
        if score > best_score:
            best_score, best = score, a
    return best


def _max_speed_up_degree(in_h: np.ndarray, k_h: np.ndarray) -> tuple[int, int]:
    """(first layer's IFM size, cap on the speed-up = first IFM // smallest IFM of a non-1x1 layer)."""
    first = int(in_h[0])
    smallest = first
    for h, k in zip(in_h, k_h):
        if k != 1 and h < smallest:
            smallest = int(h)
    return first, first // smallest


def _seq_sum(x, axis_len: int):
    """Sum over the last axis in layer order (matches the reference's accumulation bit for bit)."""
    acc = x[..., 0]
    for i in range(1, axis_len):
        acc = acc + x[..., i]
    return acc


# ---------------------------------------------------------------------------------------------
# traced helpers

def _pow2_ceil(x):
    """Smallest power of two >= x for positive integer-valued x (exact, via frexp)."""
    m, e = jnp.frexp(x)
    e = jnp.where(m == 0.5, e - 1, e)
    return jnp.ldexp(jnp.ones_like(x), e)


def _halve_within(x, cap):
    """Halve positive ``x`` until ``x <= cap`` (exact: the number of halvings comes from the exponents).

    With x = mx 2^ex and cap = mc 2^ec (mantissas in [0.5, 1)), x / 2^k <= cap first holds at
    k = ex - ec, plus one when mx > mc.
    """
    mx, ex = jnp.frexp(x)
    mc, ec = jnp.frexp(cap)
    k = jnp.maximum(ex - ec + jnp.where(mx > mc, 1, 0), 0)
    return jnp.where(x > cap, jnp.ldexp(x, -k), x)


def _dup(rows, cols, size, unit_row, unit_col):
    """Copies of a rows x cols matrix that fit in a square block of `size` made of `unit` blocks.

    Duplication happens only when the matrix is no larger than the block in at least
    one dimension; in each dimension it is (units per block) // (units per matrix),
    at least 1 (C integer division of the two int counts).
    """
    fits = (rows <= size) | (cols <= size)
    per_row = jnp.ceil(rows / unit_row)
    per_col = jnp.ceil(cols / unit_col)
    n_row = jnp.ceil(size / unit_row)
    n_col = jnp.ceil(size / unit_col)
    dup_row = jnp.maximum(jnp.floor(n_row / per_row), 1.0)
    dup_col = jnp.maximum(jnp.floor(n_col / per_col), 1.0)
    return jnp.where(fits, dup_row, 1.0), jnp.where(fits, dup_col, 1.0)


def _pick(util, valid, cand, best0, choice0):
    """Strict-improvement search over candidates in order: (best utilisation, chosen size).

    Equivalent to scanning the candidate axis and replacing (best, choice) only when a
    valid candidate's utilisation is strictly greater; NaN never wins.
    """
    u = jnp.where(valid & ~jnp.isnan(util), util, -jnp.inf)
    j = jnp.argmax(u, axis=-1)
    m = jnp.take_along_axis(u, j[..., None], axis=-1)[..., 0]
    c = jnp.take_along_axis(cand, j[..., None], axis=-1)[..., 0]
    better = m > best0
    return jnp.where(better, m, best0), jnp.where(better, c, choice0)


@dataclasses.dataclass(frozen=True)
class _Net:
    """What the floorplan needs of the network: static numpy arrays over the layers."""

    L: int
    in_h: np.ndarray
    in_w: np.ndarray
    in_c: np.ndarray
    k_h: np.ndarray
    out_c: np.ndarray
    rows_cm: np.ndarray           # unrolled matrix rows
    rows_nm: np.ndarray           # rows of one kernel position
    num_pe_nm: float              # the most common kernel area
    matches: np.ndarray           # layers whose kernel area is num_pe_nm
    first_ifm: int
    max_sud: int
    halvings: int                 # size candidates of the searches


def _network(layers: tuple[tuple[int, ...], ...]) -> _Net:
    L = len(layers)
    a = np.asarray(layers, dtype=np.float64).reshape(L, -1)
    in_h, in_w, in_c, k_h, k_w, out_c = (a[:, i] for i in range(6))
    area = (k_h * k_w).astype(np.int64)
    num_pe_nm = float(_most_common_kernel_area([int(x) for x in area]))
    first_ifm, max_sud = _max_speed_up_degree(in_h, k_h)
    return _Net(L=L, in_h=in_h, in_w=in_w, in_c=in_c, k_h=k_h, out_c=out_c,
                rows_cm=in_c * k_h * k_w * NUM_ROW_PER_SYNAPSE, rows_nm=in_c * NUM_ROW_PER_SYNAPSE,
                num_pe_nm=num_pe_nm, matches=area == num_pe_nm, first_ifm=first_ifm, max_sud=max_sud,
                halvings=int(math.ceil(math.log2(max(out_c.max(), 1.0)))) + _EXTRA_HALVINGS)


def _e(x):
    """batch -> batch x 1, to meet a layer or candidate axis."""
    return x[..., None]


def _k(x):
    """batch x L -> batch x 1 x L, to meet a candidate axis."""
    return x[..., None, :]


def _knobs(prm) -> tuple[tuple, Any]:
    """(the batch shape of the floorplan's knobs, a function broadcasting a knob to it as float64)."""
    fields = (prm.novel_mapping, prm.pipeline, prm.speed_up_degree, prm.num_row_sub_array,
              prm.num_col_sub_array, prm.num_col_per_synapse, prm.num_col_muxed, prm.num_bit_input,
              prm.max_global_bus_width, prm.global_buffer_core_size_row, prm.global_buffer_core_size_col)
    shape = jnp.broadcast_shapes(*(jnp.shape(x) for x in fields))
    return shape, lambda x: jnp.broadcast_to(jnp.asarray(x, jnp.float64), shape)


def _mapping(prm, net: _Net, b):
    """Which layers use the novel mapping (5.2), their columns, the largest power-of-two sizes of
    both mappings and the pipeline speed-up (5.4): (mark, cols, max_pe_nm, max_tile_cm, sud, pipe_speed)."""
    e = _e
    novel, pipe = b(prm.novel_mapping) != 0, b(prm.pipeline) != 0
    mark = e(novel) & net.matches & (net.rows_cm >= e(b(prm.num_row_sub_array)))     # (.., L)
    cols = net.out_c * e(b(prm.num_col_per_synapse))                                  # (.., L)
    min_cube = _pow2_ceil(cols)
    max_pe_nm = jnp.max(jnp.where(mark, min_cube, 0.0), axis=-1)
    max_tile_cm = jnp.max(jnp.where(mark, 0.0, min_cube), axis=-1)
    sud_user = b(prm.speed_up_degree)
    sud = jnp.where(pipe & (net.max_sud < sud_user), float(net.max_sud), sud_user)
    bound = jnp.ceil(net.first_ifm / sud)                                            # int IFM size per step
    ratio = net.in_h / e(bound)
    return mark, cols, max_pe_nm, max_tile_cm, sud, jnp.ceil(ratio * ratio)


def _size_search(net: _Net, sub_r, mark, cols, max_pe_nm, max_tile_cm):
    """The novel PE size, then the conventional tile size and PE size sharing the running best
    utilisation (5.3): (pe_nm, novel tiles at pe_nm, tile_cm, conventional tiles at tile_cm, pe_cm)."""
    e, k = _e, _k
    scale = jnp.asarray(2.0 ** -np.arange(net.halvings))          # candidate = start * scale
    cm = ~mark
    mark_f = jnp.where(mark, 1.0, 0.0)
    cm_f = 1.0 - mark_f

    def tiles_nm(size):  # size (.., K) -> novel tiles needed (.., K)
        s = e(size)
        t = jnp.ceil(net.rows_nm / s) * jnp.ceil(k(cols) / s)
        return jnp.sum(jnp.where(k(mark), t, 0.0), axis=-1)

    matrix_nm = jnp.sum(mark_f * net.rows_cm * cols, axis=-1)
    p0 = jnp.maximum(max_pe_nm, 2 * sub_r)
    cand = e(p0) * scale
    util = e(matrix_nm) / (tiles_nm(cand) * cand * cand * net.num_pe_nm)
    _, pe_nm = _pick(util, cand > e(2 * sub_r), cand, 0.0, p0)

    def tiles_cm(size):
        s = e(size)
        t = jnp.ceil(net.rows_cm / s) * jnp.ceil(k(cols) / s)
        return jnp.sum(jnp.where(k(cm), t, 0.0), axis=-1)

    matrix_cm = jnp.sum(cm_f * net.rows_cm * cols, axis=-1)
    t0 = jnp.maximum(max_tile_cm, 4 * sub_r)
    cand = e(t0) * scale
    util = e(matrix_cm) / (tiles_cm(cand) * cand * cand)
    best_cm, tile_cm = _pick(util, cand > e(4 * sub_r), cand, 0.0, t0)
    num_tile_cm = tiles_cm(tile_cm[..., None])[..., 0]

    cand = e(tile_cm / 2) * scale
    dr, dc = _dup(net.rows_cm, k(cols), e(e(tile_cm)), e(cand), e(cand))  # (.., K, L)
    matrix_dup = jnp.sum(jnp.where(k(cm), dr * dc * net.rows_cm * k(cols), 0.0), axis=-1)
    util = matrix_dup / e(num_tile_cm * tile_cm * tile_cm)
    _, pe_cm = _pick(util, cand > e(2 * sub_r), cand, best_cm, tile_cm / 2)
    return pe_nm, lambda pe: tiles_nm(pe[..., None])[..., 0], tile_cm, num_tile_cm, pe_cm


def _tile_locations(net: _Net, layer_tiles, num_tile_row, shape):
    """Start location (row, column) of each layer in the tile grid.

    The reference's running tile count is never initialised; in its binary it keeps its value
    across the four floorplan calls of main(), so the final (location) call starts from three
    times the tiles of layers 2..L. This was checked on every feasible conformance point and is
    reproduced here."""
    L = net.L
    later = _seq_sum(layer_tiles[..., 1:], L - 1) if L > 1 else jnp.zeros(shape)
    running = 3.0 * later
    loc_r, loc_c = [jnp.zeros(shape)], [jnp.zeros(shape)]
    grid = jnp.where(num_tile_row > 0, num_tile_row, 1.0)
    for i in range(1, L):
        running = running + layer_tiles[..., i]
        t = jnp.trunc(running)
        loc_r.append(jnp.floor(t / grid))
        loc_c.append(t - jnp.floor(t / grid) * grid)
    return jnp.stack(loc_r, axis=-1), jnp.stack(loc_c, axis=-1)


def _global_sizes(prm, net: _Net, b, mark, pe_nm, tile_cm, layer_tiles, nt_row):
    """Chip initialisation's sizes from the floorplan: (max_layer_input, max_tile_added,
    global_bus_width, global_buffer_size, num_buffer_core)."""
    e = _e
    pipe = b(prm.pipeline) != 0
    ifm = net.in_h * net.in_w * net.in_c
    half = 0.0
    for x in ifm:
        half += x / 2
    max_layer_input = jnp.where(pipe, half, float(ifm.max()))
    ncm = e(b(prm.num_col_muxed))
    side_nm = float(math.ceil(math.sqrt(net.num_pe_nm)))
    width_l = jnp.where(mark, e(pe_nm) * side_nm + e(pe_nm) * side_nm / ncm, e(tile_cm) + e(tile_cm) / ncm)
    width_l = jnp.where(e(pipe), width_l * layer_tiles, width_l)
    bus = _seq_sum(width_l, net.L)
    bus = _halve_within(bus, b(prm.max_global_bus_width))
    max_tile_added = jnp.maximum(jnp.max(nt_row, axis=-1), 0.0)
    buffer_size = jnp.trunc(b(prm.num_bit_input) * max_layer_input)
    num_buffer_core = jnp.ceil(buffer_size / (b(prm.global_buffer_core_size_row) * b(prm.global_buffer_core_size_col)))
    return max_layer_input, max_tile_added, bus, buffer_size, num_buffer_core


def floorplan(prm, layers: tuple[tuple[int, ...], ...]) -> Floorplan:
    """Floorplan of the chip for `layers` (static rows of the network file) under `prm`.

    Reproduces the reference's design initialisation (mapping per layer, pipeline
    speed-up), its tile/PE size search and its per-layer tile counts, utilisation,
    speed-up and tile locations, plus the whole-chip memory utilisation. A subarray
    too large for the hierarchy (the largest power-of-two PE of the novel layers
    below 2 subarrays, or the largest conventional tile below 4 subarrays) sets
    ``status`` to :data:`dse.status.SUBARRAY_TOO_LARGE`; the other outputs are then
    meaningless. Manual sections 5.2-5.4.
    """
    net = _network(layers)
    L, e = net.L, _e
    shape, b = _knobs(prm)
    novel, pipe = b(prm.novel_mapping) != 0, b(prm.pipeline) != 0
    sub_r, sub_c = b(prm.num_row_sub_array), b(prm.num_col_sub_array)
    mark, cols, max_pe_nm, max_tile_cm, sud, pipe_speed = _mapping(prm, net, b)
    status = jnp.zeros(shape, jnp.int64)
    too_large = jnp.where(novel, max_pe_nm < 2 * sub_r, max_tile_cm < 4 * sub_r)
    status = S.flag(status, too_large, S.SUBARRAY_TOO_LARGE)
    pe_nm, tiles_nm, tile_cm, num_tile_cm, pe_cm = _size_search(net, sub_r, mark, cols, max_pe_nm, max_tile_cm)
    pe_nm = jnp.where(novel, pe_nm, 0.0)
    num_tile_nm = jnp.where(novel, tiles_nm(pe_nm), 0.0)

    # ---- duplication of each layer across PEs and subarrays ----
    pdr, pdc = _dup(net.rows_cm, cols, e(tile_cm), e(pe_cm), e(pe_cm))
    pe_dup_row = jnp.where(mark, 1.0, pdr)
    pe_dup_col = jnp.where(mark, 1.0, pdc)
    rows_l = jnp.where(mark, net.rows_nm, net.rows_cm)
    size_pe = jnp.where(mark, e(pe_nm), e(pe_cm))
    sa_dup_row, sa_dup_col = _dup(rows_l, cols, size_pe, e(sub_r), e(sub_c))

    # ---- tiles, utilisation and speed-up of each layer ----
    dup = pe_dup_row * pe_dup_col * sa_dup_row * sa_dup_col
    size_tile = jnp.where(mark, e(pe_nm), e(tile_cm))
    repeat = jnp.where(e(pipe), jnp.ceil(pipe_speed / dup), 1.0)
    nt_row = jnp.ceil(rows_l / size_tile) * repeat
    nt_col = jnp.ceil(cols / size_tile)
    copies = jnp.where(e(pipe), jnp.maximum(pipe_speed, dup), dup)
    pe_factor = jnp.where(mark, net.num_pe_nm, 1.0)
    utilization = (copies * rows_l * pe_factor * cols) / (nt_row * nt_col * size_tile * size_tile * pe_factor)
    sp_row = pe_dup_row * sa_dup_row * repeat
    sp_col = pe_dup_col * sa_dup_col
    layer_tiles = nt_row * nt_col

    # ---- the chip: in pipeline mode every layer has its own tiles ----
    mark_f = jnp.where(mark, 1.0, 0.0)
    num_tile_cm = jnp.where(pipe, _seq_sum((1.0 - mark_f) * layer_tiles, L), num_tile_cm)
    num_tile_nm = jnp.where(pipe, _seq_sum(mark_f * layer_tiles, L), num_tile_nm)
    total = num_tile_cm + num_tile_nm
    num_tile_row = jnp.ceil(jnp.sqrt(total))
    num_tile_col = jnp.ceil(total / jnp.where(num_tile_row > 0, num_tile_row, 1.0))
    tile_loca_row, tile_loca_col = _tile_locations(net, layer_tiles, num_tile_row, shape)
    total_layers = _seq_sum(layer_tiles, L)
    memory_utilization = _seq_sum(layer_tiles * utilization, L) / total_layers

    # ---- what tile / PE initialisation consumes ----
    num_sa_nm = jnp.ceil(pe_nm / sub_r) * jnp.ceil(pe_nm / sub_c)
    num_sa_cm = jnp.ceil(pe_cm / sub_r) * jnp.ceil(pe_cm / sub_c)
    sa_side_nm = jnp.ceil(jnp.sqrt(num_sa_nm))
    sa_side_cm = jnp.ceil(jnp.sqrt(num_sa_cm))
    max_layer_input, max_tile_added, bus, buffer_size, num_buffer_core = _global_sizes(
        prm, net, b, mark, pe_nm, tile_cm, layer_tiles, nt_row)

    return Floorplan(
        status=status, mark_nm=mark_f, num_pe_nm=jnp.where(novel, net.num_pe_nm, 0.0), max_pe_size_nm=max_pe_nm,
        max_tile_size_cm=max_tile_cm, speed_up_degree=sud, pipeline_speed_up=pipe_speed,
        desired_num_tile_nm=num_tile_nm, desired_pe_size_nm=pe_nm, desired_num_tile_cm=num_tile_cm,
        desired_tile_size_cm=tile_cm, desired_pe_size_cm=pe_cm, num_tile_row=num_tile_row,
        num_tile_col=num_tile_col, pe_dup_row=pe_dup_row, pe_dup_col=pe_dup_col,
        sub_array_dup_row=sa_dup_row, sub_array_dup_col=sa_dup_col, num_tile_each_layer_row=nt_row,
        num_tile_each_layer_col=nt_col, layer_tiles=layer_tiles, utilization_each_layer=utilization,
        speed_up_each_layer_row=sp_row, speed_up_each_layer_col=sp_col, layer_speedup=sp_row * sp_col,
        tile_loca_row=tile_loca_row, tile_loca_col=tile_loca_col, total_num_tile=total_layers,
        memory_utilization=memory_utilization, num_pe_cm=jnp.ceil(tile_cm / pe_cm), num_sub_array_nm=num_sa_nm,
        num_sub_array_cm=num_sa_cm, num_sub_array_row_nm=sa_side_nm, num_sub_array_col_nm=sa_side_nm,
        num_sub_array_row_cm=sa_side_cm, num_sub_array_col_cm=sa_side_cm, max_layer_input=max_layer_input,
        max_tile_added=max_tile_added, global_bus_width=bus, global_buffer_size=buffer_size,
        num_buffer_core=num_buffer_core,
    )
