"""Traces: reader checks, the cut, the reduction against a brute-force replay of the reference's reads."""
import os

import jax
import numpy as np
import pytest

import dse  # noqa: F401
from dse import design as D
from dse import traces as T
from dse.network import Layer, from_layers
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.traces.reader import TraceError, num_in_vector, read_input, read_weight, weight_digits
from dse.traces.resistance import replay_layer_sum

G_FUNCS = [lambda r: 1.0 / r, np.log, lambda r: r, np.sqrt, lambda r: np.exp(-2.31 * np.log10(r))]


def _g_finite(g):
    return lambda r: np.where(np.isfinite(r), g(np.where(np.isfinite(r), r, 1.0)), 0.0)


def _point(**kw):
    pt = dict(technode=22, memcell="rram", mode="parallel", subarray=64, parallel_read=16, cell_bits=1,
              r_on=6000.0, on_off=10.0)
    pt.update(kw)
    prm = make_params(D.encode([pt]))
    cell = memcell(prm)
    one = lambda t: jax.tree_util.tree_map(lambda a: a[0], t)  # noqa: E731
    return one(prm), one(cell)


def _replay_kw(prm, cell, levels, wire, res_cell_access=1000.0):
    return dict(mem=int(cell.mem_cell_type), g_max=float(prm.max_conductance), g_min=float(prm.min_conductance),
                num_levels=levels, r_access=float(cell.resistance_access),
                wire_row=float(prm.wire_resistance_row) if wire else 0.0,
                wire_col=float(prm.wire_resistance_col) if wire else 0.0,
                res_cell_access=res_cell_access, parallel=bool(prm.parallel_read == 1), num_add=float(prm.num_add))


def _compare(st, cut, digits, bits, prm, cell, wire, levels):
    gs = [_g_finite(g) for g in G_FUNCS]
    ref = replay_layer_sum(digits, bits, cut, gs, **_replay_kw(prm, cell, levels, wire))
    r = np.asarray(T.column_resistance(st, cell, prm, 1000.0, wire=wire))
    red = [float(np.sum(st.weight * g(r))) for g in gs]
    return np.array([abs(a - b) / abs(b) for a, b in zip(red, ref)])


def _random_layer(rng, c=20, k=12, h=6, density=0.25):
    layer = Layer(h, h, c, 3, 3, k, 0, 1)
    w = np.rint(np.clip(rng.normal(0, 0.4, (9 * c, k)), -1, 1) * 128) / 128
    w[0, 0] = 1.0                                    # overflow case
    bits = rng.random((9 * c, num_in_vector(layer) * 8)) < density
    bits[:, :8] = False                              # reads with no active row
    return layer, w, bits


@pytest.mark.parametrize("mem,mode,cb", [("rram", "parallel", 1), ("rram", "sequential", 2), ("fefet", "parallel", 2),
                                         ("sram", "parallel", 1), ("rram", "parallel", 3)])
def test_reduction_exact_without_wire(mem, mode, cb):
    rng = np.random.default_rng(1)
    layer, w, bits = _random_layer(rng)
    ncps = -(-8 // cb)
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=ncps, input_bits=8, novel=False, tile_cm=128, pe_cm=64))
    digits = weight_digits(w, 8, cb)
    levels = 1 if mem == "sram" else 2 ** cb
    st = T.reduce_layer(digits, bits, cut, levels)
    prm, cell = _point(memcell=mem, mode=mode, cell_bits=cb)
    err = _compare(st, cut, digits, bits, prm, cell, wire=False, levels=2 ** cb)
    assert np.all(err < 1e-12), err
    # n histograms: exact per slice
    for b, rows in enumerate(cut.block_rows):
        n = bits[rows, :cut.num_reads].sum(0)
        np.testing.assert_array_equal(st.n_hist[b, :n.max() + 1], np.bincount(n))
    assert st.n_hist.sum(1).tolist() == [cut.num_reads] * len(cut.block_rows)
    # total weight = reads x columns x multiplicity
    assert st.weight.sum() == pytest.approx(cut.num_reads * float(np.sum(cut.block_ncol * cut.block_mult)))


