"""Status codes for infeasible design points.

Inside jit, failures are not exceptions: each model stage returns an integer
bit mask (0 = feasible) that is OR-ed along the way; :func:`reasons` turns a
mask into the message the user reads. Messages follow the reference's own
errors where it has one.
"""
from __future__ import annotations

import jax.numpy as jnp

OK = 0
SUBARRAY_TOO_LARGE = 1 << 0
RRAM_NODE = 1 << 1
HP_NODE = 1 << 2
ACCESS_TOO_WIDE = 1 << 3
ASYNC_REGFILE = 1 << 4
NO_ACTIVE_ROWS = 1 << 5
NUMERIC = 1 << 6
FEFET_NODE = 1 << 7
EXCLUDED = 1 << 8
NOT_MODELLED = 1 << 9
# 1 << 10 was MAPPING_UNDEFINED (novel mapping past the weights): such cuts now read unused cells
NO_LATENCY = 1 << 11
NEGATIVE_LAYOUT = 1 << 12
#: bits that leave the area metrics valid (only latency / energy are missing)
PERF_ONLY = NO_LATENCY

MESSAGES = {
    SUBARRAY_TOO_LARGE: "subarray too large for the network: a layer's weights do not fill one "
                        "processing element (reference: 'SubArray Size is too large')",
    RRAM_NODE: "RRAM is not supported at 14 nm and below",
    HP_NODE: "the HP roadmap is not supported at 14 nm and below",
    ACCESS_TOO_WIDE: "the 1T1R access transistor is wider than the memory cell",
    ASYNC_REGFILE: "asynchronous mode with register-file buffers has no finite latency in the reference",
    NO_ACTIVE_ROWS: "RRAM sequential read with no active rows (reference gives NaN)",
    NUMERIC: "area metrics are not finite",
    FEFET_NODE: "FeFET is not supported at this node",
    EXCLUDED: "excluded by the sweep's 'where' filter (not evaluated)",
    NOT_MODELLED: "this combination is not modelled yet",
    NO_LATENCY: "latency/energy are not finite in the reference's model here (e.g. a NaN sensing clock); "
                "area metrics are valid",
    NEGATIVE_LAYOUT: "a circuit's layout comes out with negative size: the reference converts an out-of-range "
                     "double to int (INT_MIN) when it sizes the subarray's flip-flops at this node and subarray "
                     "size (docs/deviations.md, C integer conversions)",
}


#: one word per bit (CF ``flag_meanings`` of the ``status`` variable)
NAMES = {SUBARRAY_TOO_LARGE: "subarray_too_large", RRAM_NODE: "rram_node", HP_NODE: "hp_node",
         ACCESS_TOO_WIDE: "access_too_wide", ASYNC_REGFILE: "async_regfile", NO_ACTIVE_ROWS: "no_active_rows",
         NUMERIC: "area_not_finite", FEFET_NODE: "fefet_node", EXCLUDED: "excluded", NOT_MODELLED: "not_modelled",
         NO_LATENCY: "latency_energy_not_finite", NEGATIVE_LAYOUT: "negative_layout"}


def flag(mask, condition, code: int):
    """OR ``code`` into ``mask`` where ``condition`` holds (traceable)."""
    return jnp.where(condition, mask | code, mask)


def reasons(mask: int, details: dict[int, str] | None = None) -> str:
    """The messages of every bit set in ``mask``, joined by '; ' ('' when feasible); ``details`` adds
    a note to a bit's message (e.g. which metrics are not finite)."""
    mask = int(mask)
    details = details or {}
    return "; ".join(msg + (f" ({details[code]})" if details.get(code) else "")
                     for code, msg in MESSAGES.items() if mask & code)
