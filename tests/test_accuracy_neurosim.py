"""accuracy_model: neurosim against the NeuroSim V1.4 wrapper's own layers (tests/data/neurosim_layers.npz,
see tests/data/README.md), the wrapper's arithmetic worked by hand on tiny layers, and the digits CNN."""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dse  # noqa: F401  (x64, XLA flags)
from dse import design
from dse.accuracy import cim, cim_layer, neurosim

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "neurosim_layers.npz")


@pytest.fixture(scope="module")
def ref():
    z = np.load(DATA)
    return z, json.loads(str(z["meta"]))


def _point(s):
    """A dse design point for one wrapper setting (its subArray/parallelRead give the rows read at once)."""
    drift = {}
    if s.get("v", 0):
        if s.get("detect", 0) == 0:
            kind = "random"
        else:
            kind = {1.0: "max", 0.0: "min"}.get(s["target"], "target")
        drift = dict(drift=kind, drift_time=s["t"], drift_nu=s["v"], drift_target=s.get("target", 0.5))
    return dict(accuracy_model="neurosim", memcell="rram", adc_bits=s["adc"], cell_bits=s["cb"], subarray=128,
                parallel_read=min(s["sa"], s["pr"]), on_off=s["R"], weight_bits=s["wb"], input_bits=s["ib"],
                sigma=s.get("vari", 0.0), **drift)


def _run(z, meta, s, seed=0):
    kind, cin, cout, k, stride, pad, hw = meta["layers"][s["layer"]]
    x = z[f"x_{s['layer']}_{s['wb']}_{s['ib']}"] / 2.0 ** (s["ib"] - 1)
    w = z[f"w_{s['layer']}_{s['wb']}_{s['ib']}"] / 2.0 ** (s["wb"] - 1)
    return cim_layer(x, w, _point(s), kind=kind, stride=stride, padding=pad, seed=seed)


def test_yardstick_exact(ref):
    """Without variation and drift, the wrapper's layer output to float32 rounding, over the grid of
    ADC bits x cell bits x rows read at once x on/off x weight/input bits (conv, RGB first layer,
    strided conv, dense). On/off ratios that are powers of two make every conductance sum exact in
    float32, in the wrapper's summation order as in ours."""
    z, meta = ref
    settings = [s for s in meta["exact"] if not s.get("nondyadic")]
    assert len(settings) >= 40 and {s["layer"] for s in settings} == {"conv8", "conv3", "conv8s2", "dense"}
    for i, s in enumerate(meta["exact"]):
        if s.get("nondyadic"):
            continue
        want = z[f"y{i}"]
        got = _run(z, meta, s)
        assert got.shape == want.shape
        err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)
        assert err <= 4 * np.finfo(np.float32).eps, (i, s, err)


def test_yardstick_inexact_sums(ref):
    """Where float32 conductance sums round (on/off 10, 17, 100; digits moved by fixed-direction
    drift), the wrapper's own output depends on its summation order and precision: a sum lying on an
    ADC bin edge lands in either bin. dse's output (exact sums of the wrapper's float32 conductances)
    differs from the wrapper's float32 run by no more than the wrapper's float64 run does: in all,
    and within 2.5 times per setting."""
    z, meta = ref
    cases = [(z[f"y{i}"], z[f"yd{i}"], _run(z, meta, s)) for i, s in enumerate(meta["exact"]) if s.get("nondyadic")]
    cases += [(z[f"mean{i}"], z[f"meand{i}"], _run(z, meta, s)) for i, s in enumerate(meta["stat"])
              if f"meand{i}" in z.files]
    assert len(cases) >= 19
    ours = theirs = 0.0
    for want, wrapper64, got in cases:
        scale = np.abs(want).max()
        a, b = np.abs(got - want).mean() / scale, np.abs(wrapper64 - want).mean() / scale
        assert a <= 2.5 * b + 1e-6, (a, b)
        ours, theirs = ours + a, theirs + b
    assert ours <= theirs, (ours, theirs)


def test_yardstick_variation_and_drift(ref):
    """With variation or random drift, mean and standard deviation over 32 seeds agree with the
    wrapper's (32 torch seeds) within their sampling error, output by output."""
    z, meta = ref
    n = meta["seeds"]
    tested = 0
    for i, s in enumerate(meta["stat"]):
        if f"meand{i}" in z.files:          # deterministic: test_yardstick_inexact_sums
            continue
        ys = np.stack([_run(z, meta, s, seed) for seed in range(n)]).astype(np.float64)
        m, sd = ys.mean(0), ys.std(0, ddof=1)
        mr, sr = z[f"mean{i}"].astype(np.float64), z[f"std{i}"].astype(np.float64)
        scale = np.abs(mr).max()
        zs = (m - mr) / (np.sqrt((sd ** 2 + sr ** 2) / n) + 1e-6 * scale)
        assert np.mean(np.abs(zs) > 4.0) <= 0.002, (i, s)
        assert np.sqrt(np.mean(zs ** 2)) <= 1.3, (i, s)          # ~1 for independent outputs
        # a standard deviation over 32 draws has a relative sampling error of ~13 % per output
        assert abs(np.mean(np.log(sd / sr))) <= 0.06, (i, s)
        tested += 1
    assert tested == 8