@pytest.mark.parametrize("node,mem,sub,bins,tol", [(22, "rram", 256, 0, 1e-3), (1, "fefet", 256, 0, 1.5e-2),
                                                   (1, "fefet", 256, 8, 1e-3)])
def test_reduction_wire_bound(node, mem, sub, bins, tol):
    """Wire resistance at r_on = 6 kOhm, 256-row slices: 22 nm within 0.1 %, 1 nm (FeFET, wires ~ 10 kOhm per
    column) within 1.5 % by default and 0.1 % with position bins."""
    rng = np.random.default_rng(2)
    layer = Layer(5, 5, 40, 3, 3, 8, 0, 1)           # 360 rows: one full 256-row slice and a partial one
    w = np.rint(np.clip(rng.normal(0, 0.35, (360, 8)), -1, 1) * 128) / 128
    bits = rng.random((360, num_in_vector(layer) * 8)) < 0.2
    cut = T.layer_cut(layer, T.CutKey(sub=sub, ncps=4, input_bits=8, novel=False, tile_cm=4 * sub, pe_cm=2 * sub))
    digits = weight_digits(w, 8, 2)
    st = T.reduce_layer(digits, bits, cut, 4, pos_bins=bins)
    prm, cell = _point(technode=node, memcell=mem, subarray=sub, parallel_read=sub // 4, cell_bits=2)
    err = _compare(st, cut, digits, bits, prm, cell, wire=True, levels=4)
    assert np.all(err < tol), err
    assert np.max(err) > 1e-9                        # the wire does change the figures


def test_conformance_tiny_layer_exact(conformance_dir):
    from dse.network import load_network
    net = load_network(os.path.join(conformance_dir, "networks", "tiny.csv"))
    folder = os.path.join(conformance_dir, "traces", "tiny")
    wp, xp = T.trace_paths(folder, 1)
    w = read_weight(wp, net.layers[1], 1)
    bits = read_input(xp, net.layers[1], 8, 1)
    cut = T.layer_cut(net.layers[1], T.CutKey(sub=32, ncps=4, input_bits=8, novel=False, tile_cm=128, pe_cm=64))
    digits = weight_digits(w, 8, 2)
    st = T.reduce_layer(digits, bits, cut, 4)
    prm, cell = _point(subarray=32, parallel_read=8, cell_bits=2)
    assert np.all(_compare(st, cut, digits, bits, prm, cell, wire=False, levels=4) < 1e-12)
    assert np.all(_compare(st, cut, digits, bits, prm, cell, wire=True, levels=4) < 1e-4)


def test_column_resistance_batch_equals_single():
    rng = np.random.default_rng(3)
    layer, w, bits = _random_layer(rng, c=8, k=4)
    cut = T.layer_cut(layer, T.CutKey(sub=32, ncps=8, input_bits=8, novel=False, tile_cm=128, pe_cm=64))
    st = T.reduce_layer(weight_digits(w, 8, 1), bits, cut, 2)
    pts = [dict(technode=n, memcell=m, mode=md, subarray=32, parallel_read=8, r_on=r, on_off=10.0)
           for n, m, md, r in [(22, "rram", "parallel", 6e3), (7, "fefet", "sequential", 5e4),
                               (65, "sram", "parallel", 1e5)]]
    prm = make_params(D.encode(pts))
    cell = memcell(prm)
    rca = np.array([900.0, 0.0, 1200.0])
    # compiled as the model's stages are (dse.compile: exact arithmetic options; run eagerly, XLA's
    # simplifier may round a batch and a single point differently by one ulp)
    from dse import compile as C

    fn = lambda c, p, r: T.column_resistance(st, c, p, r)  # noqa: E731
    batch = np.asarray(C.compiled("test column_resistance", fn, cell, prm, rca)(cell, prm, rca))
    for i in range(3):
        one = lambda t: jax.tree_util.tree_map(lambda a: a[i], t)  # noqa: E731
        args = (one(cell), one(prm), rca[i])
        single = np.asarray(C.compiled("test column_resistance", fn, *args)(*args))
        np.testing.assert_array_equal(batch[i], single)


def test_weight_digits_reference_semantics():
    w = np.array([[-1.0, 1.0, 0.0, 1 / 256, -1 / 256, 0.5]])
    # 2^7*(w+1): 0, 256 (overflows to 0), 128, 128.5 -> 129 (half away from zero), 127.5 -> 128, 192
    np.testing.assert_array_equal(weight_digits(w, 8, 8).ravel(), [0, 0, 128, 129, 128, 192])
    d = weight_digits(np.array([[0.5]]), 8, 2).ravel()  # 192 = 3,0,0,0 in base 4, most significant first
    np.testing.assert_array_equal(d, [3, 0, 0, 0])
    np.testing.assert_array_equal(weight_digits(np.array([[0.5]]), 7, 3).ravel(), [1, 4, 0])  # 96 = 1*64+4*8
    with pytest.raises(TraceError):
        weight_digits(np.array([[-1.5]]), 8, 1)


def test_num_in_vector_truncates():
    assert num_in_vector((32, 32, 3, 3, 3, 16, 0, 1)) == 900
    assert num_in_vector((8, 8, 3, 3, 3, 16, 0, 2)) == 9        # 3 * 6 / 2 = 9
    assert num_in_vector((7, 7, 3, 3, 3, 16, 0, 2)) == 6        # 2.5 * 5 / 2 = 6.25


def test_reader_messages(tmp_path):
    layer = Layer(4, 4, 2, 3, 3, 3, 0, 1)                 # 18 rows, 3 out, 4 windows
    np.savetxt(tmp_path / "weight1.csv", np.zeros((18, 3)), delimiter=",")
    np.savetxt(tmp_path / "input1.csv", np.ones((18, 40), int), fmt="%d", delimiter=",")
    assert read_weight(str(tmp_path / "weight1.csv"), layer).shape == (18, 3)
    x = read_input(str(tmp_path / "input1.csv"), layer, 8)
    assert x.shape == (18, 32) and x.dtype == bool        # only num_in_vector*input_bits columns read
    with pytest.raises(TraceError, match="weight1.csv: layer 1 weights are 18 x 3 but the network"):
        read_weight(str(tmp_path / "weight1.csv"), Layer(4, 4, 2, 3, 3, 4, 0, 1))
    with pytest.raises(TraceError, match="input has 40 columns but the reference reads"):
        read_input(str(tmp_path / "input1.csv"), layer, 16)
    np.savetxt(tmp_path / "input2.csv", np.full((18, 40), 2), fmt="%d", delimiter=",")
    with pytest.raises(TraceError, match="not a bit"):
        read_input(str(tmp_path / "input2.csv"), layer, 8, 1)
    with pytest.raises(TraceError, match="layer 3: no weight3.csv"):
        T.trace_paths(str(tmp_path), 2)


def test_cut_conventional_covers_matrix_and_readds():
    layer = Layer(4, 4, 30, 3, 3, 20, 0, 1)               # 270 x 160 (ncps 8)
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=8, input_bits=8, novel=False, tile_cm=256, pe_cm=128))
    cover = np.zeros((270, 160), int)
    for rows, c0, nc in zip(cut.block_rows, cut.block_col0, cut.block_ncol):
        assert len(rows) <= 64 and nc <= 64
        cover[np.ix_(rows, np.arange(c0, c0 + nc))] += 1
    assert np.all(cover == 1)
    # tile (1, 0) holds 14 rows x 160 cols: its 2x2 PE grid has PEs (0,0), (0,1) mapped and two empty slots
    t = 1
    pes = np.flatnonzero(cut.pe_tile == t)
    assert cut.pe_mult[pes].tolist() == [1, 3]
    assert cut.pe_mult[cut.pe_tile == 0].tolist() == [1, 1, 1, 1]


