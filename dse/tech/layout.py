"""Layout rules of the standard cells (the reference's ``constant.h``), in units of F.

Scalars are node-independent design rules; the per-node tables (order of
:data:`dse.design.NODES`) hold the 1.4 scaling trends for FinFET and
nanosheet nodes: standard-cell height, contacted poly pitch, poly width, metal
pitches, P/N diffusion gap and the region outside the fins. Planar nodes
(130 to 22 nm) use the planar rules. Gather a table with ``table[node_index]``.
"""
import jax.numpy as jnp
import numpy as np

INV, NOR, NAND = 0, 1, 2
NMOS, PMOS = 0, 1

MAX_NMOS_SIZE = 100.0
MIN_NMOS_SIZE = 2.0
MAX_TRANSISTOR_HEIGHT_FINFET = 34.0
MAX_TRANSISTOR_HEIGHT = 28.0
MIN_GAP_BET_SAME_TYPE_DIFFS = 1.6
MIN_GAP_BET_P_AND_N_DIFFS = 3.5
MIN_POLY_EXT_DIFF = 1.0
MIN_GAP_BET_FIELD_POLY = 1.6
POLY_WIDTH = 1.0
POLY_WIDTH_FINFET = 1.4
MIN_GAP_BET_GATE_POLY = 2.8
MIN_GAP_BET_GATE_POLY_FINFET = 3.9
MIN_GAP_BET_CONTACT_POLY = 0.7
CONTACT_SIZE = 1.3
MIN_WIDTH_POWER_RAIL = 3.4
M2_PITCH = 3.2
M3_PITCH = 2.8
AVG_RATIO_LEAK_2INPUT_NAND = 0.48
AVG_RATIO_LEAK_3INPUT_NAND = 0.31
AVG_RATIO_LEAK_2INPUT_NOR = 0.95
AVG_RATIO_LEAK_3INPUT_NOR = 0.62
W_SENSE_P = 7.5
W_SENSE_N = 3.75
W_SENSE_ISO = 12.5
W_SENSE_EN = 5.0
W_SENSE_MUX = 9.0
IR_DROP_TOLERANCE = 0.25
LINEAR_REGION_RATIO = 0.20
HEIGHT_WIDTH_RATIO_LIMIT = 5.0
RATIO_READ_THRESHOLD_VS_VOLTAGE = 0.2
ROW_MODE, COL_MODE = 0, 1
#: wire capacitance per unit length (F/m): 0.2 fF/um, every on-chip wire
WIRE_CAP_PER_M = 0.2e-15 / 1e-6

_nan = np.nan
# per-node values for 14, 10, 7, 5, 3, 2, 1 nm; planar nodes (130..22) take the planar rule
def _t(planar, fin):
    return np.array([planar] * 6 + list(fin), float)


#: standard-cell height in F
STD_CELL_HEIGHT = _t(MAX_TRANSISTOR_HEIGHT, [41.142, 33.0, 34.285, 36.0, 48.0, 57.0, 80.0])
#: P/N diffusion gap in F
GAP_P_AND_N_DIFFS = _t(MIN_GAP_BET_P_AND_N_DIFFS, [9.71, 10.0, 11.85, 12.8, 15.0, 20.0, 15.0])
#: region outside the outermost fins in F (planar: not used)
OUTER_HEIGHT_REGION = _t(_nan, [10.285, 8.2, 12.28, 19.4, 12.666, 22.0, 40.0])
#: contacted poly pitch in F (planar: poly width + gate-poly gap)
CPP = _t(POLY_WIDTH + MIN_GAP_BET_GATE_POLY, [5.571, 6.4, 8.1428, 10.2, 16.0, 22.5, 40.0])
#: poly width in F
POLY_WIDTH_NODE = _t(POLY_WIDTH, [1.857, 2.2, 3.14, 4.0, 6.0, 7.0, 12.0])
#: metal-2 pitch (along width) in F
M2_PITCH_NODE = _t(M2_PITCH, [4.57, 4.4, 5.71, 6.0, 8.0, 10.0, 16.0])
#: metal-3 pitch (along height) in F
M3_PITCH_NODE = _t(M3_PITCH, [4.57, 4.4, 5.71, 6.0, 8.0, 10.0, 16.0])


def node_value(table: np.ndarray, node_index):
    """Gather a per-node layout table at ``node_index`` (any shape)."""
    return jnp.asarray(table)[node_index]