def _dp(point):
    p = design.normalize(point)
    return cim.static_of(p), {k: jnp.asarray(v, jnp.int32 if k == "seed" else jnp.float32)
                              for k, v in cim.point_params(p).items()}


def test_wrapper_arithmetic_by_hand():
    # weight codes: 8 bits, w = k/128 -> round(127.5 (w + 1)) = round(127.5 + 0.996 k): w = 0 -> 127.5 -> 128
    # (half to even) and w = 1/128 -> 128.496 -> 128 too: the wrapper's codes are half a code off the WAGE grid
    w = jnp.asarray([-127, -1, 0, 1, 127], jnp.float32) / 128
    assert np.asarray(neurosim.weight_codes(w, 8)).tolist() == [1.0, 127.0, 128.0, 128.0, 254.0]
    # input bits peeled off the wrapper's way; a negative code keeps its sign in every bit
    q = jnp.asarray([5.0, -5.0, 253.0])
    assert [np.asarray(neurosim.input_bit(q, z)).tolist() for z in range(3)] == [[1, -1, 1], [0, 0, 0], [1, -1, 1]]
    # ADC: 2 bits over [2, 10]: bins of 2 from 2, floor, top bin closed; a constant tensor passes
    x = jnp.asarray([2.0, 3.9, 4.0, 7.0, 9.99, 10.0])
    assert np.asarray(neurosim.adc(x, 0.25, 3.0, (0,))).tolist() == [2.0, 2.0, 4.0, 6.0, 8.0, 8.0]
    assert np.asarray(neurosim.adc(jnp.full(3, 5.0), 0.25, 3.0, (0,))).tolist() == [5.0, 5.0, 5.0]


def test_one_cell_layer_by_hand():
    # dense 1 -> 1, weight 0.5 (8 bits: code round(127.5 * 1.5) = 191 = 0b10111111), cell_bits 4: digits
    # 15 and 11; on/off 4: G = 0.75 d + 15/4, dummy 15 * 1.25 / 2 = 9.375. Input 1.0 (4 bits: code 15,
    # four 1-bits). One input, one output: every ADC tensor is one value (delta 0) and passes unchanged.
    # Each bit: sum_k (G_k - dummy) 16^k 2 / 0.75 = sum_k (2 d_k - 15) 16^k = (15 + 7 * 16) = 127
    # -> sum over bits (1 + 2 + 4 + 8) * 127 / 16 = 119.0625, / 256 = 0.4650...
    one, half = jnp.ones((1, 1), jnp.float32), jnp.full((1, 1), 0.5, jnp.float32)
    st, dp = _dp(dict(memcell="rram", cell_bits=4, on_off=4.0, adc_bits=3, weight_bits=8, input_bits=4,
                      subarray=128))
    y = neurosim.layer(one, half, st, dp, jax.random.PRNGKey(0))
    assert float(y[0, 0]) == pytest.approx(15 * 127 / 16 / 256, rel=1e-7)
    # cell_bits 3 on 8-bit weights: two digits (6 bits), the top two bits of 191 are dropped:
    # 191 = 0b10_111_111 -> digits 7, 7 -> sum_k (2 d_k - 7) 8^k = 7 + 56 = 63
    st, dp = _dp(dict(memcell="rram", cell_bits=3, on_off=4.0, adc_bits=3, weight_bits=8, input_bits=4,
                      subarray=128))
    y = neurosim.layer(one, half, st, dp, jax.random.PRNGKey(0))
    assert float(y[0, 0]) == pytest.approx(15 * 63 / 16 / 256, rel=1e-7)


