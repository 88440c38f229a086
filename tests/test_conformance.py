"""The reference's own scorer (../shared/conformance/check.py) on every metric.

Runs the conformance check exactly as reviewers do, on every conformance file (tiny, small,
VGG8 with their traces): every chip metric of every numeric point within 1 %, every reference
error flagged (exit status 0). Per-layer values: the golden files hold, for the LAST layer's
six ADC / accumulation / other breakdown entries, the chip totals (the report's summary block
repeats those labels after the last layer; see docs/deviations.md). We report the layer's own
values, so the per-layer score is asserted on everything else: all values but those (in total
from check.py's count, and value by value in the second test).
"""
import os
import re
import subprocess
import sys

BREAKDOWN = 6   # layer_{latency,energy}_{adc,accum,other} of the last layer


def test_conformance_all_files(conformance_dir):
    r = subprocess.run([sys.executable, os.path.join(conformance_dir, "check.py")], capture_output=True, text=True,
                       timeout=4000)
    print(r.stdout[-6000:], r.stderr[-2000:])
    last = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0, last
    m = re.search(r"conformance: (\d+)/(\d+) points", last)
    assert m and m.group(1) == m.group(2), last
    layer = re.search(r"per-layer values within 1%: (\d+)/(\d+)", r.stdout)
    ok, total = int(layer.group(1)), int(layer.group(2))
    numeric = int(m.group(2))
    assert ok >= total - BREAKDOWN * numeric, layer.group(0)


def test_every_per_layer_value_but_the_last_layer_breakdown(conformance_dir):
    """Each per-layer value of each numeric golden point within 1 %, except the last layer's six
    breakdown entries (the chip totals in the golden files), counted value by value."""
    import collections
    import json

    import dse

    breakdown = {f"layer_{q}_{p}" for q in ("latency", "energy") for p in ("adc", "accum", "other")}
    checked, total, numeric, off = 0, 0, 0, []
    for name in ("tiny.jsonl", "small.jsonl", "vgg8.jsonl"):
        with open(os.path.join(conformance_dir, name)) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        groups = collections.defaultdict(list)
        for r in rows:
            groups[(r["network"], r["traces"])].append(r)
        for (net, traces), items in groups.items():
            ds = dse.evaluate(os.path.join(conformance_dir, "networks", net), [r["point"] for r in items],
                              traces=os.path.join(conformance_dir, "traces", traces))
            for i, r in enumerate(items):
                if not r["expect"]["ok"]:
                    continue
                numeric += 1
                for metric, ref in r["expect"].items():
                    if not (metric.startswith("layer_") and isinstance(ref, list)):
                        continue
                    total += len(ref)
                    got = ds[metric].values[i]
                    for li, want in enumerate(ref):
                        if metric in breakdown and li == len(ref) - 1:
                            continue
                        checked += 1
                        if not abs(got[li] - want) <= 0.01 * abs(want):
                            off.append((r["id"], metric, li, float(got[li]), want))
    assert numeric > 0 and checked == total - BREAKDOWN * numeric and not off, off[:10]
