"""The fast trace reduction (dse.traces.fast, through reduce_layer) equals the per-pair reference
(reduce_pairs) bit for bit; trace files parse to the same arrays through the byte-level reader and
the binary cache."""
import gzip
import os

import numpy as np
import pytest

import dse  # noqa: F401
from dse import traces as T
from dse.network import Layer, load_network
from dse.traces import cache, fast
from dse.traces.reader import num_in_vector, read_csv_matrix, read_input, read_weight, weight_digits
from dse.traces.reduce import reduce_layer, reduce_pairs

FIELDS = ("num_reads", "num_levels", "block_pe", "block_nrow", "block_ncol", "block_mult", "n_hist", "counts",
          "weight", "col_mean", "pos_mean", "spread")


def assert_same(a, b):
    for f in FIELDS:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        assert x.dtype == y.dtype and np.array_equal(x, y), f


def random_traces(rng, c, k, h=6, density=0.2):
    """A 3x3 layer with ``c`` input and ``k`` output channels: weights on the 8-bit grid (w = +1
    included), input bits with a few reads without any active row."""
    layer = Layer(h, h, c, 3, 3, k, 0, 1)
    w = np.rint(np.clip(rng.normal(0, 0.4, (9 * c, k)), -1, 1) * 128) / 128
    w[0, 0] = 1.0
    bits = rng.random((9 * c, num_in_vector(layer) * 8)) < density
    bits[:, :5] = False
    return layer, w, bits


@pytest.fixture
def fast_calls(monkeypatch):
    """Names of the fast reductions that produced statistics (not falling back to the reference)."""
    calls = []
    for name in ("two_level_sums", "binned_sums"):
        def spy(*a, _f=getattr(fast, name), _n=name, **k):
            out = _f(*a, **k)
            if out is not None:
                calls.append(_n)
            return out
        monkeypatch.setattr(fast, name, spy)
    return calls


def both(layer, w, bits, key: T.CutKey, cell_bits, max_states=0):
    """(reference, fast) statistics of one layer under ``key`` (traces padded for unused cells)."""
    cut = T.layer_cut(layer, key)
    d = weight_digits(w, 8, cell_bits)
    d, x = T.pad_traces(cut, d, bits, weight_digits(np.zeros((1, 1)), 8, cell_bits))
    L = 2 ** cell_bits
    ref = reduce_pairs(d, x, cut, L, max_states=max_states)
    if max_states:                                   # the bound merges states
        assert reduce_pairs(d, x, cut, L).weight.size > max_states >= 0.5 * ref.weight.size
    return ref, reduce_layer(d, x, cut, L, max_states=max_states)


CONV = dict(novel=False, input_bits=8)


