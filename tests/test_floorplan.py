"""Floorplan (manual 5.2-5.4): tile/PE sizes, mapping, duplication, utilisation, speed-up.

Reference figures were produced by running NeuroSim V1.4 (instrumented in a scratch
build outside this repo) and are pinned here as numbers only. When the shared
conformance files are present (../shared/conformance relative to the repo root), every
point of them is checked as well.
"""
from __future__ import annotations

import json
import os

import jax
import numpy as np
import pytest

import dse  # noqa: F401  (float64)
from dse import status as S
from dse.chip.floorplan import _most_common_kernel_area, floorplan
from dse.design import encode
from dse.network import layers_tuple, load_network
from dse.tech.params import make_params

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFORMANCE = os.path.join(os.path.dirname(ROOT), "shared", "conformance")

VGG8 = ((32, 32, 3, 3, 3, 128, 0, 1), (32, 32, 128, 3, 3, 128, 1, 1), (16, 16, 128, 3, 3, 256, 0, 1),
        (16, 16, 256, 3, 3, 256, 1, 1), (8, 8, 256, 3, 3, 512, 0, 1), (8, 8, 512, 3, 3, 512, 1, 1),
        (1, 1, 8192, 1, 1, 1024, 0, 1), (1, 1, 1024, 1, 1, 10, 0, 1))
MLP = ((1, 1, 784, 1, 1, 256, 0, 1), (1, 1, 256, 1, 1, 128, 0, 1), (1, 1, 128, 1, 1, 10, 0, 1))
MIXED = ((32, 32, 3, 7, 7, 64, 1, 2), (16, 16, 64, 3, 3, 64, 0, 1), (16, 16, 64, 1, 1, 128, 0, 1),
         (8, 8, 128, 3, 3, 128, 0, 1), (8, 8, 128, 1, 1, 256, 0, 1), (4, 4, 256, 3, 3, 256, 0, 1),
         (1, 1, 256, 1, 1, 100, 0, 1))
TINY = ((8, 8, 3, 3, 3, 16, 0, 1), (8, 8, 16, 3, 3, 32, 1, 1), (4, 4, 32, 3, 3, 64, 1, 1), (1, 1, 256, 1, 1, 10, 0, 1))
NETS = {"vgg8.csv": VGG8, "mlp.csv": MLP, "mixed.csv": MIXED}


_FP_DESIGN = jax.jit(lambda d, layers: floorplan(make_params(d), layers), static_argnums=1)


def _fp(points, layers):
    """Floorplan of a list of points; the batch is padded to a power of two (>= 8) to share compilations."""
    n = len(points)
    size = max(8, 1 << (n - 1).bit_length())
    fp = _FP_DESIGN(encode(list(points) + [{}] * (size - n)), layers)
    return jax.tree_util.tree_map(lambda x: x[:n], fp)


def _at(fp, i):
    return jax.tree_util.tree_map(lambda x: np.asarray(x)[i], fp)


