import pytest

from dse.network import NetworkFileError, load_network, parse_network


def test_shipped_networks_load():
    vgg = load_network("vgg8")
    assert len(vgg) == 8 and vgg.layers[0].as_tuple() == (32, 32, 3, 3, 3, 128, 0, 1)
    assert len(load_network("resnet18")) > 8
    assert len(load_network("densenet40")) > 8


def test_vgg8_operation_count():
    # 2 * sum(H*W*Cin*kh*kw*Cout) over VGG8's layers
    vgg = load_network("vgg8")
    assert vgg.num_computation == 2 * sum(l.in_h * l.in_w * l.in_c * l.k_h * l.k_w * l.out_c for l in vgg.layers)


@pytest.mark.parametrize("text, msg", [
    ("32,32,3,3,3,128,0\n", "line 1: expected 8"),
    ("32,32,3,3,3,128,0,1\n16,16,x,3,3,64,1,1\n", "line 2: column 'in_c' must be a number"),
    ("32,32,3,3,3,128,2,1\n", "column 'pool' must be 0 or 1"),
    ("32,32,3,3,3,0,0,1\n", "column 'out_c' must be >= 1"),
    ("2,2,3,3,3,8,0,1\n", "kernel 3x3 is larger than the input 2x2"),
    ("\n\n", "no layers"),
])
def test_malformed_files_name_file_line_and_problem(text, msg):
    with pytest.raises(NetworkFileError) as e:
        parse_network(text, name="net.csv")
    assert "net.csv" in str(e.value) and msg in str(e.value)


def test_missing_file_lists_shipped_networks(tmp_path):
    with pytest.raises(NetworkFileError, match="vgg8"):
        load_network(str(tmp_path / "nope.csv"))
