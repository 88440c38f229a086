"""The reference's own scorer (../shared/conformance/check.py) on the area model.

This runs the conformance check exactly as CI reviewers do, restricted to the metrics the
area model produces, on every conformance file (tiny, small, VGG8).
"""
import os
import subprocess
import sys

AREA = "area,area_array,area_ic,area_adc,area_accum,area_other,memory_utilization"
LAYER = "layer_tiles,layer_speedup,layer_utilization"


def test_area_conformance_all_files(conformance_dir):
    r = subprocess.run([sys.executable, os.path.join(conformance_dir, "check.py"), "--metrics", AREA,
                        "--layer-metrics", LAYER], capture_output=True, text=True, timeout=3000)
    print(r.stdout[-4000:], r.stderr[-2000:])
    last = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0, last