def test_cut_novel_rows_by_kernel_position():
    layer = Layer(6, 6, 64, 3, 3, 16, 0, 1)               # 576 rows = 9 kernel positions x 64 channels
    cut = T.layer_cut(layer, T.CutKey(sub=32, ncps=8, input_bits=8, novel=True, pe_nm=64, num_pe_nm=9))
    assert len(cut.pe_rows) == 9 * 2                      # 2 tiles along the columns (128 / 64)
    first = [int(cut.block_rows[b][0]) for b in np.flatnonzero(cut.block_pe == 1)]
    assert sorted(set(first)) == [64, 96]                 # PE 1 = kernel position 1, channels 0..63
    cover = np.zeros((576, 128), int)
    for rows, c0, nc in zip(cut.block_rows, cut.block_col0, cut.block_ncol):
        cover[np.ix_(rows, np.arange(c0, c0 + nc))] += 1
    assert np.all(cover == 1)


def _reshaped_tile(w, x, c, npe, pe_nm, ti, tj, row_nm, col_nm):
    """The reference's reshaped tile matrices (ReshapeArray / ReshapeInput), written out directly from
    the layer's matrices padded with zero weights and zero input bits wherever it reads outside a
    kernel position's channel block or outside what it copies: (weights, inputs) of shape
    (npe * row_nm, col_nm) and (npe * row_nm, reads)."""
    tw = np.zeros((npe * row_nm, col_nm))
    tx = np.zeros((npe * row_nm, x.shape[1]), bool)
    for k in range(npe):
        for i in range(row_nm):
            ch = ti * pe_nm + i
            if ch >= c:
                continue
            cols = tj * pe_nm + np.arange(col_nm)
            ok = cols < w.shape[1]
            tw[k * row_nm + i, ok] = w[k * c + ch, cols[ok]]
            tx[k * row_nm + i] = x[k * c + ch]
    return tw, tx


