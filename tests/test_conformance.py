"""The reference's own scorer (../shared/conformance/check.py) on every metric.

Runs the conformance check exactly as reviewers do, on every conformance file (tiny, small,
VGG8 with their traces): every chip metric of every numeric point within 1 %, every reference
error flagged (exit status 0), and every scored per-layer value within 1 % (the golden files
leave the last layer's breakdown entries `null`: see ../shared/conformance/README.md).
"""
import os
import re
import subprocess
import sys


def test_conformance_all_files(conformance_dir):
    r = subprocess.run([sys.executable, os.path.join(conformance_dir, "check.py")], capture_output=True, text=True,
                       timeout=4000)
    print(r.stdout[-6000:], r.stderr[-2000:])
    last = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0, last
    m = re.search(r"conformance: (\d+)/(\d+) points", last)
    assert m and m.group(1) == m.group(2), last
    layer = re.search(r"per-layer values within 1%: (\d+)/(\d+)", r.stdout)
    assert layer and layer.group(1) == layer.group(2) and int(layer.group(2)) > 30000, layer
