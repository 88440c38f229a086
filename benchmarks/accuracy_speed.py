"""Design points evaluated per minute by the accuracy model (dse.accuracy), compilation excluded.

    python benchmarks/accuracy_speed.py            # digits CNN (models/digits_cnn, 359 test images)
    python benchmarks/accuracy_speed.py --vgg8     # VGG8, random weights, CIFAR-10-sized random inputs

Points differ in the vectorizable knobs (adc_bits, on_off, seed; digits: sigma 0 or 0.1, VGG8: sigma
0.1) at one shape-determining setting, so they share one compilation per sigma class and are vmapped
``--point-batch`` at a time, evaluated as
:class:`dse.accuracy.Evaluator` does (the physical model's ADC ranges calibrated once per point,
then every batch classified). Each model (``--model``: neurosim, physical or both) runs in a child
process, which reports its peak resident memory (``ru_maxrss``). The last line is ``accuracy: N points/min`` (the
default model, neurosim). The evaluation's process CPU time and the load average are printed with it:
on a shared machine the wall-clock figure depends on what else runs.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def points(n, base, model, sigma=None):
    """``n`` design points around ``base`` (variation ``sigma``, or on every other point)."""
    return [dict(base, accuracy_model=model, adc_bits=3 + i % 5, on_off=[5.0, 17.0, 100.0][i % 3],
                 sigma=0.1 * (i % 2) if sigma is None else sigma, seed=i) for i in range(n)]


def child(a) -> dict:
    """Evaluate the points in this process; return timings."""
    import jax
    import jax.numpy as jnp

    import dse  # noqa: F401
    from dse import design
    from dse.accuracy import cim

    dev = jax.devices()[0]
    if a.vgg8:
        from dse.accuracy.networks import VGG8

        model = VGG8()
        x = jax.random.uniform(jax.random.PRNGKey(1), (a.samples, 32, 32, 3), jnp.float32)
        variables = model.init(jax.random.PRNGKey(0), x[:1])
        base = {"memcell": "rram", "subarray": 128, "parallel_read": 128, "cell_bits": 2}
        what = f"VGG8 (random weights), {a.samples} CIFAR-10-sized random inputs"
    else:
        from dse.accuracy.data import load
        from dse.accuracy.train import load_checkpoint

        model, variables, _cfg = load_checkpoint(os.path.join(ROOT, "models", "digits_cnn"))
        xs, _ = load("digits", split="test", limit=a.samples)
        x = jnp.asarray(xs, jnp.float32)
        base = {"memcell": "rram", "subarray": 64, "parallel_read": 16, "cell_bits": 1}
        what = f"digits CNN, {len(x)} test images"
    cal = x[:16]
    norm = [design.normalize(p) for p in points(a.points, base, a.model, 0.1 if a.vgg8 else None)]
    groups: dict = {}
    for p in norm:
        groups.setdefault(cim.static_of(p), []).append(cim.point_params(p))

    def evaluate(st, dps, batches):
        fn = cim.classify_fn(model, st)
        for i in range(0, len(dps), a.point_batch):
            chunk = dps[i:i + a.point_batch]
            arr = cim.stack_params(chunk + [chunk[-1]] * (a.point_batch - len(chunk)))
            fs = cim.full_scales(model, st, variables, cal, arr)
            for b, s in enumerate(range(0, batches, a.batch)):
                jax.block_until_ready(fn(variables, x[s:s + a.batch], arr, fs, b))

    t0 = time.perf_counter()
    for st, dps in groups.items():             # compile: one point batch, every batch shape
        evaluate(st, dps[:1], len(x) if len(x) % a.batch else a.batch)
    compile_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    for st, dps in groups.items():
        evaluate(st, dps, len(x))
    run_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"device": f"{dev.platform} ({dev.device_kind})", "what": what, "compile_s": compile_s, "run_s": run_s,
            "cpu_s": cpu_s, "load": os.getloadavg()[0],
            "groups": len(groups), "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vgg8", action="store_true", help="VGG8 with random weights on 32x32x3 random inputs")
    ap.add_argument("--model", choices=("neurosim", "physical", "both"), default="both")
    ap.add_argument("--points", type=int, default=None)
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--point-batch", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a)))
        return
    if a.vgg8:
        defaults = dict(points=2, samples=8, point_batch=2, batch=8)
    else:
        defaults = dict(points=16, samples=359, point_batch=4, batch=128)
    for k, v in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    last = None
    for model in (["neurosim", "physical"] if a.model == "both" else [a.model]):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--model", model, "--points", str(a.points),
               "--samples", str(a.samples), "--point-batch", str(a.point_batch), "--batch", str(a.batch)]
        if a.vgg8:
            cmd.append("--vgg8")
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{model}: child failed:\n{out.stderr[-3000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        peak = r["peak_gib"]                  # the child's peak resident set (ru_maxrss, KiB on Linux)
        rate = a.points / r["run_s"] * 60
        print(f"{model}: device {r['device']}; {r['what']}; {a.points} design points ({r['groups']} compiled "
              f"group(s)), {a.point_batch} vmapped at a time, {a.batch} images per call; compile "
              f"{r['compile_s']:.1f} s; evaluation {r['run_s']:.1f} s ({r['cpu_s']:.1f} s of CPU, load average "
              f"{r['load']:.1f} on {os.cpu_count()} cores); {rate:.1f} points/min; peak memory "
              f"{peak:.2f} GiB")
        last = rate if model == "neurosim" or last is None else last
    print(f"accuracy: {last:.1f} points/min")


if __name__ == "__main__":
    main()