@pytest.mark.parametrize("c,k,ncps,pe_nm", [(48, 72, 8, 512), (300, 8, 8, 128), (20, 6, 4, 16)])
def test_cut_novel_unused_cells_follow_the_zero_padded_reshape(c, k, ncps, pe_nm):
    """Channel counts that do not divide the novel PE size: each PE slice reads exactly the cells of
    the reference's reshaped tile, with zero weights and no input where the reshape reads outside a
    kernel position's channel block or past its copy (DenseNet40's layer 9 is the first case)."""
    import math
    layer = Layer(6, 6, c, 3, 3, k, 0, 1)
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=ncps, input_bits=8, novel=True, pe_nm=pe_nm, num_pe_nm=9))
    WR, WC = 9 * c, k * ncps
    assert cut.has_unused
    rng = np.random.default_rng(3)
    w = rng.integers(1, 2 ** ncps, (WR, WC)).astype(float)          # no zero entries: zeros mark padding
    x = rng.random((WR, 40)) < 0.5
    wp = np.concatenate([np.concatenate([w, np.zeros((1, WC))]), np.zeros((WR + 1, ncps))], axis=1)
    xp = np.concatenate([x, np.zeros((1, 40), bool)])
    ntr, ntc = math.ceil(c / pe_nm), math.ceil(WC / pe_nm)
    row_nm, col_nm = c // ntr, WC // ntc
    for p in range(len(cut.pe_rows)):
        t = cut.pe_tile[p]
        ti, tj = divmod(int(t), ntc)
        tw, tx = _reshaped_tile(w, x, c, 9, pe_nm, ti, tj, row_nm, col_nm)
        i = p - np.flatnonzero(cut.pe_tile == t)[0]                       # PE index in its tile
        wr, wc = int(cut.pe_rows[p]), int(cut.pe_cols[p])
        loc = int(i * min(pe_nm, cut.tile_rows[t] / 9))
        # the PE's matrix: rows loc.. of the tile copy, its first wc columns (zero past the copy)
        want_w = np.zeros((wr, wc))
        want_x = np.zeros((wr, 40), bool)
        n = max(0, min(wr, tw.shape[0] - loc))
        want_w[:n, :min(wc, col_nm)] = tw[loc:loc + n, :wc]
        want_x[:n] = tx[loc:loc + n]
        got_w = np.zeros((wr, wc))
        got_x = np.zeros((wr, 40), bool)
        # the PE's slices, in subarray steps (row-major over the PE's subarray grid)
        for bi, b in enumerate(np.flatnonzero(cut.block_pe == p)):
            rows, cols = cut.block_rows[b], cut.block_cols[b]
            si, sj = divmod(bi, math.ceil(wc / 64))
            got_w[si * 64:si * 64 + rows.size, sj * 64:sj * 64 + cols.size] = wp[np.ix_(rows, cols)]
            got_x[si * 64:si * 64 + rows.size] = xp[rows]
        np.testing.assert_array_equal(got_x, want_x)
        # unused columns hold a zero weight in every digit position; compare where the copy is defined
        np.testing.assert_array_equal(got_w[:, :min(wc, col_nm)], want_w[:, :min(wc, col_nm)])
        assert np.all(got_w[:, col_nm:] == 0)
    # an unused column keeps its digit position (zero weight's digits are laid out like any weight's)
    for cols in cut.block_cols:
        un = cols[cols >= WC]
        assert np.all(un < WC + ncps)


