"""Metric names, units and descriptions of the datasets `dse` returns.

Names follow the conformance files (``../shared/conformance/README.md``). Values are SI
(m², s, J, W); ``tops`` counts 1e12 operations per second, ``tops_per_w`` 1e12 operations
per joule and ``tops_per_mm2`` is per mm², as the reference prints them.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    doc: str
    per_layer: bool = False


_M = Metric
METRICS: dict[str, Metric] = {m.name: m for m in [
    _M("area", "m^2", "chip area"),
    _M("area_array", "m^2", "area of the memory arrays (cells only)"),
    _M("area_ic", "m^2", "interconnect area: global bus/H-tree and tile/PE buses"),
    _M("area_adc", "m^2", "ADC area (sense amplifiers and prechargers for SRAM)"),
    _M("area_accum", "m^2", "accumulation circuits: adders, shift-adds, adder trees"),
    _M("area_other", "m^2", "other periphery: decoders, muxes, switch matrices, buffers, pooling, activation"),
    _M("memory_utilization", "1", "fraction of on-chip memory holding weights"),
    _M("clock_period", "s", "clock period in synchronous mode (the slowest sensing cycle x calibration); 0 if asynchronous"),
    _M("latency", "s", "time per image (the slowest layer, the pipeline stage time, when pipelined)"),
    _M("energy_dynamic", "J", "dynamic energy per image"),
    _M("energy_leakage", "J", "leakage energy per image"),
    _M("leakage_power", "W", "leakage power"),
    _M("latency_buffer", "s", "buffer part of the latency"),
    _M("energy_buffer", "J", "buffer part of the dynamic energy"),
    _M("latency_ic", "s", "interconnect part of the latency"),
    _M("energy_ic", "J", "interconnect part of the dynamic energy"),
    _M("latency_adc", "s", "ADC (sensing) part of the latency"),
    _M("latency_accum", "s", "accumulation part of the latency"),
    _M("latency_other", "s", "other periphery part of the latency (decoders, buffers, interconnect, activation)"),
    _M("energy_adc", "J", "ADC (sensing) part of the dynamic energy"),
    _M("energy_accum", "J", "accumulation part of the dynamic energy"),
    _M("energy_other", "J", "other periphery part of the dynamic energy"),
    _M("tops", "TOPS", "throughput: 1e12 operations per second"),
    _M("tops_per_w", "TOPS/W", "energy efficiency: 1e12 operations per joule (dynamic + leakage)"),
    _M("fps", "1/s", "images per second"),
    _M("tops_per_mm2", "TOPS/mm^2", "throughput per mm^2 of chip area"),
    _M("accuracy", "1", "top-1 inference accuracy (fraction) under the point's CIM non-idealities (dse.accuracy)"),
    _M("layer_tiles", "1", "tiles used by each layer", True),
    _M("layer_speedup", "1", "weight duplication (speed-up) of each layer", True),
    _M("layer_utilization", "1", "memory utilization of each layer's tiles", True),
    _M("layer_latency", "s", "latency of each layer", True),
    _M("layer_energy_dynamic", "J", "dynamic energy of each layer", True),
    _M("layer_leakage_power", "W", "leakage power attributed to each layer", True),
    _M("layer_energy_leakage", "J", "leakage energy attributed to each layer", True),
    _M("layer_latency_buffer", "s", "buffer latency of each layer", True),
    _M("layer_energy_buffer", "J", "buffer energy of each layer", True),
    _M("layer_latency_ic", "s", "interconnect latency of each layer", True),
    _M("layer_energy_ic", "J", "interconnect energy of each layer", True),
    _M("layer_latency_adc", "s", "ADC latency of each layer", True),
    _M("layer_latency_accum", "s", "accumulation latency of each layer", True),
    _M("layer_latency_other", "s", "other latency of each layer", True),
    _M("layer_energy_adc", "J", "ADC energy of each layer", True),
    _M("layer_energy_accum", "J", "accumulation energy of each layer", True),
    _M("layer_energy_other", "J", "other energy of each layer", True),
]}

AREA_METRICS = ("area", "area_array", "area_ic", "area_adc", "area_accum", "area_other",
                "memory_utilization")
AREA_LAYER_METRICS = ("layer_tiles", "layer_speedup", "layer_utilization")
PERF_METRICS = ("clock_period", "latency", "energy_dynamic", "energy_leakage", "leakage_power", "latency_buffer",
                "energy_buffer", "latency_ic", "energy_ic", "latency_adc", "latency_accum", "latency_other",
                "energy_adc", "energy_accum", "energy_other", "tops", "tops_per_w", "fps", "tops_per_mm2")
PERF_LAYER_METRICS = tuple(m for m in METRICS if m.startswith("layer_") and m not in AREA_LAYER_METRICS)

#: metrics that are better when larger (every other metric is better smaller)
HIGHER_IS_BETTER = frozenset({"tops", "tops_per_w", "tops_per_mm2", "fps", "accuracy", "memory_utilization",
                              "layer_utilization"})


def higher_is_better(name: str) -> bool:
    """Whether a larger value of metric ``name`` is better (its default direction in a search)."""
    return name in HIGHER_IS_BETTER
