import numpy as np
import pytest

from dse import design
from dse.design import DesignError, encode, normalize
from dse.tech.params import make_params


def test_defaults_fill_and_parallel_read_defaults_to_subarray():
    p = normalize({"subarray": 64})
    assert p["parallel_read"] == 64
    assert p["technode"] == 22 and p["memcell"] == "sram"


@pytest.mark.parametrize("point, key", [
    ({"technode": 4}, "technode"),
    ({"adc_bits": 0}, "adc_bits"),
    ({"memcell": "mram"}, "memcell"),
    ({"subarray": 100}, "subarray"),
    ({"r_on": "6k"}, "r_on"),
    ({"pipeline": "maybe"}, "pipeline"),
])
def test_bad_values_name_the_key_and_what_is_allowed(point, key):
    with pytest.raises(DesignError) as e:
        normalize(point)
    assert f"'{key}'" in str(e.value) and "expected" in str(e.value)


def test_unknown_key_suggests_the_closest():
    with pytest.raises(DesignError, match="did you mean 'adc_bits'"):
        normalize({"adc_bit": 5})


def test_parallel_read_cannot_exceed_subarray():
    with pytest.raises(DesignError, match="parallel_read"):
        normalize({"subarray": 64, "parallel_read": 128})


def test_encode_codes_and_derived_params():
    d = encode([{"technode": 22, "memcell": "sram", "cell_bits": 4},
                {"technode": 7, "memcell": "rram", "cell_bits": 2, "mode": "sequential", "col_mux": 4}])
    assert list(d.technode) == [design.NODES.index(22), design.NODES.index(7)]
    prm = make_params(d)
    # SRAM is forced to 1-bit cells; 8-bit weights need 8 columns, RRAM 2-bit cells need 4
    np.testing.assert_array_equal(prm.cell_bit, [1, 2])
    np.testing.assert_array_equal(prm.num_col_per_synapse, [8, 4])
    np.testing.assert_array_equal(prm.num_col_muxed, [8, 4])
    np.testing.assert_array_equal(prm.level_output, [32, 32])


def test_sram_sequential_muxes_one_synapse():
    prm = make_params(encode([{"mode": "sequential", "col_mux": 16}]))
    assert float(prm.num_col_muxed[0]) == 8.0


def test_wire_resistance_with_size_effect():
    # 22 nm: 40 nm wire, AR 1.9, rho 2.97e-8 ohm m, barrier 2.5 nm. The reference mixes
    # units in the barrier correction (width in nm, barrier in m), which makes it ~1e-10:
    # we reproduce that (see docs/deviations.md).
    prm = make_params(encode([{"technode": 22}]))
    w, ar, b = 40e-9, 1.9, 2.5e-9
    rho = 2.97e-8 / (1 - (2 * ar * 40 + 40) * b / (ar * 40 * 40))
    np.testing.assert_allclose(prm.unit_length_wire_resistance[0], rho / (w * w * ar), rtol=1e-12)
    # one SRAM cell is 10 F tall along a row wire
    np.testing.assert_allclose(prm.wire_resistance_row[0], rho / (w * w * ar) * 10 * w, rtol=1e-12)


def test_knobs_are_the_one_schema():
    import dataclasses

    from dse.accuracy import cim

    fields = [f.name for f in dataclasses.fields(design.DesignArrays) if not f.metadata.get("static")]
    assert fields == list(design.KNOBS)
    # the named codes are the encoding's
    for name, value, code in [("memcell", "sram", design.SRAM), ("memcell", "rram", design.RRAM),
                              ("mode", "parallel", design.PARALLEL), ("roadmap", "hp", design.HP),
                              ("access", "1t1r", design.ACCESS_1T1R), ("access", "crossbar", design.ACCESS_CROSSBAR),
                              ("sense", "current", design.CURRENT), ("mapping", "novel", design.NOVEL),
                              ("activation", "relu", design.RELU)]:
        assert int(getattr(encode([{name: value}]), name)[0]) == code == design.KNOBS[name].code(value)
    assert design.KNOB_UNITS == {"r_on": "ohm", "clk_freq": "Hz", "drift_time": "s"}
    assert cim.DRIFT_CODES == {"none": 0, "max": 1, "min": 2, "target": 3, "random": 4}
    for drift, code in cim.DRIFT_CODES.items():
        assert int(encode([{"drift": drift}]).drift[0]) == code


def test_parse_assignments_reads_units_and_codes():
    assert design.parse_assignments(["r_on=6kOhm", "technode=7", "memcell = rram", "clk_freq=1 GHz"]) == \
        {"r_on": 6000.0, "technode": 7, "memcell": "rram", "clk_freq": 1e9}
    with pytest.raises(ValueError, match="key=value"):
        design.parse_assignments(["r_on"])
    with pytest.raises(ValueError, match="expected ohm"):
        design.parse_assignments(["r_on=6 ns"])
