"""Benchmark: the area model on VGG8 over a >= 10,000-point grid in one batched call.

Grid: technode (13) x memcell (3) x subarray (64, 128, 256) x adc_bits (3..7) x
parallel_read (2, 4, 8, 16, 32, 64) x cell_bits (1, 2, 4) = 10,530 points, evaluated as a single
batch (one call of the layout stage and one of the hardware stage, each jit-compiled).
Compilation is measured cold (the persistent compilation cache is disabled here).
Last line: ``area: N points/s, compile S s``.
"""
import itertools
import os
import time

os.environ["DSE_NO_COMPILE_CACHE"] = "1"  # measure a cold compile

import jax  # noqa: E402

import dse  # noqa: E402,F401
from dse import engine  # noqa: E402
from dse.design import NODES, encode  # noqa: E402
from dse.network import load_network  # noqa: E402


def main():
    grid = list(itertools.product(NODES, ("sram", "rram", "fefet"), (64, 128, 256), (3, 4, 5, 6, 7),
                                  (2, 4, 8, 16, 32, 64), (1, 2, 4)))
    points = [dict(technode=t, memcell=m, subarray=s, adc_bits=a, parallel_read=p, cell_bits=c)
              for t, m, s, a, p, c in grid]
    n = len(points)
    net = load_network("vgg8")
    enc = encode(points)
    t0 = time.perf_counter()
    out = engine.run_model(net, enc, batch_size=n)  # one batch: compile + first run
    jax.block_until_ready(out)
    first = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t = time.perf_counter()
        out = engine.run_model(net, enc, batch_size=n)
        times.append(time.perf_counter() - t)
    run = min(times)
    compile_s = first - run
    feasible = int((out["status"] == 0).sum())
    print(f"points: {n} (feasible {feasible}), one batch per call")
    print(f"first call (compile + run): {first:.1f} s; steady call: {run * 1e3:.1f} ms (best of 5)")
    print(f"devices: {jax.devices()}")
    print(f"area: {n / run:,.0f} points/s, compile {compile_s:.1f} s")


if __name__ == "__main__":
    main()
