"""Synaptic arrays: the subarray (memory array plus its read/write periphery)."""
from dse.array.subarray import SubArray, subarray

__all__ = ["SubArray", "subarray"]