def test_leftover_rows_dropped_and_rgb_layer_analog():
    # dense 10 -> 1 read 4 rows at a time: rows 8, 9 are dropped (the wrapper reads whole subarrays)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 128, (3, 10)) / 128
    w = rng.integers(-127, 128, (1, 10)) / 128
    base = dict(accuracy_model="neurosim", memcell="rram", on_off=1024.0, adc_bits=10, cell_bits=1, subarray=128)
    full = cim_layer(x, w, dict(base, parallel_read=4), kind="dense")
    cut = x.copy()
    cut[:, 8:] = 0
    assert np.array_equal(full, cim_layer(cut, w, dict(base, parallel_read=4), kind="dense"))
    assert not np.array_equal(full, cim_layer(x, w, dict(base, parallel_read=16), kind="dense"))
    # a 3-channel convolution whose channels fit one subarray takes analog inputs, no ADC: a 1-bit
    # ADC changes nothing there, but does once the channels are read 2 at a time (bit-serial, ADC)
    x = rng.integers(0, 128, (2, 3, 4, 4)) / 128
    w = rng.integers(-127, 128, (2, 3, 3, 3)) / 128
    a = cim_layer(x, w, dict(base, adc_bits=1), padding=1)
    b = cim_layer(x, w, dict(base, adc_bits=10), padding=1)
    assert np.array_equal(a, b)
    c = cim_layer(x, w, dict(base, adc_bits=1, parallel_read=2), padding=1)
    assert not np.allclose(c, b)


def test_digits_cnn_both_models_ideal_adc():
    """The shipped digits CNN at 8-bit weights and activations with an ideal ADC (10 bits, on/off 10^6):
    at least 95 % on the 359 test images in both models (the plain quantized network: 96.4 %)."""
    from dse.accuracy.evaluate import Evaluator

    ev = Evaluator(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "digits_cnn"),
                   samples=None)
    base = dict(memcell="rram", adc_bits=10, on_off=1e6, subarray=128, cell_bits=1, weight_bits=8, input_bits=8)
    acc = ev.accuracy([dict(base, accuracy_model="neurosim"), dict(base, accuracy_model="physical")])
    assert len(ev.y) == 359
    assert acc[0] >= 0.95 and acc[1] >= 0.95, acc


