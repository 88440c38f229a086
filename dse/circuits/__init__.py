"""Peripheral circuits of the arrays (decoders, multiplexers, sense amplifiers, adders, ...) and their shared formulas."""