def test_novel_unused_cells_reduce_like_explicit_zero_weights():
    """Column statistics of a cut with unused rows and columns equal those of a brute-force replay over
    the padded matrices (RRAM, 2-bit cells, no wire resistance)."""
    rng = np.random.default_rng(5)
    layer = Layer(6, 6, 20, 3, 3, 6, 0, 1)
    w = np.rint(np.clip(rng.normal(0, 0.4, (180, 6)), -1, 1) * 128) / 128
    bits = rng.random((180, num_in_vector(layer) * 8)) < 0.3
    cut = T.layer_cut(layer, T.CutKey(sub=16, ncps=4, input_bits=8, novel=True, pe_nm=16, num_pe_nm=9))
    assert cut.has_unused
    zero = weight_digits(np.zeros((1, 1)), 8, 2)
    digits, xb = T.pad_traces(cut, weight_digits(w, 8, 2), bits, zero)
    assert digits.shape == (181, 28) and xb.shape == (181, bits.shape[1])
    assert zero.tolist() == [[2, 0, 0, 0]]                    # 128 = 2000 in base 4
    np.testing.assert_array_equal(digits[180, :8], [2, 0, 0, 0, 2, 0, 0, 0])
    st = T.reduce_layer(digits, xb, cut, 4)
    prm, cell = _point(memcell="rram", cell_bits=2, subarray=16, parallel_read=16)
    err = _compare(st, cut, digits, xb, prm, cell, wire=False, levels=4)
    assert np.all(err < 1e-12), err


def test_synthetic_deterministic_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    from dse.traces import cache
    net = from_layers([(6, 6, 8, 3, 3, 8, 0, 1)], name="t")
    key = T.stats_key(T.CutKey(sub=32, ncps=4, input_bits=8, novel=False, tile_cm=128, pe_cm=64), 8, 2, False)
    a, _ = T.layer_stats(None, net, 0, key)
    files = list((tmp_path / "traces").glob("*.npz"))
    assert len(files) == 1
    cache.clear_memory()
    b, _ = T.layer_stats(None, net, 0, key)              # from disk
    for f in ("counts", "weight", "n_hist", "pos_mean", "spread"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    cache.clear_memory()
    monkeypatch.setenv("DSE_CACHE_DIR", "off")
    c, _ = T.layer_stats(None, net, 0, key)              # recomputed: same numbers
    np.testing.assert_array_equal(a.weight, c.weight)
    w, x = T.synthetic_layer(net.layers[0], 8, 8)
    assert 0.15 < x.mean() < 0.25 and abs(w.std() - 0.35) < 0.05


def test_level_sum_states_exact_for_linear_cells():
    """16-level cells on 64-row slices are keyed by (active rows, level sum): exact for FeFET without
    wires (conductance linear in the level), a bounded approximation with the access transistor."""
    rng = np.random.default_rng(5)
    layer = Layer(4, 4, 12, 3, 3, 6, 0, 1)           # 108 rows: a 64-row and a 44-row slice
    w = np.rint(np.clip(rng.normal(0, 0.35, (108, 6)), -1, 1) * 128) / 128
    bits = rng.random((108, num_in_vector(layer) * 8)) < 0.3
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=2, input_bits=8, novel=False, tile_cm=256, pe_cm=128))
    digits = weight_digits(w, 8, 4)
    st = T.reduce_layer(digits, bits, cut, 16)
    assert st.counts.shape[1] == 16 and not np.allclose(st.counts, np.rint(st.counts))   # mean counts kept
    prm, cell = _point(memcell="fefet", cell_bits=4)
    assert np.all(_compare(st, cut, digits, bits, prm, cell, wire=False, levels=16) < 1e-12)
    prm, cell = _point(memcell="rram", cell_bits=4)
    err = _compare(st, cut, digits, bits, prm, cell, wire=False, levels=16)
    assert np.all(err < 1e-3) and np.max(err) > 1e-12, err


