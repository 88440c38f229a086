"""Chip level of the hardware model: floorplan (tile/PE/subarray mapping), tiles and the chip."""
