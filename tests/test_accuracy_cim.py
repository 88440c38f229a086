"""CIM inference (dse.accuracy.cim): each non-ideality against numbers worked out by hand on tiny layers,
and the exact equivalence with the plain quantized network when every non-ideality is off."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dse  # noqa: F401  (x64, XLA flags)
from dse import design, quant
from dse.accuracy import cim
from dse.accuracy.layers import Plain
from dse.accuracy.networks import DigitsCNN


def _dp(**kw):
    p = dict(adc_levels=1023.0, g0=0.0, sigma=0.0, drift=0, drift_log=0.0, drift_target=0.5, seed=0)
    p.update(kw)
    return {k: jnp.asarray(v, jnp.int32 if k in ("drift", "seed") else jnp.float32) for k, v in p.items()}


def _f32(a):
    return jnp.asarray(a, jnp.float32)


def test_wage_quantizers_by_hand():
    # 3 bits: step 1/4, range [-0.75, 0.75]
    x = _f32([-2.0, -0.8, -0.3, 0.1, 0.13, 0.625, 0.9])
    assert np.allclose(quant.quantize(quant.clip(x, 3), 3), [-0.75, -0.75, -0.25, 0.0, 0.25, 0.5, 0.75])
    # error quantization: max |g| = 3 -> divide by 4, 3 bits
    g = _f32([3.0, -1.0, 0.2])
    assert np.allclose(quant.quantize_error(g, 3), [0.75, -0.25, 0.0])
    # layer scale: fan_in 144, 8 bits: limit 127/128, sqrt(3/144) = 0.1443 -> ratio 3.97 -> 4
    assert quant.layer_scale(144, 8) == 4.0 and quant.layer_scale(9, 8) == 1.0 and quant.layer_scale(512, 8) == 8.0


def test_group_index_subarray_and_parallel_read():
    idx = cim.group_index(10, 4, 3)
    assert idx.tolist() == [[0, 1, 2], [3, -1, -1], [4, 5, 6], [7, -1, -1], [8, 9, -1]]


def test_ideal_cim_matmul_is_exact_integer_product():
    rng = np.random.default_rng(0)
    x = _f32(rng.integers(-127, 128, (5, 20)))     # signed inputs: two's-complement planes
    k = _f32(rng.integers(-127, 128, (20, 3)))
    for cb, pr in [(1, 4), (2, 3), (3, 8), (4, 5)]:
        y, _ = cim.cim_matmul(x, k, cim.Static(8, 8, cb, 8, pr), _dp(), jax.random.PRNGKey(0), None)
        assert np.array_equal(np.asarray(y), np.asarray(x @ k))


def test_adc_linear_by_hand():
    # 2-bit ADC (3 steps) over full scale 9 levels: step 3; 4 -> 3, 5 -> 6, 10 -> clipped to 9
    q = cim.adc_quantize(_f32([0.0, 1.4, 1.6, 4.0, 5.0, 10.0]), 9.0, 3.0)
    assert np.allclose(q, [0, 0, 3, 3, 6, 9])
    # enough steps: lossless (step floored at one level)
    assert np.allclose(cim.adc_quantize(_f32([0, 1, 2, 7]), 7.0, 7.0), [0, 1, 2, 7])


def test_adc_nonlinear_by_hand():
    # 2-bit non-linear: outputs fs*(c/3)^2 = 0, 1, 4, 9 for fs = 9; 2 -> sqrt(2/9)*3 = 1.41 -> c=1 -> 1
    q = cim.adc_quantize(_f32([0.0, 2.0, 3.0, 6.0, 8.0]), 9.0, 3.0, nonlinear=True)
    assert np.allclose(q, [0, 1, 4, 4, 9])


def test_partial_sum_adc_on_a_tiny_layer():
    # 1 input plane set (inputs 1 -> bit 0 only), weights k = [+1, +1, +1, +1] (u = 129 = 0b10000001),
    # 4 rows, cell_bits 8: one cell of level 129 per row, parallel read 4, full scale 4*129 = 516.
    # Column sum 4*129 = 516; 1-bit ADC would give 0 or 516; with 2 bits (3 steps of 172): 516 exact.
    # Rows 0..2 active only (x = [1,1,1,0]): column 387 -> round(387/172) = 2 -> 344; offset 128*3 = 384
    # -> result (344 - 384) / (2^7 * 2^7) * 2^14 = -40 instead of the exact 3.
    x = _f32([[1, 1, 1, 0]])
    k = _f32([[1], [1], [1], [1]])
    y, peak = cim.cim_matmul(x, k, cim.Static(8, 8, 8, 4, 4), _dp(adc_levels=3.0), jax.random.PRNGKey(0), 516.0)
    assert float(y[0, 0]) == pytest.approx(-40.0)
    y, peak = cim.cim_matmul(x, k, cim.Static(8, 8, 8, 4, 4), _dp(), jax.random.PRNGKey(0), None)
    assert float(y[0, 0]) == 3.0 and float(peak) == 387.0


def test_on_off_ratio_with_dummy_column_by_hand():
    # one row, cell_bits = 8: the weight k = 0 is stored as u = 128.
    # on/off 2 with 255 level steps: g0 = 255, cell conductance 128 + 255 = 383, dummy 255.
    # The ADC reads 383 - 255 = 128 with 3 steps over fs 510 (the off current widens the range):
    # step 170, round(128/170 = 0.75) = 1 -> 170; minus the offset 128 -> 42 instead of 0.
    x = _f32([[1]])
    k = _f32([[0]])
    st = cim.Static(8, 8, 8, 8, 1)
    y, _ = cim.cim_matmul(x, k, st, _dp(g0=255.0, adc_levels=3.0), jax.random.PRNGKey(0), 510.0)
    assert float(y[0, 0]) == 42.0
    # a high on/off ratio (g0 ~ 0, fs 128 + 0) with the same ADC: step 128/3, round(3) = 3 -> 128 -> 0
    y, _ = cim.cim_matmul(x, k, st, _dp(g0=0.0, adc_levels=3.0), jax.random.PRNGKey(0), 128.0)
    assert float(y[0, 0]) == 0.0
    # ideal ADC: the dummy removes the off current exactly
    y, peak = cim.cim_matmul(x, k, st, _dp(g0=255.0), jax.random.PRNGKey(0), None)
    assert float(y[0, 0]) == 0.0 and float(peak) == 383.0
    # g0 from the knobs: cell_bits 2 (3 level steps), on_off 4 -> 3 / 3 = 1
    p = design.normalize({"memcell": "rram", "cell_bits": 2, "on_off": 4, "accuracy_model": "physical"})
    assert cim.point_params(p)["g0"] == pytest.approx(1.0)


def test_variation_by_hand():
    # cells multiplied by (1 + sigma * eps) with eps from the seeded key; reproduce the draw here
    digits = _f32(np.full((1, 1, 2, 1), 3.0))
    key = jax.random.PRNGKey(7)
    g = cim.program_cells(digits, _dp(sigma=0.1), key, 2)
    eps = np.asarray(jax.random.normal(jax.random.fold_in(key, 0), digits.shape, jnp.float32))
    assert np.allclose(np.asarray(g), 3.0 * (1 + 0.1 * eps), rtol=1e-6)
    assert not np.allclose(np.asarray(g), 3.0)
    # same seed, same chip
    assert np.array_equal(np.asarray(g), np.asarray(cim.program_cells(digits, _dp(sigma=0.1), key, 2)))


def test_retention_drift_by_hand():
    # levels 0..3 (cell_bits 2), g0 = 0.5 -> Gmin 0.5, Gmax 3.5; t = 100 s, v = 0.5 -> factor 10
    d = _f32([[[[0.0], [1.0], [3.0]]]])           # G = 0.5, 1.5, 3.5
    log = 0.5 * np.log(100.0)
    key = jax.random.PRNGKey(0)
    up = cim.program_cells(d, _dp(g0=0.5, drift=1, drift_log=log), key, 2)
    assert np.allclose(np.ravel(up), [3.5, 3.5, 3.5])             # 5 and 15 capped at Gmax
    down = cim.program_cells(d, _dp(g0=0.5, drift=2, drift_log=log), key, 2)
    assert np.allclose(np.ravel(down), [0.5, 0.5, 0.5])           # 0.15 and 0.35 floored at Gmin
    small = cim.program_cells(d, _dp(g0=0.5, drift=2, drift_log=0.5 * np.log(1.44)), key, 2)
    assert np.allclose(np.ravel(small), [0.5, 1.25, 3.5 / 1.2])   # factor 1.2
    # toward the middle (target 0.5 -> G 2.0) with factor 1.2: 0.5 -> 0.6, 1.5 -> 1.8, 3.5 -> 2.9167
    tgt = cim.program_cells(d, _dp(g0=0.5, drift=3, drift_log=0.5 * np.log(1.44), drift_target=0.5), key, 2)
    assert np.allclose(np.ravel(tgt), [0.6, 1.8, 3.5 / 1.2])
    rnd = cim.program_cells(d, _dp(g0=0.5, drift=4, drift_log=0.5 * np.log(1.44)), key, 2)
    sign = np.ravel(np.asarray(jax.random.randint(jax.random.fold_in(key, 1), d.shape, -1, 2)))
    want = np.clip(np.array([0.5, 1.5, 3.5]) * 1.2 ** sign, 0.5, 3.5)
    assert np.allclose(np.ravel(rnd), want)


def test_all_off_equals_plain_quantized_network():
    model = DigitsCNN()
    x = jax.random.uniform(jax.random.PRNGKey(1), (12, 8, 8, 1), jnp.float32)
    v = model.init(jax.random.PRNGKey(0), x[:1])
    plain = np.asarray(model.apply(v, x, backend=Plain()))
    for pt in [{"memcell": "rram", "cell_bits": 2, "subarray": 64, "parallel_read": 16, "adc_bits": 6},
               {"memcell": "sram", "subarray": 128, "parallel_read": 128, "adc_bits": 8},
               {"memcell": "fefet", "cell_bits": 1, "mode": "sequential", "adc_bits": 1}]:
        p = design.normalize(dict(pt, on_off=1e9, accuracy_model="physical"))
        st = cim.static_of(p)
        fn = cim.predict_fn(model, st)
        pred = np.asarray(fn(v, x[:4], x, cim.stack_params([cim.point_params(p)] * 2)))
        assert np.array_equal(pred[0], plain.argmax(-1)) and np.array_equal(pred[1], pred[0]), pt
        # and the logits themselves, un-vectorized
        be = cim.CIMBackend(st, {k: jnp.asarray(val) for k, val in cim.point_params(p).items()})
        assert np.array_equal(np.asarray(model.apply(v, x, backend=be)), plain), pt