@pytest.mark.parametrize("cb,budget,tol", [(1, 64, 5e-3), (2, 128, 5e-3), (4, 64, 5e-3)])
def test_merged_states_bound(cb, budget, tol):
    """States merged to a budget (``max_states``) keep the ADC sums within the stated bound, for the
    shapes the ADC models have (1/R: current, log R: flash current mirrors, R^-1: SAR fit)."""
    rng = np.random.default_rng(6)
    layer = Layer(6, 6, 30, 3, 3, 16, 0, 1)
    w = np.rint(np.clip(rng.normal(0, 0.35, (270, 16)), -1, 1) * 128) / 128
    bits = rng.random((270, num_in_vector(layer) * 8)) < 0.3
    cut = T.layer_cut(layer, T.CutKey(sub=128, ncps=-(-8 // cb), input_bits=8, novel=False, tile_cm=512, pe_cm=256))
    digits = weight_digits(w, 8, cb)
    exact = T.reduce_layer(digits, bits, cut, 2 ** cb)
    merged = T.reduce_layer(digits, bits, cut, 2 ** cb, max_states=budget)
    assert len(merged.weight) <= budget < len(exact.weight)
    assert merged.weight.sum() == pytest.approx(exact.weight.sum(), rel=1e-12)
    prm, cell = _point(subarray=128, parallel_read=128, cell_bits=cb)
    err = _compare(merged, cut, digits, bits, prm, cell, wire=True, levels=2 ** cb)[[0, 1, 4]]
    assert np.all(err < tol), err


def test_sampled_synthetic_reads_scale():
    """Synthetic traces sample input vectors; histograms and weights are scaled to all reads."""
    layer = Layer(8, 8, 16, 3, 3, 8, 0, 1)
    model = T.SyntheticModel(max_vectors=16)
    w, bits = T.synthetic_layer(layer, 8, 8, model)
    assert bits.shape[1] == 16 * 8
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=8, input_bits=8, novel=False, tile_cm=256, pe_cm=128))
    st = T.reduce_layer(weight_digits(w, 8, 1), bits, cut, 2, sampled=True)
    np.testing.assert_allclose(st.n_hist.sum(1), cut.num_reads)
    assert st.weight.sum() == pytest.approx(cut.num_reads * float(np.sum(cut.block_ncol * cut.block_mult)))


@pytest.mark.parametrize("mem,mode,cb", [("rram", "parallel", 2), ("fefet", "sequential", 1), ("sram", "parallel", 1),
                                         ("rram", "sequential", 4)])
def test_column_resistance_entries_equal_dense_states(mem, mode, cb):
    """The performance stage's form (non-empty (state, level) entries summed per state by prefix
    sums, from :mod:`dse.chip.layer_tables`) equals the dense per-state model, wires included."""
    from dse.chip.layer_tables import layer_tables
    from dse.traces.resistance import column_resistance_entries

    rng = np.random.default_rng(11)
    layer, w, bits = _random_layer(rng, c=10, k=6)
    cut = T.layer_cut(layer, T.CutKey(sub=64, ncps=8 // cb, input_bits=8, novel=False, tile_cm=128, pe_cm=64))
    levels = 1 if mem == "sram" else 2 ** cb
    st = T.reduce_layer(weight_digits(w, 8, cb), bits, cut, levels)
    prm, cell = _point(memcell=mem, mode=mode, cell_bits=cb, technode=7 if mem == "fefet" else 22)
    tb = layer_tables(from_layers([layer.as_tuple()]), [(st, cut)])
    one = jax.tree_util.tree_map(lambda a: a[0], tb)
    dense = np.asarray(T.column_resistance(st, cell, prm, 1000.0))
    ent = np.asarray(column_resistance_entries(one, cell, prm, 1000.0))
    assert ent.shape == dense.shape and np.all(np.isfinite(dense) == np.isfinite(ent))
    ok = np.isfinite(dense)
    np.testing.assert_allclose(ent[ok], dense[ok], rtol=1e-10)
    assert ok.sum() > 10 and (np.diff(np.asarray(one.ent_state)) >= 0).all()