def _loop_layer(x, w, st, dp, key, kernel, stride, pad):
    """The layer as first written (before the speed-up of issue 17): one kernel position, bit plane
    and digit at a time, column sums added in float64, ADC quotients in float64."""
    def div64(a, b):
        return (a.astype(jnp.float64) / jnp.asarray(b).astype(jnp.float64)).astype(jnp.float32)

    def adc64(v, axes):
        lo = jnp.min(v, axis=axes, keepdims=True)
        delta = jnp.max(v, axis=axes, keepdims=True) - lo
        step = delta * dp["adc_step"]
        idx = jnp.clip(jnp.floor(div64(v - lo, jnp.where(delta > 0, step, 1.0))), 0.0, dp["adc_top"])
        return jnp.where(delta > 0, idx * step + lo, v)

    dense = x.ndim == 2
    if dense:
        x, w = x[:, None, None, :], w[None, None]
    n, h, wd, c = x.shape
    o = w.shape[-1]
    ho, wo = (h + 2 * pad - kernel) // stride + 1, (wd + 2 * pad - kernel) // stride + 1
    xpad = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    nblk, rows = neurosim._blocks(c, st.subarray)
    partial = not (kernel == 1 and nblk * rows == c and nblk == 1)
    codes_all = neurosim.weight_codes(w[:, :, :nblk * rows, :], st.weight_bits).reshape(kernel * kernel, nblk, rows, o)
    L, scale = float(2 ** st.cell_bits), neurosim._digit_scales(st)
    out = jnp.zeros((n * ho * wo, o), jnp.float32)
    for p in range(kernel * kernel):
        i, j = p // kernel, p % kernel
        win = xpad[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :nblk * rows]
        q = neurosim.input_codes(win.reshape(n * ho * wo, nblk, rows), st.input_bits)
        acc = jnp.zeros((n * ho * wo, o), jnp.float32)
        for z in range(st.input_bits):
            xb = neurosim.input_bit(q, z)                                        # (M, S, rows)
            kz = jax.random.fold_in(jax.random.fold_in(key, p), z)
            qd = jnp.transpose(adc64(dp["dummy"] * jnp.sum(xb, axis=-1), (0,)))[..., None]
            out_p, out_d, codes = 0.0, 0.0, codes_all[p]
            for k in range(st.weight_bits // st.cell_bits):
                kk = jax.random.fold_in(kz, k)
                d = neurosim.retention(jnp.fmod(codes, L), dp, jax.random.fold_in(kk, 1), partial, st.rand_drift)
                codes = jnp.round((codes - d) / L)
                g = neurosim._conductance(d, dp, jax.random.fold_in(kk, 0), st.noisy)
                if st.noisy:
                    col = jnp.einsum("msr,sro->smo", xb, g, precision=neurosim.HIGHEST)
                elif st.g_exact:
                    s1 = jnp.einsum("msr,sro->smo", xb, d, precision=neurosim.HIGHEST)
                    col = dp["gain"] * s1 + dp["g_off"] * jnp.transpose(jnp.sum(xb, axis=-1))[..., None]
                else:
                    quantum = 2.0 ** (st.cell_bits - 12)
                    hi = jnp.round(g / quantum) * quantum
                    s_hi = jnp.einsum("msr,sro->smo", xb, hi, precision=neurosim.HIGHEST)
                    s_lo = jnp.einsum("msr,sro->smo", xb, g - hi, precision=neurosim.HIGHEST)
                    col = (s_hi.astype(jnp.float64) + s_lo.astype(jnp.float64)).astype(jnp.float32)
                out_p = out_p + div64(adc64(col, (1, 2)) * scale[k] * 2.0, dp["gain"])
                out_d = out_d + div64(qd * scale[k] * 2.0, dp["gain"])
            diff = out_p - out_d
            y = diff[0]
            for s in range(1, diff.shape[0]):
                y = y + diff[s]
            acc = acc + y * 2.0 ** z
        out = out + acc / float(2 ** st.input_bits)
    y = out / float(2 ** st.weight_bits)
    return y.reshape(n, o) if dense else y.reshape(n, ho, wo, o)


@pytest.mark.parametrize("layer", ["conv8", "conv8s2", "dense"])
def test_layer_bit_equal_to_straightforward_loops(ref, layer):
    """The layer (digits cut once per position, planes laid out per subarray, one contraction for
    the coarse and fine sums, float32 quotients) gives bit for bit the outputs of the straightforward
    loops over positions, bit planes and digits with float64 sums and quotients, in every column-sum
    path: exact conductances, inexact ones, fixed and random retention drift (variation: to float32
    rounding, the reference running eagerly; compiled, the two agreed bit for bit on the digits CNN)."""
    z, meta = ref
    kind, cin, cout, k, stride, pad, hw = meta["layers"][layer]
    x = jnp.asarray(z[f"x_{layer}_4_6"] / 32.0, jnp.float32)           # 4-bit weights, 6-bit inputs
    w = jnp.asarray(z[f"w_{layer}_4_6"] / 8.0, jnp.float32)
    if kind == "conv":
        x, w = jnp.transpose(x, (0, 2, 3, 1)), jnp.transpose(w, (2, 3, 1, 0))
    else:
        w = jnp.transpose(w)
    base = dict(accuracy_model="neurosim", memcell="rram", subarray=128, adc_bits=4, weight_bits=4, input_bits=6)
    drift = dict(drift_time=100.0, drift_nu=0.1)
    points = [dict(base, cell_bits=2, parallel_read=4, on_off=16.0),
              dict(base, cell_bits=1, parallel_read=8, on_off=17.0, adc_bits=3),
              dict(base, cell_bits=3, parallel_read=128, on_off=100.0, adc_bits=6),
              dict(base, cell_bits=2, parallel_read=8, on_off=10.0, sigma=0.1, seed=3),
              dict(base, cell_bits=2, parallel_read=4, on_off=10.0, drift="target", drift_target=0.3, **drift),
              dict(base, cell_bits=2, parallel_read=8, on_off=10.0, drift="random", seed=2, **drift)]
    seen = set()
    for pt in points:
        st, dp = _dp(pt)
        seen.add((st.g_exact, st.noisy, st.drift, st.rand_drift))
        key = jax.random.PRNGKey(5)
        fast = jax.jit(lambda x, w, dp: neurosim.layer(x, w, st, dp, key, kernel=k, stride=stride, pad=pad))(x, w, dp)
        slow = _loop_layer(x, w, st, dp, key, k, stride, pad)                  # eager: nothing to compile
        if st.noisy:      # float32 sums of random conductances: eager and compiled dots may round apart
            assert np.allclose(np.asarray(fast), np.asarray(slow), rtol=1e-5, atol=1e-6), pt
        else:
            assert np.array_equal(np.asarray(fast), np.asarray(slow)), pt
        assert np.abs(np.asarray(fast)).max() > 0
    assert len(seen) == 5


def test_div_is_the_ieee_float32_quotient():
    """neurosim.div under jit, with a broadcast divisor (which XLA would turn into a multiplication by
    the reciprocal): the correctly rounded float32 quotient, as numpy computes it."""
    rng = np.random.default_rng(0)
    a = rng.uniform(-100, 100, (64, 257)).astype(np.float32)
    b = rng.uniform(0.1, 3.0, (64, 1)).astype(np.float32)
    want = a / b
    got = np.asarray(jax.jit(neurosim.div)(jnp.asarray(a), jnp.asarray(b)))
    assert np.array_equal(got, want)
    assert not np.array_equal(a * (np.float32(1) / b), want)       # a reciprocal would differ somewhere