# Reference dumps (design changes relative to the default point; everything else default).
# desired = [desiredNumTileNM, desiredPESizeNM, desiredNumTileCM, desiredTileSizeCM, desiredPESizeCM,
#            numTileRow, numTileCol]; tiles/speed/loc = per layer [row, col];
# chip = [globalBusWidth, maxLayerInput, maxTileAdded, bufferSize, numBufferCore];
# tile = [numPECM, numSubArrayNM, numSubArrayCM]; pipe = per-layer pipeline speed-up.
PINNED = [
    ('vgg8.csv', {'mapping': 'conventional', 'pipeline': False, 'subarray': 64, 'memcell': 'rram', 'cell_bits': 2, 'weight_bits': 8},
     {'num_pe_nm': 0.0, 'max_pe_size_nm': 0.0, 'max_tile_size_cm': 4096.0, 'desired': [0.0, 0.0, 206.0, 512.0, 256.0, 15.0, 14.0], 'speed_up_degree': 8.0, 'mark_nm': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 'tiles': [[1.0, 1.0], [3.0, 1.0], [3.0, 2.0], [5.0, 2.0], [5.0, 4.0], [9.0, 4.0], [16.0, 8.0], [2.0, 1.0]], 'speed': [[8.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 8.0]], 'util': [0.421875, 0.75, 0.75, 0.9, 0.9, 1.0, 1.0, 0.625], 'loc': [[0.0, 0.0], [41.0, 3.0], [41.0, 9.0], [42.0, 4.0], [43.0, 9.0], [46.0, 0.0], [54.0, 8.0], [54.0, 10.0]], 'memutil': 0.968067354368932, 'chip': [1152.0, 131072.0, 16.0, 1048576.0, 64.0], 'tile': [2.0, 0.0, 16.0]}),
    ('vgg8.csv', {'mapping': 'novel', 'pipeline': False, 'subarray': 256, 'memcell': 'sram'},
     {'num_pe_nm': 9.0, 'max_pe_size_nm': 4096.0, 'max_tile_size_cm': 8192.0, 'desired': [13.0, 1024.0, 18.0, 2048.0, 1024.0, 6.0, 6.0], 'speed_up_degree': 8.0, 'mark_nm': [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0], 'tiles': [[1.0, 1.0], [1.0, 1.0], [1.0, 2.0], [1.0, 2.0], [1.0, 4.0], [1.0, 4.0], [4.0, 4.0], [1.0, 1.0]], 'speed': [[8.0, 2.0], [4.0, 1.0], [4.0, 1.0], [4.0, 1.0], [4.0, 1.0], [2.0, 1.0], [1.0, 1.0], [2.0, 8.0]], 'util': [0.10546875, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 0.3125], 'loc': [[0.0, 0.0], [15.0, 1.0], [15.0, 3.0], [15.0, 5.0], [16.0, 3.0], [17.0, 1.0], [19.0, 5.0], [20.0, 0.0]], 'memutil': 0.9005796370967742, 'chip': [1512.0, 131072.0, 4.0, 1048576.0, 64.0], 'tile': [2.0, 16.0, 16.0]}),
    ('vgg8.csv', {'mapping': 'conventional', 'pipeline': True, 'subarray': 32, 'speedup': 2, 'memcell': 'fefet', 'cell_bits': 3, 'weight_bits': 7, 'col_mux': 4},
     {'num_pe_nm': 0.0, 'max_pe_size_nm': 0.0, 'max_tile_size_cm': 4096.0, 'desired': [0.0, 0.0, 634.0, 256.0, 128.0, 26.0, 25.0], 'speed_up_degree': 2.0, 'mark_nm': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 'tiles': [[1.0, 2.0], [20.0, 2.0], [5.0, 3.0], [9.0, 3.0], [9.0, 6.0], [18.0, 6.0], [32.0, 12.0], [4.0, 1.0]], 'speed': [[8.0, 1.0], [4.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 8.0]], 'util': [0.6328125, 0.675, 0.9, 1.0, 1.0, 1.0, 1.0, 0.9375], 'loc': [[0.0, 0.0], [74.0, 12.0], [75.0, 1.0], [76.0, 2.0], [78.0, 4.0], [82.0, 8.0], [97.0, 2.0], [97.0, 6.0]], 'memutil': 0.9755766955835962, 'chip': [1585.0, 145408.0, 32.0, 1163264.0, 71.0], 'tile': [2.0, 0.0, 16.0], 'pipe': [4.0, 4.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]}),
    ('vgg8.csv', {'mapping': 'novel', 'pipeline': True, 'subarray': 512, 'memcell': 'rram', 'cell_bits': 4, 'weight_bits': 6, 'speedup': 16},
     {'num_pe_nm': 9.0, 'max_pe_size_nm': 1024.0, 'max_tile_size_cm': 2048.0, 'desired': [8.0, 1024.0, 6.0, 2048.0, 1024.0, 4.0, 4.0], 'speed_up_degree': 4.0, 'mark_nm': [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0], 'tiles': [[1.0, 1.0], [4.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [4.0, 1.0], [1.0, 1.0]], 'speed': [[4.0, 4.0], [8.0, 2.0], [2.0, 2.0], [2.0, 2.0], [2.0, 1.0], [2.0, 1.0], [1.0, 1.0], [2.0, 4.0]], 'util': [0.0263671875, 0.125, 0.25, 0.5, 0.5, 1.0, 1.0, 0.0390625], 'loc': [[0.0, 0.0], [10.0, 3.0], [11.0, 0.0], [11.0, 1.0], [11.0, 2.0], [11.0, 3.0], [12.0, 3.0], [13.0, 0.0]], 'memutil': 0.48681640625, 'chip': [1296.0, 145408.0, 4.0, 1163264.0, 71.0], 'tile': [2.0, 4.0, 4.0], 'pipe': [16.0, 16.0, 4.0, 4.0, 1.0, 1.0, 1.0, 1.0]}),
    ('vgg8.csv', {'mapping': 'novel', 'pipeline': True, 'subarray': 16, 'memcell': 'sram', 'weight_bits': 12, 'speedup': 3, 'input_bits': 6},
     {'num_pe_nm': 9.0, 'max_pe_size_nm': 8192.0, 'max_tile_size_cm': 16384.0, 'desired': [2520.0, 64.0, 6152.0, 128.0, 64.0, 94.0, 93.0], 'speed_up_degree': 3.0, 'mark_nm': [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0], 'tiles': [[3.0, 24.0], [18.0, 24.0], [6.0, 48.0], [12.0, 48.0], [4.0, 96.0], [8.0, 96.0], [64.0, 96.0], [8.0, 1.0]], 'speed': [[12.0, 1.0], [9.0, 1.0], [3.0, 1.0], [3.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], 'util': [0.140625, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9375], 'loc': [[0.0, 0.0], [279.0, 6.0], [282.0, 12.0], [288.0, 24.0], [292.0, 32.0], [300.0, 48.0], [365.0, 82.0], [365.0, 90.0]], 'memutil': 0.9928073108856088, 'chip': [1396.6875, 145408.0, 64.0, 872448.0, 54.0], 'tile': [2.0, 16.0, 16.0], 'pipe': [9.0, 9.0, 3.0, 3.0, 1.0, 1.0, 1.0, 1.0]}),
    ('mlp.csv', {'mapping': 'novel', 'pipeline': False, 'subarray': 128},
     {'num_pe_nm': 1.0, 'max_pe_size_nm': 2048.0, 'max_tile_size_cm': 0.0, 'desired': [11.0, 512.0, 0.0, 512.0, 256.0, 4.0, 3.0], 'speed_up_degree': 8.0, 'mark_nm': [1.0, 1.0, 1.0], 'tiles': [[2.0, 4.0], [1.0, 2.0], [1.0, 1.0]], 'speed': [[1.0, 1.0], [2.0, 1.0], [4.0, 4.0]], 'util': [0.765625, 1.0, 0.625], 'loc': [[0.0, 0.0], [2.0, 3.0], [3.0, 0.0]], 'memutil': 0.7954545454545454, 'chip': [1728.0, 784.0, 2.0, 6272.0, 1.0], 'tile': [2.0, 16.0, 4.0]}),
    ('mlp.csv', {'mapping': 'novel', 'pipeline': True, 'subarray': 64, 'speedup': 4},
     {'num_pe_nm': 1.0, 'max_pe_size_nm': 2048.0, 'max_tile_size_cm': 0.0, 'desired': [37.0, 256.0, 0.0, 256.0, 128.0, 7.0, 6.0], 'speed_up_degree': 1.0, 'mark_nm': [1.0, 1.0, 1.0], 'tiles': [[4.0, 8.0], [1.0, 4.0], [1.0, 1.0]], 'speed': [[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]], 'util': [0.765625, 1.0, 0.625], 'loc': [[0.0, 0.0], [2.0, 5.0], [2.0, 6.0]], 'memutil': 0.7871621621621622, 'chip': [1332.0, 584.0, 4.0, 4672.0, 1.0], 'tile': [2.0, 16.0, 4.0], 'pipe': [1.0, 1.0, 1.0]}),
    ('mixed.csv', {'mapping': 'novel', 'pipeline': True, 'subarray': 64, 'speedup': 8},
     {'num_pe_nm': 9.0, 'max_pe_size_nm': 2048.0, 'max_tile_size_cm': 2048.0, 'desired': [24.0, 256.0, 42.0, 512.0, 256.0, 9.0, 8.0], 'speed_up_degree': 8.0, 'mark_nm': [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], 'tiles': [[32.0, 1.0], [4.0, 2.0], [2.0, 2.0], [2.0, 4.0], [1.0, 4.0], [1.0, 8.0], [1.0, 2.0]], 'speed': [[64.0, 1.0], [16.0, 1.0], [16.0, 1.0], [4.0, 1.0], [4.0, 1.0], [1.0, 1.0], [2.0, 1.0]], 'util': [0.57421875, 1.0, 1.0, 1.0, 1.0, 1.0, 0.78125], 'loc': [[0.0, 0.0], [12.0, 2.0], [12.0, 6.0], [13.0, 5.0], [14.0, 0.0], [14.0, 8.0], [15.0, 1.0]], 'memutil': 0.7869318181818182, 'chip': [1404.0, 28288.0, 32.0, 226304.0, 14.0], 'tile': [2.0, 16.0, 16.0], 'pipe': [64.0, 16.0, 16.0, 4.0, 4.0, 1.0, 1.0]}),
    ('mixed.csv', {'mapping': 'conventional', 'pipeline': False, 'subarray': 8, 'memcell': 'rram', 'cell_bits': 1, 'weight_bits': 16},
     {'num_pe_nm': 0.0, 'max_pe_size_nm': 0.0, 'max_tile_size_cm': 4096.0, 'desired': [0.0, 0.0, 3332.0, 64.0, 32.0, 58.0, 58.0], 'speed_up_degree': 8.0, 'mark_nm': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 'tiles': [[3.0, 16.0], [9.0, 16.0], [1.0, 32.0], [18.0, 32.0], [2.0, 64.0], [36.0, 64.0], [4.0, 25.0]], 'speed': [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], 'util': [0.765625, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 'loc': [[0.0, 0.0], [172.0, 20.0], [172.0, 52.0], [182.0, 48.0], [185.0, 2.0], [224.0, 44.0], [226.0, 28.0]], 'memutil': 0.9966236494597839, 'chip': [504.0, 16384.0, 36.0, 131072.0, 8.0], 'tile': [2.0, 0.0, 16.0]}),
    ('mixed.csv', {'mapping': 'novel', 'pipeline': True, 'subarray': 128, 'memcell': 'rram', 'cell_bits': 2, 'weight_bits': 5, 'speedup': 5},
     {'num_pe_nm': 9.0, 'max_pe_size_nm': 1024.0, 'max_tile_size_cm': 1024.0, 'desired': [4.0, 512.0, 5.0, 1024.0, 512.0, 3.0, 3.0], 'speed_up_degree': 5.0, 'mark_nm': [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], 'tiles': [[2.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 2.0], [1.0, 1.0]], 'speed': [[8.0, 4.0], [4.0, 2.0], [8.0, 2.0], [4.0, 1.0], [8.0, 1.0], [2.0, 1.0], [4.0, 2.0]], 'util': [0.282623291015625, 0.375, 0.375, 0.75, 0.75, 0.75, 0.5859375], 'loc': [[0.0, 0.0], [7.0, 1.0], [7.0, 2.0], [8.0, 0.0], [8.0, 1.0], [9.0, 0.0], [9.0, 1.0]], 'memutil': 0.5445760091145834, 'chip': [1584.0, 28288.0, 2.0, 226304.0, 14.0], 'tile': [2.0, 16.0, 16.0], 'pipe': [21.0, 6.0, 6.0, 2.0, 2.0, 1.0, 1.0]}),
]


@pytest.mark.parametrize("net,changes,ref", PINNED, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(PINNED)])
def test_pinned_reference_cases(net, changes, ref):
    fp = _at(_fp([changes], NETS[net]), 0)
    assert fp.status == 0
    eq = np.testing.assert_array_equal
    eq(fp.num_pe_nm, ref["num_pe_nm"])
    eq(fp.max_pe_size_nm, ref["max_pe_size_nm"])
    eq(fp.max_tile_size_cm, ref["max_tile_size_cm"])
    eq([fp.desired_num_tile_nm, fp.desired_pe_size_nm, fp.desired_num_tile_cm, fp.desired_tile_size_cm,
        fp.desired_pe_size_cm, fp.num_tile_row, fp.num_tile_col], ref["desired"])
    eq(fp.speed_up_degree, ref["speed_up_degree"])
    eq(fp.mark_nm, ref["mark_nm"])
    eq(np.stack([fp.num_tile_each_layer_row, fp.num_tile_each_layer_col], -1), ref["tiles"])
    eq(np.stack([fp.speed_up_each_layer_row, fp.speed_up_each_layer_col], -1), ref["speed"])
    eq(np.stack([fp.tile_loca_row, fp.tile_loca_col], -1), ref["loc"])
    np.testing.assert_allclose(fp.utilization_each_layer, ref["util"], rtol=1e-15)
    np.testing.assert_allclose(fp.memory_utilization, ref["memutil"], rtol=1e-15)
    np.testing.assert_allclose([fp.global_bus_width, fp.max_layer_input, fp.max_tile_added,
                                fp.global_buffer_size, fp.num_buffer_core], ref["chip"], rtol=1e-15)
    eq([fp.num_pe_cm, fp.num_sub_array_nm, fp.num_sub_array_cm], ref["tile"])
    if "pipe" in ref:
        eq(fp.pipeline_speed_up, ref["pipe"])


def test_hand_checked_fc_layer():
    # one 256x64 FC layer, 8-bit weights on 1-bit SRAM cells -> 256 x 512 matrix, 32x32 subarrays.
    # Tile 512: 1 tile, util 0.5; tile 256: 2 tiles, util 1 (wins). PE 128 gives no duplication, so
    # no strict improvement: PE = tile/2 = 128. No subarray duplication (matrix larger than a PE).
    fp = _at(_fp([dict(mapping="conventional", pipeline=False, subarray=32)], ((1, 1, 256, 1, 1, 64, 0, 1),)), 0)
    assert fp.status == 0
    assert (fp.desired_tile_size_cm, fp.desired_pe_size_cm, fp.desired_num_tile_cm) == (256, 128, 2)
    assert (fp.desired_pe_size_nm, fp.desired_num_tile_nm, fp.num_pe_nm) == (0, 0, 0)
    assert fp.layer_tiles.tolist() == [2] and fp.utilization_each_layer.tolist() == [1.0]
    assert fp.layer_speedup.tolist() == [1] and fp.memory_utilization == 1.0
    assert (fp.num_tile_row, fp.num_tile_col) == (2, 1)
    assert (fp.num_pe_cm, fp.num_sub_array_cm, fp.num_sub_array_row_cm) == (2, 16, 4)
    # bus = tile + tile / col_mux; buffer = input bits x largest input
    assert (fp.global_bus_width, fp.max_layer_input, fp.global_buffer_size, fp.num_buffer_core) == (288, 256, 2048, 1)


def test_ties_keep_the_largest_size():
    # equal utilisation at several sizes: the search keeps the first (largest) candidate.
    # 512 x 512 FC matrix on 32x32 subarrays: tiles 512 and 256 both give utilisation 1 -> 512
    fp = _at(_fp([dict(mapping="conventional", pipeline=False, subarray=32)], ((1, 1, 512, 1, 1, 64, 0, 1),)), 0)
    assert [fp.desired_tile_size_cm, fp.desired_pe_size_cm, fp.desired_num_tile_cm] == [512, 256, 1]
    assert [fp.num_pe_cm, fp.num_sub_array_cm, fp.global_bus_width, fp.max_layer_input] == [2, 64, 576, 512]
    # two 3x3 layers of 512 channels in and 64 x 8 bit columns out: novel PE 512, 256, 128 tie -> 512
    # (reference: desired NM 2 x 512, CM 1 x 128 / 64, grid 2 x 2, memory utilisation 0.875)
    tie = ((4, 4, 512, 3, 3, 64, 0, 1), (4, 4, 512, 3, 3, 64, 0, 1), (1, 1, 64, 1, 1, 10, 0, 1))
    fp = _at(_fp([dict(mapping="novel", pipeline=False, subarray=32)], tie), 0)
    assert [fp.desired_num_tile_nm, fp.desired_pe_size_nm, fp.desired_num_tile_cm, fp.desired_tile_size_cm,
            fp.desired_pe_size_cm, fp.num_tile_row, fp.num_tile_col] == [2, 512, 1, 128, 64, 2, 2]
    assert fp.layer_tiles.tolist() == [1, 1, 1] and fp.layer_speedup.tolist() == [1, 1, 2]
    assert fp.utilization_each_layer.tolist() == [1, 1, 0.625] and fp.memory_utilization == 0.875
    assert fp.tile_loca_row.tolist() == [0, 3, 4] and fp.tile_loca_col.tolist() == [0, 1, 0]
    assert [fp.num_sub_array_nm, fp.num_sub_array_cm, fp.global_bus_width, fp.num_buffer_core] == [256, 4, 1800, 4]


def test_pipeline_speed_up_cap():
    # tiny network: IFM sizes 8, 8, 4 (3x3) and 1 (FC): the cap is 8 // 4 = 2
    fp = _fp([dict(speedup=8), dict(speedup=1), dict(speedup=8, pipeline=False)], TINY)
    assert np.asarray(fp.speed_up_degree).tolist() == [2, 1, 8]
    # bound IFM = ceil(8 / degree); speed-up = ceil((IFM / bound)^2)
    assert np.asarray(fp.pipeline_speed_up)[0].tolist() == [4, 4, 1, 1]
    assert np.asarray(fp.pipeline_speed_up)[1].tolist() == [1, 1, 1, 1]


def test_most_common_kernel_area():
    assert _most_common_kernel_area([9, 9, 9, 1]) == 9
    assert _most_common_kernel_area([1, 9, 25, 25]) == 25
    assert _most_common_kernel_area([25, 9, 1]) == 25   # tie: first layer wins
    assert _most_common_kernel_area([1, 1]) == 1        # only 1x1 kernels
    assert _most_common_kernel_area([1, 9]) == 9


def test_subarray_too_large():
    fc = ((1, 1, 256, 1, 1, 64, 0, 1),)   # 512 columns: the tile must be >= 4 subarrays
    fp = _fp([dict(mapping="conventional", subarray=128), dict(mapping="conventional", subarray=256)], fc)
    assert np.asarray(fp.status).tolist() == [0, S.SUBARRAY_TOO_LARGE]
    # novel mapping: a 3x3 layer qualifies only with >= subarray rows; with none, the check fails
    fp = _fp([dict(subarray=256), dict(subarray=512)], TINY)
    assert np.asarray(fp.status).tolist() == [0, S.SUBARRAY_TOO_LARGE]


def test_batch_jit_vmap_identity():
    pts = [dict(subarray=s, cell_bits=c, memcell=m, weight_bits=w, mapping=mp, pipeline=p, speedup=u)
           for s, c, m, w, mp, p, u in [(64, 2, "rram", 8, "novel", True, 8), (128, 1, "sram", 6, "conventional", False, 2),
                                        (32, 3, "fefet", 7, "conventional", True, 4), (256, 4, "rram", 8, "novel", False, 1),
                                        (16, 1, "sram", 12, "novel", True, 3)]]
    d = encode(pts)
    batch = _fp(pts, VGG8)                                   # jitted over a padded batch
    one = jax.jit(lambda q: floorplan(make_params(q), VGG8))  # a single (0-d) design point
    vmapped = jax.jit(jax.vmap(lambda q: floorplan(make_params(q), VGG8)))(d)
    for i in range(len(pts)):
        single = one(jax.tree_util.tree_map(lambda x: x[i], d))
        assert np.shape(single.desired_tile_size_cm) == () and np.shape(single.layer_tiles) == (8,)
        for other in (batch, vmapped):
            for a, b in zip(jax.tree_util.tree_leaves(single), jax.tree_util.tree_leaves(other)):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b)[i])
    assert np.shape(batch.layer_tiles) == (5, 8) and np.shape(batch.desired_tile_size_cm) == (5,)
    assert np.asarray(batch.layer_tiles).dtype == np.float64


