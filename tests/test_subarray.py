"""Subarray layout (Initialize + CalculateArea of the reference) against the reference.

Pinned figures come from an instrumented build of NeuroSim V1.4 (numbers only): the
subarray's height, width, total (bounding-box) area and the split the reference reports
(area_adc, area_accum, area_other, area_array) plus its used area, for SRAM, RRAM and
FeFET cells, parallel (incl. partial parallel read) and sequential read, flash (current
and voltage sensing) and SAR ADCs, 64/128/256 subarrays, 1 to 4 bits per cell, over the
nodes 130 to 1 nm.
"""
import jax
import numpy as np
import pytest

from dse import status as S
from dse.array import subarray
from dse.design import encode
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology

RTOL = 1e-9
FIELDS = ("height", "width", "area", "area_adc", "area_accum", "area_other", "area_array", "used_area")

#: (design point, reference (height, width, area, areaADC, areaAccum, areaOther, areaArray, usedArea))
CASES = [
    ({'technode': 32, 'memcell': 'sram', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 6, 'cell_bits': 4, 'col_mux': 1, 'r_on': 1000000.0, 'on_off': 17.0, 'roadmap': 'hp', 'weight_bits': 4, 'input_bits': 4},
     (0.0003873056, 7.266560000000001e-05, 2.8143793807360002e-08, 1.35528185856e-08, 7.328287948800002e-09, 4.6792704e-10, 1.17440512e-09, 2.25234386944e-08)),
    ({'technode': 90, 'memcell': 'sram', 'mode': 'parallel', 'subarray': 256, 'parallel_read': 256, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 8, 'cell_bits': 2, 'col_mux': 16, 'r_on': 100000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 4},
     (0.0005298242462686568, 0.0006861600000000001, 3.6354420481970156e-07, 1.3545794063283585e-07, 2.6818283520000008e-08, 4.063208832000001e-08, 1.4863564800000003e-07, 3.5154396047283587e-07)),
    ({'technode': 2, 'memcell': 'sram', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 8, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 4, 'cell_bits': 2, 'col_mux': 4, 'r_on': 240000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (2.8420218750000002e-05, 3.749571428571429e-05, 1.0656364021875002e-09, 3.4670592000000006e-10, 1.7154720000000003e-10, 7.946712e-11, 3.303014400000001e-10, 9.280216800000002e-10)),
    ({'technode': 65, 'memcell': 'sram', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 64, 'adc': 'sar', 'sense': 'current', 'adc_bits': 3, 'cell_bits': 3, 'col_mux': 16, 'r_on': 1000000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (0.0001161671875, 0.00019206199999999998, 2.2311302365625e-08, 3.6640822399999993e-09, 9.9362536e-10, 7.3223779199999995e-09, 4.845568e-09, 1.6825653519999998e-08)),
    ({'technode': 45, 'memcell': 'sram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 8, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 5, 'cell_bits': 3, 'col_mux': 16, 'r_on': 1000000.0, 'on_off': 17.0, 'roadmap': 'hp', 'weight_bits': 4, 'input_bits': 1},
     (0.00014853375000000002, 8.676900000000001e-05, 1.2888124953750004e-08, 4.702924800000001e-10, 8.880217920000002e-09, 4.813344000000001e-10, 2.3224320000000004e-09, 1.2154276800000001e-08)),
    ({'technode': 14, 'memcell': 'sram', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 8, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 8, 'cell_bits': 1, 'col_mux': 16, 'r_on': 40000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.00010794112396027274, 5.913108600000001e-05, 6.382675883831549e-09, 1.7760072604538885e-10, 4.636272468817921e-09, 1.7016588789760005e-10, 1.0484134707200002e-09, 6.032452553480909e-09)),
    ({'technode': 3, 'memcell': 'sram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 32, 'adc': 'sar', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 2, 'col_mux': 4, 'r_on': 100000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (2.7412884182328076e-05, 1.4305920000000003e-05, 3.9216652808165096e-10, 1.8602917302857146e-11, 2.5951629312000007e-10, 1.2573757440000004e-11, 7.549009920000002e-11, 3.661830670628572e-10)),
    ({'technode': 130, 'memcell': 'sram', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 32, 'adc': 'sar', 'sense': 'current', 'adc_bits': 6, 'cell_bits': 1, 'col_mux': 4, 'r_on': 240000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (0.000526552, 0.00048583599999999996, 2.55817917472e-07, 7.84982016e-09, 1.5486435328000001e-07, 8.4018688e-09, 7.7529088e-08, 2.4864513023999997e-07)),
    ({'technode': 22, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 64, 'parallel_read': 8, 'adc': 'mlsa', 'sense': 'voltage', 'adc_bits': 3, 'cell_bits': 2, 'col_mux': 2, 'r_on': 6000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 4, 'input_bits': 8},
     (0.00017152922749762124, 0.00027117375999999993, 4.651422557042533e-08, 4.4934328320000006e-10, 1.5983987712000003e-09, 2.187349845719808e-09, 9.515827200000002e-11, 4.330250172119808e-09)),
    ({'technode': 22, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 1, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 6, 'cell_bits': 1, 'col_mux': 8, 'r_on': 40000.0, 'on_off': 10.0, 'roadmap': 'hp', 'weight_bits': 8, 'input_bits': 4},
     (0.00015652547818181817, 0.00027753616, 4.34414801567456e-08, 1.6512297984e-09, 1.6902488064000005e-09, 4.35698689536e-09, 3.806330880000001e-10, 8.07909858816e-09)),
    ({'technode': 45, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 32, 'adc': 'sar', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 3, 'col_mux': 2, 'r_on': 240000.0, 'on_off': 17.0, 'roadmap': 'hp', 'weight_bits': 8, 'input_bits': 8},
     (0.0007502320990222639, 0.0005837616000000001, 4.379566904965953e-07, 2.8240773120000006e-08, 1.5885434880000005e-08, 1.7994652348418885e-08, 1.5925248000000005e-09, 6.371338514841889e-08)),
    ({'technode': 32, 'memcell': 'rram', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 64, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 3, 'cell_bits': 3, 'col_mux': 8, 'r_on': 240000.0, 'on_off': 150.0, 'roadmap': 'hp', 'weight_bits': 4, 'input_bits': 8},
     (0.00017815962666666664, 0.00041511936, 7.39575101997056e-08, 2.9356457984000005e-09, 1.5747121152000003e-09, 9.454174863360001e-09, 8.053063680000002e-10, 1.4769839144960002e-08)),
    ({'technode': 130, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 3, 'cell_bits': 3, 'col_mux': 1, 'r_on': 100000.0, 'on_off': 10.0, 'roadmap': 'hp', 'weight_bits': 4, 'input_bits': 4},
     (0.002712777230769231, 0.002011048, 5.455525224384e-06, 2.7037194239999998e-08, 2.0732974079999996e-07, 9.675907071999999e-08, 3.3226751999999997e-09, 3.3444868095999994e-07)),
    ({'technode': 130, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 3, 'cell_bits': 4, 'col_mux': 8, 'r_on': 1000000.0, 'on_off': 17.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0007802636153846156, 0.0019488039999999997, 1.520580854716e-06, 8.176607999999998e-09, 3.137656704e-08, 9.683856831999999e-08, 3.3226751999999997e-09, 1.3971441855999996e-07)),
    ({'technode': 65, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 32, 'adc': 'sar', 'sense': 'current', 'adc_bits': 5, 'cell_bits': 1, 'col_mux': 4, 'r_on': 240000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 4, 'input_bits': 1},
     (0.00043005191666666665, 0.0009121579999999999, 3.922752962028333e-07, 6.8761638399999985e-09, 5.88622944e-09, 2.2247944159999998e-08, 8.306687999999999e-10, 3.5841006239999995e-08)),
    ({'technode': 65, 'memcell': 'rram', 'mode': 'sequential', 'subarray': 256, 'parallel_read': 128, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 4, 'cell_bits': 2, 'col_mux': 16, 'r_on': 1000000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 4, 'input_bits': 8},
     (0.0003703245, 0.001063881, 3.939811993845e-07, 9.494284799999997e-09, 1.5299880959999997e-08, 9.353303648e-08, 1.3290700799999999e-08, 1.3161790304e-07)),
    ({'technode': 7, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 256, 'parallel_read': 8, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 3, 'cell_bits': 2, 'col_mux': 16, 'r_on': 1000000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 4},
     (0.00010828877244613122, 0.0004887611279795999, 5.292734256829731e-08, 1.20130833316032e-10, 2.60449548830688e-10, 5.173557883948114e-09, 1.5414067200000002e-10, 5.708278938094834e-09)),
    ({'technode': 7, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 64, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 4, 'cell_bits': 4, 'col_mux': 2, 'r_on': 100000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.00022440147118288567, 0.0004802891119795999, 1.0777758332134394e-07, 5.7543646467456e-10, 9.270158043363839e-10, 2.5545981904823293e-09, 3.8535168000000006e-11, 4.095585627493273e-09)),
    ({'technode': 5, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 32, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 2, 'cell_bits': 1, 'col_mux': 1, 'r_on': 100000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 4, 'input_bits': 1},
     (0.00039201879999999995, 0.0007748628, 3.0376078502063997e-07, 1.5510528e-09, 4.558464000000001e-10, 2.948132352e-09, 1.9660800000000003e-11, 4.9746923520000005e-09)),
    ({'technode': 1, 'memcell': 'fefet', 'mode': 'parallel', 'subarray': 128, 'parallel_read': 1, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 4, 'cell_bits': 3, 'col_mux': 8, 'r_on': 40000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 4, 'input_bits': 8},
     (0.0008859836666666667, 0.004550655999999999, 4.031806888618666e-06, 1.0485760000000001e-10, 8.884224000000003e-11, 3.49928192e-09, 7.864320000000002e-13, 3.693768192e-09)),
    ({'technode': 10, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 256, 'parallel_read': 256, 'adc': 'mlsa', 'sense': 'current', 'adc_bits': 2, 'cell_bits': 3, 'col_mux': 4, 'r_on': 6000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (0.00016434079999999996, 0.0004130176, 6.787564279807998e-08, 9.377955840000001e-10, 1.7294745599999999e-09, 5.991402496e-09, 3.1457280000000005e-10, 8.973245440000002e-09)),
    ({'technode': 10, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 16, 'adc': 'mlsa', 'sense': 'voltage', 'adc_bits': 2, 'cell_bits': 2, 'col_mux': 2, 'r_on': 100000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 8},
     (0.0002498265, 0.0003913376, 9.77665029264e-08, 8.5485312e-11, 1.3026816e-09, 1.493003264e-09, 1.9660800000000003e-11, 2.900830976e-09)),
    ({'technode': 1, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 128, 'parallel_read': 128, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 3, 'cell_bits': 1, 'col_mux': 4, 'r_on': 1000000.0, 'on_off': 150.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 1},
     (0.0009120153333333334, 0.00457072, 4.168566724373334e-06, 9.789440000000002e-11, 1.3596672000000002e-10, 3.5074222079999997e-09, 7.864320000000002e-13, 3.7420697599999994e-09)),
    ({'technode': 2, 'memcell': 'fefet', 'mode': 'sequential', 'subarray': 64, 'parallel_read': 64, 'adc': 'sar', 'sense': 'voltage', 'adc_bits': 8, 'cell_bits': 1, 'col_mux': 1, 'r_on': 1000000.0, 'on_off': 10.0, 'roadmap': 'lstp', 'weight_bits': 8, 'input_bits': 4},
     (0.0012730797500000001, 0.003644440499999999, 4.639663400629874e-06, 3.1387392000000006e-10, 7.080330240000001e-10, 2.7979242239999997e-09, 7.864320000000002e-13, 3.8206176000000005e-09)),
]

#: 1T1R access transistors wider than the 12 F cell: the reference stops (5 nm FeFET, R_on = 6 kohm);
#: at 7 nm the same cell still fits.
TOO_WIDE = {'technode': 5, 'memcell': 'fefet', 'mode': 'parallel', 'r_on': 6000.0}
FITS = {'technode': 7, 'memcell': 'fefet', 'mode': 'parallel', 'r_on': 6000.0}


def _eval(points):
    prm = make_params(encode(points))
    return subarray(technology(prm), prm, memcell(prm))


@pytest.fixture(scope="module")
def batch():
    return _eval([c[0] for c in CASES] + [TOO_WIDE, FITS])


@pytest.mark.parametrize("j", range(len(CASES)),
                         ids=[f"{c[0]['technode']}nm-{c[0]['memcell']}-{c[0]['mode']}-{c[0]['adc']}-{c[0]['subarray']}"
                              for c in CASES])
def test_pinned_layout(batch, j):
    for name, want in zip(FIELDS, CASES[j][1]):
        np.testing.assert_allclose(np.asarray(getattr(batch, name))[j], want, rtol=RTOL, err_msg=name)
    assert int(batch.status[j]) == 0


def test_split_identities(batch):
    n = len(CASES)
    used = batch.area_array + batch.area_adc + batch.area_accum + batch.area_other
    np.testing.assert_allclose(np.asarray(used)[:n], np.asarray(batch.used_area)[:n], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(batch.height * batch.width)[:n], np.asarray(batch.area)[:n], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(batch.area - batch.used_area)[:n], np.asarray(batch.empty_area)[:n],
                               rtol=1e-12)


def test_access_transistor_too_wide(batch):
    n = len(CASES)
    assert int(batch.status[n]) & S.ACCESS_TOO_WIDE
    assert int(batch.status[n + 1]) == 0
    assert float(batch.width_access_in_feature_size[n]) > 12 >= float(batch.width_access_in_feature_size[n + 1])


def test_absent_circuits_have_no_area(batch):
    mem = [c[0]["memcell"] for c in CASES]
    mode = [c[0]["mode"] for c in CASES]
    for j, (m, md) in enumerate(zip(mem, mode)):
        sram = m == "sram"
        assert (float(batch.precharger.area[j]) > 0) == sram
        assert (float(batch.sl_switch_matrix.area[j]) > 0) == (not sram)
        assert (float(batch.wl_decoder.area[j]) > 0) == (md == "sequential")
        assert (float(batch.sense_amp.area[j]) > 0) == (sram and md == "sequential")


def test_sram_parallel_without_mux_has_nan_ladder():
    """As in the reference, the SRAM flash-ADC ladder is undefined (NaN) without a column mux."""
    s = _eval([{'technode': 22, 'memcell': 'sram', 'mode': 'parallel', 'col_mux': 1, 'adc': 'mlsa'}])
    assert np.isnan(float(s.adc[0].sense_amp.r_ref_1[0]))
    assert np.isfinite(float(s.area[0]))


def test_batch_equals_singles(batch):
    for j in (0, 12):
        single = _eval([CASES[j][0]])
        for a, b in zip(jax.tree.leaves(batch), jax.tree.leaves(single)):
            a, b = np.asarray(a), np.asarray(b).reshape(-1)
            if a.ndim and b.size == 1:
                assert np.array_equal(a[j], b[0], equal_nan=True)
