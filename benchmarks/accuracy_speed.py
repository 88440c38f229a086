"""Design points evaluated per minute by the accuracy model (dse.accuracy), compilation excluded.

    python benchmarks/accuracy_speed.py            # digits CNN (models/digits_cnn, 359 test images), CPU
    python benchmarks/accuracy_speed.py --vgg8     # VGG8, random weights, CIFAR-10-sized random inputs (GPU)

Points differ in the vectorizable knobs (adc_bits, on_off, sigma, seed) at one shape-determining
setting, so they share one compilation and are vmapped ``--point-batch`` at a time. The last line is
``accuracy: N points/min``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import dse  # noqa: E402,F401
from dse import design  # noqa: E402
from dse.accuracy import cim  # noqa: E402


def points(n, base):
    out = []
    for i in range(n):
        out.append(dict(base, adc_bits=3 + i % 5, on_off=[5.0, 17.0, 100.0][i % 3], sigma=0.05 * (i % 4), seed=i))
    return out


def run(model, variables, x, cal, pts, point_batch, batch):
    norm = [design.normalize(p) for p in pts]
    st = cim.static_of(norm[0])
    fn = cim.predict_fn(model, st)
    dps = [cim.point_params(p) for p in norm]
    first = cim.stack_params(dps[:point_batch])
    t0 = time.perf_counter()
    jax.block_until_ready(fn(variables, cal, x[:batch], first))       # compile
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a in range(0, len(dps), point_batch):
        chunk = dps[a:a + point_batch]
        chunk = chunk + [chunk[-1]] * (point_batch - len(chunk))
        arr = cim.stack_params(chunk)
        for s in range(0, len(x), batch):
            jax.block_until_ready(fn(variables, cal, x[s:s + batch], arr))
    return compile_s, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vgg8", action="store_true", help="VGG8 with random weights on 32x32x3 random inputs")
    ap.add_argument("--points", type=int, default=None)
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--point-batch", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None)
    a = ap.parse_args()
    dev = jax.devices()[0]
    if a.vgg8:
        from dse.accuracy.networks import VGG8

        model = VGG8()
        n_pts, samples = a.points or 16, a.samples or 256
        pb, batch = a.point_batch or 4, a.batch or 64
        x = jax.random.uniform(jax.random.PRNGKey(1), (samples, 32, 32, 3), jnp.float32)
        variables = model.init(jax.random.PRNGKey(0), x[:1])
        base = {"memcell": "rram", "subarray": 128, "parallel_read": 128, "cell_bits": 2}
        what = f"VGG8 (random weights), {samples} CIFAR-10-sized inputs"
    else:
        from dse.accuracy.data import load
        from dse.accuracy.train import load_checkpoint

        model, variables, _cfg = load_checkpoint(os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), "models", "digits_cnn"))
        n_pts, samples = a.points or 16, a.samples or 359
        pb, batch = a.point_batch or 4, a.batch or 128
        xs, _ = load("digits", split="test", limit=samples)
        x = jnp.asarray(xs, jnp.float32)
        base = {"memcell": "rram", "subarray": 64, "parallel_read": 16, "cell_bits": 1}
        what = f"digits CNN, {len(x)} test images"
    cal = x[:16]
    compile_s, s = run(model, variables, x, cal, points(n_pts, base), pb, batch)
    print(f"device: {dev.platform} ({dev.device_kind}); {what}; {n_pts} design points, {pb} vmapped at a time, "
          f"{batch} images per call; compile {compile_s:.1f} s; evaluation {s:.1f} s")
    print(f"accuracy: {n_pts / s * 60:.1f} points/min")


if __name__ == "__main__":
    main()
