"""IEEE-exact CPU arithmetic for the hardware model, and how much of it touches the user's process.

The reference decides transistor folds, fin counts and ``ceil`` of ratios on floating-point
quotients that sit exactly on integer boundaries. Two XLA optimisations move such quotients by
one ulp and flip those decisions:

* the algebraic simplifier (divisions rewritten as multiplications by reciprocals, reassociation):
  switched off for the hardware model's own compilations only (:data:`COMPILER_OPTIONS`, passed
  by :mod:`dse.compile`); the rest of the process keeps it;
* fused multiply-adds: XLA's CPU backend always lets LLVM contract ``a * b + c``, and the
  instruction set it targets is fixed for the whole process when JAX starts its CPU backend
  (per-compilation options do not change it). :func:`cap_cpu_isa`, called when ``dse`` is
  imported, caps it at AVX (no FMA) through ``XLA_FLAGS``.

Opt-out: set ``DSE_EXACT_CPU=0`` before importing ``dse`` and the process keeps FMA (faster
float code elsewhere in the process). The hardware model then still runs, but some of its
boundary decisions may differ from the reference's: measured on the tiny and small conformance
sets, 469 of 488 points stay within 1 % of every metric (488/488 with the cap). The cap is also
left alone when ``XLA_FLAGS`` already sets ``--xla_cpu_max_isa``, and cannot act when JAX's CPU
backend started before ``dse`` was imported (a warning says so). GPUs fuse multiply-adds
regardless (``docs/deviations.md``).
"""
from __future__ import annotations

import os
import warnings

__all__ = ["COMPILER_OPTIONS", "ISA_FLAG", "cap_cpu_isa", "opted_out"]

#: XLA options of every hardware-model compilation (per compilation, not process-wide)
COMPILER_OPTIONS = {"xla_disable_hlo_passes": "algsimp"}
#: the process-wide flag that keeps XLA's CPU code free of fused multiply-adds
ISA_FLAG = "--xla_cpu_max_isa=AVX"


def opted_out() -> bool:
    """True when ``DSE_EXACT_CPU`` is ``0``/``off``/``false``/``no``."""
    return os.environ.get("DSE_EXACT_CPU", "").strip().lower() in ("0", "off", "false", "no")


def cap_cpu_isa() -> bool:
    """Add :data:`ISA_FLAG` to ``XLA_FLAGS`` unless opted out, already set, or too late; True if
    the process runs with the cap (set now or before)."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "--xla_cpu_max_isa" in flags:
        return ISA_FLAG in flags.split()
    if opted_out():
        return False
    import sys

    if "jax" in sys.modules:
        from jax._src import xla_bridge

        if xla_bridge.backends_are_initialized():
            warnings.warn("dse: JAX's CPU backend started before dse was imported, so fused multiply-adds stay "
                          "on; the hardware model may differ from NeuroSim by one ulp at integer boundaries. "
                          "Import dse before computing with JAX (or set DSE_EXACT_CPU=0 to silence this).",
                          RuntimeWarning, stacklevel=3)
            return False
    os.environ["XLA_FLAGS"] = " ".join(f for f in (flags, ISA_FLAG) if f)
    return True
