"""Analyses of the hardware model beyond evaluating points: exact sensitivities
(:mod:`dse.analysis.sensitivity`, ``dse.sensitivity``)."""