def _sig6(x):
    """The value as the reference prints it (6 significant digits)."""
    return float(f"{x:.6g}")


def _conformance_rows(name):
    path = os.path.join(CONFORMANCE, f"{name}.jsonl")
    if not os.path.exists(path):
        pytest.skip(f"conformance files not found at {CONFORMANCE} (needs the shared folder next to the repo)")
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("name", ["tiny", "small", "vgg8"])
def test_conformance(name):
    rows = _conformance_rows(name)
    net = layers_tuple(load_network(os.path.join(CONFORMANCE, "networks", rows[0]["network"])))
    fp = _fp([r["point"] for r in rows], net)
    status = np.asarray(fp.status)
    bad = []
    for i, r in enumerate(rows):
        e = r["expect"]
        flagged = bool(status[i] & S.SUBARRAY_TOO_LARGE)
        if not e["ok"]:
            if ("SubArray Size is too large" in e.get("error", "")) != flagged:
                bad.append((r["id"], "flag", flagged, e.get("error")))
            continue
        if flagged:
            bad.append((r["id"], "flagged but ok"))
            continue
        tiles = np.asarray(fp.layer_tiles)[i]
        speed = np.asarray(fp.layer_speedup)[i]
        util = np.asarray(fp.utilization_each_layer)[i]
        mu = float(np.asarray(fp.memory_utilization)[i])
        if tiles.tolist() != e["layer_tiles"]:
            bad.append((r["id"], "layer_tiles", tiles.tolist(), e["layer_tiles"]))
        if speed.tolist() != e["layer_speedup"]:
            bad.append((r["id"], "layer_speedup", speed.tolist(), e["layer_speedup"]))
        if [_sig6(u) for u in util] != e["layer_utilization"]:
            bad.append((r["id"], "layer_utilization", util.tolist(), e["layer_utilization"]))
        # the reference prints the percentage with 6 significant digits
        if not np.isclose(_sig6(mu * 100) / 100, e["memory_utilization"], rtol=1e-12, atol=0):
            bad.append((r["id"], "memory_utilization", mu, e["memory_utilization"]))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]}"