@pytest.mark.parametrize("cb,sub,key,max_states", [
    (1, 32, dict(tile_cm=128, pe_cm=64), 0),                                    # 1-bit, every state
    (1, 32, dict(tile_cm=128, pe_cm=64), 48),                                   # 1-bit, merged
    (1, 16, dict(tile_cm=64, pe_cm=32, speed_up_row=2, speed_up_col=2), 0),     # duplication
    (1, 32, dict(tile_cm=128, pe_cm=32), 0),                                    # empty PE slots: multiplicity 3
    (2, 32, dict(tile_cm=128, pe_cm=64), 40),                                   # 2-bit, merged
    (2, 16, dict(tile_cm=64, pe_cm=32, speed_up_row=2), 24),
    (3, 32, dict(tile_cm=128, pe_cm=64), 40),                                   # 8 levels
    (4, 32, dict(tile_cm=128, pe_cm=64), 32),                                   # 16 levels (level-sum states)
    (4, 16, dict(tile_cm=64, pe_cm=32), 12),
])
def test_fast_equals_reference_conventional(fast_calls, cb, sub, key, max_states):
    rng = np.random.default_rng(cb * 100 + sub + max_states)
    layer, w, bits = random_traces(rng, c=20, k=6)
    ref, new = both(layer, w, bits, T.CutKey(sub=sub, ncps=-(-8 // cb), **CONV, **key), cb, max_states)
    assert_same(ref, new)
    assert fast_calls == ["two_level_sums" if cb == 1 else "binned_sums"]
    if key.get("pe_cm") == 32 and key["tile_cm"] == 128:
        assert len(set(new.block_mult.tolist())) > 1           # slices of one row group counted 1, 3, 11 times


@pytest.mark.parametrize("cb,max_states", [(1, 0), (1, 32), (2, 64), (4, 32)])
def test_fast_equals_reference_novel_unused_cells(fast_calls, cb, max_states):
    """Novel mapping of 20 channels under 16-row PEs: unused rows and columns (padding)."""
    rng = np.random.default_rng(7 + cb)
    layer, w, bits = random_traces(rng, c=20, k=6)
    key = T.CutKey(sub=16, ncps=-(-8 // cb), input_bits=8, novel=True, pe_nm=16, num_pe_nm=9)
    assert T.layer_cut(layer, key).has_unused
    ref, new = both(layer, w, bits, key, cb, max_states)
    assert_same(ref, new)
    assert len(fast_calls) == 1


@pytest.mark.parametrize("way", ["pairs", "reads", "cols"])
@pytest.mark.parametrize("cb", [2, 4])
def test_binned_ways_equal_reference(monkeypatch, fast_calls, way, cb):
    """Merged bins summed pair by pair, through the reads' bin indicators or through the columns'
    levels: all exact (with several mean-level bins per active-row bin, 16 levels included)."""
    monkeypatch.setattr(fast, "_way", lambda *a: way)
    rng = np.random.default_rng(11)
    layer, w, bits = random_traces(rng, c=24, k=5, h=7, density=0.3)
    key = T.CutKey(sub=64, ncps=-(-8 // cb), input_bits=8, novel=False, tile_cm=256, pe_cm=128)
    for max_states in (48, 160):
        ref, new = both(layer, w, bits, key, cb, max_states)
        assert_same(ref, new)
    # slices counted several times (empty PE slots): multiplicities 1, 3, 11 within a row group
    key = T.CutKey(sub=32, ncps=-(-8 // cb), input_bits=8, novel=False, tile_cm=128, pe_cm=32)
    ref, new = both(layer, w, bits, key, cb, 40)
    assert len(set(new.block_mult.tolist())) > 1
    assert_same(ref, new)
    assert fast_calls == ["binned_sums"] * 3


def test_large_slices_float64():
    """432-row slices: the u^2 sums leave float32's exact range; both reductions stay exact."""
    rng = np.random.default_rng(3)
    layer, w, bits = random_traces(rng, c=48, k=3, h=4)
    for cb, ms in [(1, 0), (1, 64), (2, 64)]:
        ref, new = both(layer, w, bits, T.CutKey(sub=512, ncps=-(-8 // cb), **CONV, tile_cm=1024, pe_cm=512), cb, ms)
        assert_same(ref, new)


def test_other_keys_take_the_reference():
    """SRAM (active-row counts), position bins and unbounded multi-level states use reduce_pairs."""
    rng = np.random.default_rng(4)
    layer, w, bits = random_traces(rng, c=12, k=4)
    cut = T.layer_cut(layer, T.CutKey(sub=32, ncps=4, **CONV, tile_cm=128, pe_cm=64))
    d = weight_digits(w, 8, 2)
    for L, kw in [(1, {}), (4, dict(pos_bins=4)), (4, {})]:
        assert_same(reduce_pairs(d, bits, cut, L, **kw), reduce_layer(d, bits, cut, L, **kw))


def test_conformance_small_layer_equals_reference(conformance_dir):
    """A recorded layer (small network, layer 2) under 1-, 2- and 4-bit keys with the engine's bounds."""
    net = load_network(os.path.join(conformance_dir, "networks", "small.csv"))
    folder = os.path.join(conformance_dir, "traces", "small")
    wp, xp = T.trace_paths(folder, 1)
    layer = net.layers[1]
    w, bits = read_weight(wp, layer, 1), read_input(xp, layer, 8, 1)
    for cb, ms in [(1, 256), (2, 128), (4, 32)]:
        ref, new = both(layer, w, bits, T.CutKey(sub=64, ncps=-(-8 // cb), **CONV, tile_cm=256, pe_cm=128), cb, ms)
        assert_same(ref, new)


def test_weight_digits_table_equals_division():
    """Digits through the value table equal C-style % and / (carry out of the top digit lost)."""
    rng = np.random.default_rng(5)
    w = np.concatenate([rng.uniform(-1, 1, 5000), np.arange(-512, 513) / 512, [1.0, 1.004, 2.0]])[None, :]
    for wb, cb in [(8, 1), (8, 2), (8, 3), (8, 4), (7, 3), (6, 4)]:
        ncps = -(-wb // cb)
        val = np.trunc(2.0 ** wb / 2.0 * (w - 1.0) + 2.0 ** wb + 0.5).astype(np.int64)
        want = np.empty(w.shape + (ncps,), np.int64)
        for z in range(ncps):
            want[..., ncps - 1 - z] = val % 2 ** cb
            val //= 2 ** cb
        np.testing.assert_array_equal(weight_digits(w, wb, cb), want.reshape(1, -1))


def _write(path, text: bytes):
    with (gzip.open(path, "wb") if str(path).endswith(".gz") else open(path, "wb")) as f:
        f.write(text)


@pytest.mark.parametrize("text,byte_level", [
    (b"0,1,1,0\n1,0,0,1\n", True),
    (b"0,1,1,0\n1,0,0,1", True),               # no final newline
    (b"0,1,1,0,\n1,0,0,1,\n", False),           # trailing commas: the CSV reader
    (b"0,1,1,0\r\n1,0,0,1\r\n", False),
    (b"0, 1,1,0\n1,0,0,1\n", False),
])
def test_input_bits_byte_level_reader(tmp_path, text, byte_level):
    from dse.traces import reader
    for name in ("input1.csv", "input1.csv.gz"):
        p = str(tmp_path / name)
        _write(p, text)
        fast_bits = reader._read_bits(p, 3)
        assert (fast_bits is not None) == byte_level
        want = read_csv_matrix(p, max_cols=3).astype(bool)
        np.testing.assert_array_equal(read_input(p, (3, 1, 2, 1, 1, 2, 0, 1), 1), want)   # 2 rows, 3 reads
        if fast_bits is not None:
            np.testing.assert_array_equal(fast_bits, want)


def test_parsed_files_cached_as_binary(tmp_path, monkeypatch, conformance_dir):
    monkeypatch.setenv("DSE_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    net = load_network(os.path.join(conformance_dir, "networks", "tiny.csv"))
    folder = os.path.join(conformance_dir, "traces", "tiny")
    w1, x1, _ = T.load_layer(folder, net, 1, 8, 8)
    files = sorted((tmp_path / "traces" / "parsed").glob("*.npy"))
    assert len(files) == 2
    cache.clear_memory()
    w2, x2, _ = T.load_layer(folder, net, 1, 8, 8)        # from the binary files
    assert w2.dtype == w1.dtype and x2.dtype == x1.dtype
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(x1, x2)
    cache.clear_memory()
    monkeypatch.setenv("DSE_CACHE_DIR", "off")
    w3, _, _ = T.load_layer(folder, net, 1, 8, 8)
    np.testing.assert_array_equal(w1, w3)
    assert sorted((tmp_path / "traces" / "parsed").glob("*")) == files
    cache.clear_memory()
