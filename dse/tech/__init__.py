"""Technology and devices: transistor tables, per-node parameters, wires and memory cells."""
