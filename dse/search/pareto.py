"""Kept for notebooks written against it: the Pareto helpers live in :mod:`dse.pareto`."""
from dse.pareto import hypervolume, pareto_mask

__all__ = ["hypervolume", "pareto_mask"]
