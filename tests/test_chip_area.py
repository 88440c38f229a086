"""PE, tile and chip area composition against the reference (NeuroSim V1.4).

Each case is a conformance design point. The subarray is replaced by a stub holding the
reference's own subarray figures (area, height, width and breakdown), so these tests pin
what the chip hierarchy adds on top of it: the PE adder trees and flip-flop buffers, the
tile accumulation, buffers, H-tree and activation, and the chip's global buffer,
interconnect, pooling, accumulation and activation, plus the chip breakdown. Reference
module figures come from an instrumented build of the reference (numbers only).
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dse  # noqa: F401  (float64)
from dse.chip.chip import chip_area
from dse.chip.floorplan import floorplan
from dse.design import encode
from dse.pytree import pytree_dataclass
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology

NETWORKS = {
    "tiny": ((8, 8, 3, 3, 3, 16, 0, 1), (8, 8, 16, 3, 3, 32, 1, 1), (4, 4, 32, 3, 3, 64, 1, 1),
             (1, 1, 256, 1, 1, 10, 0, 1)),
    "small": ((16, 16, 3, 3, 3, 32, 0, 1), (16, 16, 32, 3, 3, 64, 1, 1), (8, 8, 64, 3, 3, 128, 1, 1),
              (4, 4, 128, 3, 3, 256, 1, 1), (1, 1, 1024, 1, 1, 10, 0, 1)),
}


@pytree_dataclass
class StubSubArray:
    """The subarray figures the chip hierarchy consumes (m^2, m)."""

    area: Any
    height: Any
    width: Any
    area_adc: Any
    area_accum: Any
    area_other: Any
    area_array: Any


# reference figures: sub = subarray (area, height, width, adc, accum, other, array);
# ref = module areas (m^2; PE_/T_ CM or NM; tile buffers include all cores);
# chip = (area, area_ic, area_adc, area_accum, area_other, area_array)
CASES = {
    'tiny-2': dict(
        network='tiny',
        point={'technode': 2, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'htree', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 150.0, 'col_mux': 4, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 7, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 32},
        sub=(1.5240109636607146e-09, 4.064493750000001e-05, 3.749571428571429e-05, 5.259686400000001e-10, 3.6782784000000006e-10, 7.946712e-11, 3.303014400000001e-10),
        ref={'PE_CM_adder': 2.2161600000000002e-10, 'PE_CM_bufin': 1.7558613000000006e-10, 'PE_CM_bufout': 1.1113729714285714e-10, 'PE_CM': 6.604383281785716e-09, 'T_CM_accum': 4.7869056e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 6.302976000000002e-11, 'T_CM_bufout': 6.302976000000002e-11, 'T_CM_htree': 2.96463317618233e-10, 'T_CM': 2.7318746524761094e-08, 'PE_NM_adder': 1.3474252800000002e-09, 'PE_NM_bufin': 1.7558613000000006e-10, 'PE_NM_bufout': 1.1968632000000002e-10, 'PE_NM': 2.6026873148571436e-08, 'T_NM_accum': 3.6699609600000006e-09, 'T_NM_relu': 0.0, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 2.8363392000000007e-10, 'T_NM_bufout': 3.151488000000001e-10, 'T_NM_htree': 1.8468882506199112e-08, 'T_NM': 2.5697948452334206e-07, 'C_gbuf': 2.0422963200000004e-09, 'C_htree': 1.8492858919069605e-08, 'C_xybus': 0.0, 'C_maxpool': 1.5562368000000002e-09, 'C_accum': 0.0, 'C_relu': 6.303744000000001e-10, 'C_sigmoid': 0.0},
        chip=(5.91318228535276e-07, 5.60235505667043e-08, 1.6830996480000004e-07, 1.5202879488000004e-07, 3.8716761917142865e-08, 1.0569646080000004e-07)),
    'tiny-414': dict(
        network='tiny',
        point={'technode': 65, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'hp', 'r_on': 100000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(5.4740906674999997e-08, 0.000208457375, 0.0002626, 1.300030368e-08, 8.123897599999998e-09, 1.071524896e-08, 1.9382272e-08),
        ref={'PE_CM_adder': 8.544856319999998e-09, 'PE_CM_bufin': 1.235735319e-08, 'PE_CM_bufout': 2.867592e-09, 'PE_CM': 2.4273342821e-07, 'T_CM_accum': 1.864332288e-08, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 2.045435392e-08, 'T_CM_bufin': 2.2710571519999998e-08, 'T_CM_bufout': 1.44363856e-09, 'T_CM_htree': 2.8693674086552094e-08, 'T_CM': 1.062879273806552e-06, 'C_gbuf': 2.32479104e-08, 'C_htree': 0.0, 'C_xybus': 2.4060140609760243e-06, 'C_maxpool': 2.067164736e-08, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(6.701450713962232e-06, 2.5207887573222328e-06, 8.3201943552e-07, 7.312204390399998e-07, 1.15172887024e-06, 1.240465408e-06)),
    'tiny-42': dict(
        network='tiny',
        point={'technode': 5, 'memcell': 'fefet', 'mode': 'sequential', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 40000.0, 'on_off': 2.8, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
        sub=(1.3093210333944e-07, 0.0001711285142857143, 0.0007651098, 8.038902857142857e-12, 1.4657760000000004e-10, 1.480585056e-09, 4.915200000000001e-12),
        ref={'PE_CM_adder': 9.121248e-11, 'PE_CM_bufin': 4.1892260297142864e-10, 'PE_CM_bufout': 2.7543952799999997e-10, 'PE_CM': 5.245139879687315e-07, 'T_CM_accum': 1.9828800000000003e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 3.2962368e-11, 'T_CM_bufout': 2.1825096e-11, 'T_CM_htree': 2.085792132933636e-09, 'T_CM': 2.10039481947186e-06, 'PE_NM_adder': 5.552064000000001e-10, 'PE_NM_bufin': 8.378452059428573e-10, 'PE_NM_bufout': 5.508790559999999e-10, 'PE_NM': 2.096857584092983e-06, 'T_NM_accum': 1.5307833600000002e-09, 'T_NM_relu': 0.0, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 1.6481184e-10, 'T_NM_bufout': 9.888710399999999e-11, 'T_NM_htree': 1.204200901585953e-07, 'T_NM': 1.8993932829299444e-05, 'C_gbuf': 3.9262540799999995e-10, 'C_htree': 0.0, 'C_xybus': 1.091991327584956e-06, 'C_maxpool': 3.5603712000000004e-10, 'C_accum': 0.0, 'C_relu': 5.6401920000000004e-11, 'C_sigmoid': 0.0},
        chip=(4.328145168957556e-05, 1.337003092168014e-06, 2.572448914285714e-09, 6.108638976000001e-08, 5.057811889467428e-07, 1.5728640000000003e-09)),
    'tiny-49': dict(
        network='tiny',
        point={'technode': 32, 'memcell': 'rram', 'mode': 'sequential', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 240000.0, 'on_off': 10.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(7.226177588060158e-08, 0.00017110176, 0.00042233215999999994, 2.386427904000001e-10, 3.799292313600001e-09, 9.69786392576e-09, 8.053063680000002e-10),
        ref={'PE_CM_adder': 2.2592618496e-09, 'PE_CM_bufin': 2.996060258304e-09, 'PE_CM_bufout': 1.51363846144e-09, 'PE_CM': 2.958160640917503e-07, 'T_CM_accum': 4.8950673408e-09, 'T_CM_relu': 8.568459755520001e-08, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 9.8107392e-10, 'T_CM_bufout': 1.7530880000000002e-10, 'T_CM_htree': 1.5594407015764333e-08, 'T_CM': 1.2905947109987658e-06, 'PE_NM_adder': 2.2592618496e-09, 'PE_NM_bufin': 2.996060258304e-09, 'PE_NM_bufout': 1.51363846144e-09, 'PE_NM': 2.958160640917503e-07, 'T_NM_accum': 1.7509279334400003e-08, 'T_NM_relu': 8.568459755520001e-08, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 4.414832640000001e-09, 'T_NM_bufout': 9.8107392e-10, 'T_NM_htree': 2.2781757820708573e-07, 'T_NM': 2.998751938482438e-06, 'C_gbuf': 4.31535161344e-08, 'C_htree': 0.0, 'C_xybus': 2.78489078568033e-06, 'C_maxpool': 7.949254656e-09, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(1.1414686855433137e-05, 3.27171475612603e-06, 2.4818850201600006e-08, 4.986759020544001e-07, 1.5327757545635843e-06, 8.375186227200001e-08)),
    'tiny-6': dict(
        network='tiny',
        point={'technode': 1, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 10.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 16},
        sub=(6.556653120000002e-10, 2.5969000000000005e-05, 2.5248000000000003e-05, 1.8162892800000002e-10, 9.206784000000002e-11, 5.273600000000001e-11, 1.8874368000000002e-10),
        ref={'PE_CM_adder': 6.082560000000002e-11, 'PE_CM_bufin': 9.972096000000003e-11, 'PE_CM_bufout': 3.2317440000000007e-11, 'PE_CM': 2.8155252480000004e-09, 'T_CM_accum': 1.3271040000000005e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 4.283245714285715e-10, 'T_CM_bufin': 3.3751040000000006e-11, 'T_CM_bufout': 5.14048e-12, 'T_CM_htree': 1.3583749948115507e-10, 'T_CM': 1.1997864982909728e-08, 'PE_NM_adder': 3.704832000000001e-10, 'PE_NM_bufin': 9.972096000000003e-11, 'PE_NM_bufout': 3.2317440000000007e-11, 'PE_NM': 1.0993166592000002e-08, 'T_NM_accum': 1.0285056000000002e-09, 'T_NM_relu': 0.0, 'T_NM_sigmoid': 2.1486445714285715e-09, 'T_NM_bufin': 1.5187968000000002e-10, 'T_NM_bufout': 3.3751040000000006e-11, 'T_NM_htree': 9.058893358607129e-09, 'T_NM': 1.1136017357803572e-07, 'C_gbuf': 2.1299200000000002e-10, 'C_htree': 0.0, 'C_xybus': 5.3820219464469566e-08, 'C_maxpool': 4.85376e-10, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(3.0123466458636045e-07, 7.220968118064614e-08, 5.812125696000001e-08, 3.8939443200000004e-08, 2.6609869165714293e-08, 6.03979776e-08)),
    'tiny-8': dict(
        network='tiny',
        point={'technode': 3, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 2.8, 'col_mux': 4, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(1.1195612233781494e-09, 4.062881855091876e-05, 2.7555840000000004e-05, 3.720583460571429e-11, 7.144663449600001e-10, 2.6806394880000006e-11, 3.019603968000001e-10),
        ref={'PE_CM_adder': 1.4332723200000004e-10, 'PE_CM_bufin': 1.8721759588263368e-10, 'PE_CM_bufout': 7.142473728000002e-11, 'PE_CM': 4.8802144586752314e-09, 'T_CM_accum': 3.105423360000001e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 6.660166217142859e-10, 'T_CM_bufin': 5.5704084480000015e-11, 'T_CM_bufout': 9.000529920000003e-12, 'T_CM_htree': 3.2190811431750486e-10, 'T_CM': 2.0884029521132712e-08, 'C_gbuf': 3.4009030656000005e-10, 'C_htree': 0.0, 'C_xybus': 2.796848293530813e-08, 'C_maxpool': 5.361500160000002e-10, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(1.1238084134239898e-07, 2.925611539257815e-08, 2.3811734147657147e-09, 4.9261251133440006e-08, 9.653011869939281e-09, 1.9325465395200005e-08)),
    'tiny-9': dict(
        network='tiny',
        point={'technode': 7, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'htree', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 4, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 256, 'parallel_read': 32},
        sub=(3.3972419913834225e-09, 4.8811462355569274e-05, 6.95992668e-05, 4.996206646838399e-10, 4.6161558959219195e-10, 4.48958226913056e-10, 1.7690211123200002e-09),
        ref={'PE_CM_adder': 2.718413888077439e-10, 'PE_CM_bufin': 8.012833429485617e-10, 'PE_CM_bufout': 1.3362780828532797e-10, 'PE_CM': 1.4795720505575322e-08, 'T_CM_accum': 5.909595408863999e-10, 'T_CM_relu': 2.1516180261961724e-08, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 1.827789056128e-10, 'T_CM_bufout': 1.57938720016e-11, 'T_CM_htree': 1.8683155446167022e-09, 'T_CM': 8.335691014738052e-08, 'PE_NM_adder': 2.718413888077439e-10, 'PE_NM_bufin': 8.012833429485617e-10, 'PE_NM_bufout': 1.3362780828532797e-10, 'PE_NM': 1.4795720505575322e-08, 'T_NM_accum': 2.1156351563733117e-09, 'T_NM_relu': 2.1516180261961724e-08, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 8.225050752576e-10, 'T_NM_bufout': 9.13894528064e-11, 'T_NM_htree': 2.7008919354129557e-08, 'T_NM': 1.847161138507065e-07, 'C_gbuf': 5.192138426496001e-10, 'C_htree': 3.156283549919018e-08, 'C_xybus': 0.0, 'C_maxpool': 1.0611006867471358e-09, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(4.6792999432143493e-07, 6.417670148716984e-08, 4.196813583344255e-08, 4.837289246973926e-08, 1.4650027367475918e-07, 1.4859777343488002e-07)),
    'tiny-16': dict(
        network='tiny',
        point={'technode': 130, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'sigmoid', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
        sub=(1.1820293096299999e-07, 0.00047155550000000003, 0.000250666, 3.92491008e-09, 8.4002464e-08, 4.0170624000000005e-09, 1.9382272e-08),
        ref={'PE_CM_adder': 1.0875271680000001e-07, 'PE_CM_bufin': 2.2363048032e-08, 'PE_CM_bufout': 1.0949090879999999e-08, 'PE_CM': 2.0333117511199996e-06, 'T_CM_accum': 8.389495296000001e-08, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 8.596037631999999e-08, 'T_CM_bufin': 4.524851968e-08, 'T_CM_bufout': 5.7313984e-09, 'T_CM_htree': 1.6609377169148426e-07, 'T_CM': 8.520176023531485e-06, 'C_gbuf': 7.1220158464e-07, 'C_htree': 0.0, 'C_xybus': 1.6086735963778016e-05, 'C_maxpool': 1.3119375359999998e-07, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(5.101083539614396e-05, 1.6751111050543953e-05, 1.00477698048e-06, 2.358025406464e-05, 2.9525187128319996e-06, 4.961861632e-06)),
    'tiny-29': dict(
        network='tiny',
        point={'technode': 14, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'xy', 'adc': 'sar', 'sense': 'current', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 10.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(6.382675883831549e-09, 0.00010794112396027274, 5.913108600000001e-05, 1.7760072604538885e-10, 4.636272468817921e-09, 1.7016588789760005e-10, 1.0484134707200002e-09),
        ref={'PE_CM_adder': 9.31535936980992e-10, 'PE_CM_bufin': 1.2123014431906818e-09, 'PE_CM_bufout': 4.768231434815522e-10, 'PE_CM': 2.8151364058979422e-08, 'T_CM_accum': 2.0183278634588164e-09, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 2.5842725565440004e-10, 'T_CM_bufout': 1.4326975873280002e-10, 'T_CM_htree': 3.0925244039244213e-09, 'T_CM': 1.1811800551768813e-07, 'C_gbuf': 1.7799722401972228e-08, 'C_htree': 0.0, 'C_xybus': 2.0666220870432525e-07, 'C_maxpool': 3.2776264449331206e-09, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 7.313553266113684e-09},
        chip=(7.075251328880968e-07, 2.1903230632002294e-07, 1.1366446466904887e-08, 3.1969932444987806e-07, 6.791430038276998e-08, 6.709846212608001e-08)),
    'tiny-30': dict(
        network='tiny',
        point={'technode': 90, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 100.0, 'col_mux': 4, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
        sub=(5.462263872000002e-08, 0.00022445200000000004, 0.00024336000000000003, 7.472586240000003e-09, 1.6592325120000003e-08, 7.621050240000001e-09, 9.289728000000002e-09),
        ref={'PE_CM_adder': 1.4147965440000002e-08, 'PE_CM_bufin': 1.1053812096000002e-08, 'PE_CM_bufout': 7.359206400000002e-09, 'PE_CM': 2.510515388160001e-07, 'T_CM_accum': 3.1274449920000005e-08, 'T_CM_relu': 3.3888927744000006e-07, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 3.880224000000001e-09, 'T_CM_bufout': 1.3867200000000004e-09, 'T_CM_htree': 2.020235355538717e-08, 'T_CM': 1.3998391801793876e-06, 'PE_NM_adder': 8.637705216000002e-08, 'PE_NM_bufin': 1.4738416128000002e-08, 'PE_NM_bufout': 7.359206400000002e-09, 'PE_NM': 9.824368942080005e-07, 'T_NM_accum': 2.4572782080000006e-07, 'T_NM_relu': 6.777785548800001e-07, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 1.9401120000000005e-08, 'T_NM_bufout': 7.760448000000002e-09, 'T_NM_htree': 1.1432661365851284e-06, 'T_NM': 1.0935866128137134e-05, 'C_gbuf': 3.4135105536000005e-07, 'C_htree': 0.0, 'C_xybus': 1.6190788577404367e-05, 'C_maxpool': 8.273664000000001e-08, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(5.2222153017534545e-05, 1.9660991694270527e-05, 3.467280015360002e-06, 1.0943935349760002e-05, 7.5073277744640015e-06, 4.310433792000001e-06)),
    'tiny-55': dict(
        network='tiny',
        point={'technode': 10, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': False, 'global_bus': 'htree', 'adc': 'sar', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 150.0, 'col_mux': 16, 'speedup': 1, 'global_buffer': 'sram', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 5, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 64},
        sub=(2.012904592384e-09, 4.1963488e-05, 4.7968000000000006e-05, 4.4713152e-10, 3.25248e-10, 3.93534336e-10, 6.553600000000001e-10),
        ref={'PE_CM_adder': 2.0072448e-10, 'PE_CM_bufin': 6.445591756800001e-10, 'PE_CM_bufout': 9.497663999999999e-11, 'PE_CM': 8.991878665216001e-09, 'T_CM_accum': 4.3794432e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 1.3928025600000003e-10, 'T_CM_bufout': 4.8977308000000005e-11, 'T_CM_htree': 1.0013574590132292e-09, 'T_CM': 3.759507400387723e-08, 'C_gbuf': 7.761098240000001e-10, 'C_htree': 1.7403969596350732e-08, 'C_xybus': 0.0, 'C_maxpool': 7.8667776e-10, 'C_accum': 0.0, 'C_relu': 1.2976128000000001e-10, 'C_sigmoid': 0.0},
        chip=(1.6947681447585963e-07, 2.140939943240365e-08, 2.861641728e-08, 2.577924096e-08, 3.946434967488e-08, 4.1943040000000007e-08)),
    'tiny-64': dict(
        network='tiny',
        point={'technode': 45, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': False, 'global_bus': 'xy', 'adc': 'sar', 'sense': 'voltage', 'roadmap': 'hp', 'r_on': 240000.0, 'on_off': 100.0, 'col_mux': 16, 'speedup': 4, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': False, 'activation': 'relu', 'adc_bits': 3, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(2.13356606985e-08, 0.00011869762499999999, 0.00017974800000000003, 3.512315520000001e-09, 2.4804662400000004e-09, 4.996831680000001e-09, 9.289728000000002e-09),
        ref={'PE_CM_adder': 1.7684956800000002e-09, 'PE_CM_bufin': 5.845620635999999e-09, 'PE_CM_bufout': 9.059299200000003e-10, 'PE_CM': 9.386268903e-08, 'T_CM_accum': 3.909306240000001e-09, 'T_CM_relu': 8.472231936000002e-08, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 1.9401120000000005e-09, 'T_CM_bufout': 2.486376000000001e-10, 'T_CM_htree': 1.2352845778464358e-08, 'T_CM': 4.786239770984644e-07, 'PE_NM_adder': 1.0797131520000003e-08, 'PE_NM_bufin': 5.845620635999999e-09, 'PE_NM_bufout': 9.059299200000003e-10, 'PE_NM': 3.58919253252e-07, 'T_NM_accum': 3.071597760000001e-08, 'T_NM_relu': 1.6944463872000003e-07, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 8.730504000000001e-09, 'T_NM_bufout': 1.0360872000000002e-09, 'T_NM_htree': 6.910244054043063e-07, 'T_NM': 4.131224892192306e-06, 'C_gbuf': 1.0906099200000004e-08, 'C_htree': 0.0, 'C_xybus': 3.2839366280532702e-06, 'C_maxpool': 7.859980800000001e-09, 'C_accum': 0.0, 'C_relu': 0.0, 'C_sigmoid': 0.0},
        chip=(1.2522400446634809e-05, 4.690691130418812e-06, 1.1239409664000002e-06, 1.0714960972800002e-06, 2.3255371298160005e-06, 2.9727129600000008e-06)),
    'tiny-87': dict(
        network='tiny',
        point={'technode': 22, 'memcell': 'rram', 'mode': 'parallel', 'cell_bits': 2, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'current', 'roadmap': 'hp', 'r_on': 40000.0, 'on_off': 100.0, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'regfile', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'relu', 'adc_bits': 6, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 128, 'parallel_read': 128},
        sub=(3.7611666594249595e-08, 0.00013551987818181816, 0.00027753616, 1.6512297984e-09, 9.804275712e-10, 4.35698689536e-09, 3.806330880000001e-10),
        ref={'PE_CM_adder': 9.343724544e-10, 'PE_CM_bufin': 1.6314425015039997e-09, 'PE_CM_bufout': 6.8384909824e-10, 'PE_CM': 1.536963304311424e-07, 'T_CM_accum': 2.0467206144e-09, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 2.5917495296000003e-09, 'T_CM_bufout': 9.623004160000001e-10, 'T_CM_htree': 7.727916836659248e-09, 'T_CM': 6.281140091212288e-07, 'PE_NM_adder': 9.343724544e-10, 'PE_NM_bufin': 1.6314425015039997e-09, 'PE_NM_bufout': 6.8384909824e-10, 'PE_NM': 1.536963304311424e-07, 'T_NM_accum': 7.341497856e-09, 'T_NM_relu': 0.0, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 1.1662872883200002e-08, 'T_NM_bufout': 5.183499059200001e-09, 'T_NM_htree': 1.0817703586173545e-07, 'T_NM': 1.515631879540417e-06, 'C_gbuf': 2.03967791104e-08, 'C_htree': 0.0, 'C_xybus': 1.2129486842631027e-06, 'C_maxpool': 3.757264896e-09, 'C_accum': 0.0, 'C_relu': 3.164012544e-09, 'C_sigmoid': 0.0},
        chip=(5.527758518136794e-06, 1.4447585896598922e-06, 1.7172789903360002e-07, 1.4503458816e-07, 5.814431190371839e-07, 3.958584115200001e-08)),
    'small-34': dict(
        network='small',
        point={'technode': 65, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'htree', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 100.0, 'col_mux': 8, 'speedup': 4, 'global_buffer': 'regfile', 'tile_buffer': 'sram', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 7, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
        sub=(2.9550732740749998e-08, 0.00023577775000000001, 0.000125333, 9.8122752e-10, 2.1000616e-08, 1.0042656000000001e-09, 4.845568e-09),
        ref={'PE_CM_adder': 2.7188179200000003e-08, 'PE_CM_bufin': 5.590762008e-09, 'PE_CM_bufout': 2.7372727199999997e-09, 'PE_CM': 5.083279377799999e-07, 'T_CM_accum': 2.0973738240000002e-08, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 2.023944e-09, 'T_CM_bufout': 1.6922984e-09, 'T_CM_htree': 4.1523442922871065e-08, 'T_CM': 2.099525174682871e-06, 'C_gbuf': 1.7805039616e-07, 'C_htree': 1.062918809672504e-05, 'C_xybus': 0.0, 'C_maxpool': 3.305737344e-08, 'C_accum': 3.4645508352e-07, 'C_relu': 0.0, 'C_sigmoid': 1.1893446655999999e-07},
        chip=(0.00011051751981497999, 1.258078991409998e-05, 2.95153238016e-06, 6.96134513984e-05, 5.625358271104e-06, 1.4575468543999999e-05)),
    'small-99': dict(
        network='small',
        point={'technode': 14, 'memcell': 'sram', 'mode': 'sequential', 'cell_bits': 1, 'mapping': 'conventional', 'pipeline': True, 'global_bus': 'htree', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 6000.0, 'on_off': 10.0, 'col_mux': 8, 'speedup': 1, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'regfile', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 4, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 64, 'parallel_read': 64},
        sub=(2.8084246416265982e-09, 9.031945165686364e-05, 3.109435e-05, 8.880036302269443e-11, 2.0939378358662404e-09, 8.090460779520002e-11, 2.6210336768000005e-10),
        ref={'PE_CM_adder': 2.71697981619456e-09, 'PE_CM_bufin': 6.762600300024406e-10, 'PE_CM_bufout': 2.8655955948480006e-10, 'PE_CM': 4.861459367170737e-08, 'T_CM_accum': 2.0959558582072325e-09, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 1.1316482499356162e-09, 'T_CM_bufout': 4.883814048234241e-10, 'T_CM_htree': 4.063934914613562e-09, 'T_CM': 2.022382951144093e-07, 'C_gbuf': 1.3139519124480003e-09, 'C_htree': 7.110207752940025e-07, 'C_xybus': 0.0, 'C_maxpool': 3.2776264449331206e-09, 'C_accum': 2.2512118477040646e-09, 'C_relu': 0.0, 'C_sigmoid': 7.660676472290453e-09},
        chip=(4.774231999996908e-06, 7.922994735862738e-07, 1.1366446466904887e-07, 2.941769144216201e-06, 2.2917816879903166e-07, 3.3549231063040005e-07)),
    'small-130': dict(
        network='small',
        point={'technode': 1, 'memcell': 'sram', 'mode': 'parallel', 'cell_bits': 1, 'mapping': 'novel', 'pipeline': True, 'global_bus': 'xy', 'adc': 'mlsa', 'sense': 'voltage', 'roadmap': 'lstp', 'r_on': 100000.0, 'on_off': 2.8, 'col_mux': 8, 'speedup': 8, 'global_buffer': 'sram', 'tile_buffer': 'regfile', 'pe_buffer': 'sram', 'validated': True, 'synchronous': True, 'chip_activation': True, 'activation': 'sigmoid', 'adc_bits': 4, 'weight_bits': 8, 'input_bits': 8, 'clk_freq': 1000000000.0, 'input_toggle': 0.18, 'subarray': 256, 'parallel_read': 64},
        sub=(2.076353066666667e-09, 4.753555555555556e-05, 4.368e-05, 7.7508608e-10, 1.8413568000000004e-10, 9.760768000000002e-11, 7.549747200000001e-10),
        ref={'PE_CM_adder': 1.2165120000000003e-10, 'PE_CM_bufin': 1.8253653333333337e-10, 'PE_CM_bufout': 6.28992e-11, 'PE_CM': 8.672499200000002e-09, 'T_CM_accum': 2.654208000000001e-10, 'T_CM_relu': 0.0, 'T_CM_sigmoid': 0.0, 'T_CM_bufin': 6.750208000000001e-11, 'T_CM_bufout': 3.3751040000000006e-11, 'T_CM_htree': 4.768064209178396e-10, 'T_CM': 3.553347714091785e-08, 'PE_NM_adder': 7.409664000000002e-10, 'PE_NM_bufin': 1.8253653333333337e-10, 'PE_NM_bufout': 6.9888e-11, 'PE_NM': 3.4215040000000005e-08, 'T_NM_accum': 2.0570112000000005e-09, 'T_NM_relu': 0.0, 'T_NM_sigmoid': 0.0, 'T_NM_bufin': 3.0375936000000004e-10, 'T_NM_bufout': 1.5187968000000002e-10, 'T_NM_htree': 3.196334807234061e-08, 'T_NM': 3.4241135831234066e-07, 'C_gbuf': 2.1299200000000002e-10, 'C_htree': 0.0, 'C_xybus': 1.5040933591555037e-07, 'C_maxpool': 9.70752e-10, 'C_accum': 1.9243008000000007e-09, 'C_relu': 0.0, 'C_sigmoid': 1.1459437714285714e-08},
        chip=(1.948739540273375e-06, 3.111796891190891e-07, 5.8286473216e-07, 1.8552692736000003e-07, 1.0248642438095239e-07, 5.6774098944e-07)),
}


def _evaluate(ids):
    net = CASES[ids[0]]["network"]
    layers = NETWORKS[net]
    d = encode([CASES[i]["point"] for i in ids])
    prm = make_params(d)
    subs = np.array([CASES[i]["sub"] for i in ids])
    sub = StubSubArray(*[jnp.asarray(subs[:, k]) for k in range(7)])
    return chip_area(technology(prm), prm, memcell(prm), layers, floorplan(prm, layers), sub=sub)


@pytest.fixture(scope="module")
def results():
    out = {}
    for net in NETWORKS:
        ids = [i for i in CASES if CASES[i]["network"] == net]
        c = _evaluate(ids)
        for k, i in enumerate(ids):
            out[i] = jax.tree_util.tree_map(lambda x, k=k: np.asarray(x)[k] if np.ndim(x) else np.asarray(x), c)
    return out


def _modules(c, point):
    m = {}
    for tag, t in (("CM", c.tile_cm), ("NM", c.tile_nm)):
        m.update({
            f"PE_{tag}_adder": t.pe.adder_tree.area, f"PE_{tag}_bufin": t.pe.buffer_input.area,
            f"PE_{tag}_bufout": t.pe.buffer_output.area, f"PE_{tag}": t.pe.area,
            f"T_{tag}_accum": t.accumulation.area, f"T_{tag}_relu": t.area_relu,
            f"T_{tag}_sigmoid": t.area_sigmoid, f"T_{tag}_bufin": t.input_buffer.area * t.num_in_buffer_core,
            f"T_{tag}_bufout": t.output_buffer.area * t.num_out_buffer_core, f"T_{tag}_htree": t.htree.area,
            f"T_{tag}": t.area})
    m.update({"C_gbuf": c.global_buffer.area, "C_maxpool": c.max_pool.area, "C_accum": c.accumulation.area,
              "C_relu": c.area_relu, "C_sigmoid": c.area_sigmoid,
              "C_htree" if point["global_bus"] == "htree" else "C_xybus": c.area_bus})
    return m


def _close(a, b, rtol=1e-9):
    return abs(float(a) - float(b)) <= rtol * max(abs(float(b)), 1e-30)


@pytest.mark.parametrize("case", list(CASES))
def test_module_areas(results, case):
    c = results[case]
    mods = _modules(c, CASES[case]["point"])
    bad = {k: (float(mods[k]), v) for k, v in CASES[case]["ref"].items()
           if k in mods and not _close(mods[k], v)}
    assert not bad, bad


@pytest.mark.parametrize("case", list(CASES))
def test_chip_breakdown(results, case):
    c = results[case]
    names = ("area", "area_ic", "area_adc", "area_accum", "area_other", "area_array")
    bad = {n: (float(getattr(c, n)), v) for n, v in zip(names, CASES[case]["chip"])
           if not _close(getattr(c, n), v)}
    assert not bad, bad


def test_square_layouts(results):
    for c in results.values():
        assert np.isclose(c.height * c.width, c.area, rtol=1e-12)
        assert np.isclose(c.cm_tile_height, c.cm_tile_width, rtol=1e-12)
        assert np.isclose(c.tile_cm.pe.height ** 2, c.tile_cm.pe.area, rtol=1e-12)



def test_chip_with_subarray():
    """The whole chip (with the real subarray model) against the reference's chip figures."""
    from dse.array.subarray import subarray
    ids = [i for i in CASES if CASES[i]["network"] == "tiny"]
    layers = NETWORKS["tiny"]
    prm = make_params(encode([CASES[i]["point"] for i in ids]))

    def whole(prm):
        tech, cell = technology(prm), memcell(prm)
        return chip_area(tech, prm, cell, layers, floorplan(prm, layers), sub=subarray(tech, prm, cell))

    # compiled as the model's stages are (dse.compile's exact options): run eagerly, XLA's simplifier
    # moves tiny-6's (1 nm, MLSA) fold decision by one ulp
    from dse import compile as C
    c = C.compiled("test chip_with_subarray", whole, prm)(prm)
    names = ("area", "area_ic", "area_adc", "area_accum", "area_other", "area_array")
    bad = {}
    for k, i in enumerate(ids):
        for n, v in zip(names, CASES[i]["chip"]):
            got = float(np.asarray(getattr(c, n))[k])
            if not _close(got, v, rtol=1e-9):
                bad[(i, n)] = (got, v)
    assert not bad, bad
