"""`scripts/bench tcp` runs end to end with tiny windows and prints its JSON
document: rampart-dp's echo service driven by rampart-load over net_memif
and the kernel reference over loopback, each with non-zero connections/s and
Gbit/s, the ratios, the run parameters, and nothing left behind. Bounded:
about 30 s (two fresh DUTs, four 1 s windows)."""

import glob
import json
import os
import subprocess
import time
from pathlib import Path

import rampart

ROOT = Path(__file__).resolve().parents[3]


def test_bench_tcp_small():
    before = set(glob.glob("/tmp/rampart-bench.*"))
    env = dict(os.environ)
    t0 = time.monotonic()
    r = subprocess.run([str(ROOT / "scripts" / "bench"), "tcp", "--build-dir", str(rampart.build_dir()),
                        "--no-build", "--duration", "1", "--warmup", "0.5", "--concurrency", "32",
                        "--bulk-connections", "2"],
                       capture_output=True, text=True, timeout=120, env=env)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    doc = json.loads(r.stdout)
    print(f"bench tcp took {took:.1f} s: rampart {doc['rampart']}, kernel {doc['kernel']}, "
          f"ratio {doc['ratio']}")
    assert doc["bench"] == "tcp" and doc["workers"] == 1
    assert doc["duration_s"] == 1 and doc["cps_workload"]["concurrency"] == 32
    assert doc["bulk_workload"]["connections"] == 2
    for side in ("rampart", "kernel"):
        assert doc[side]["cps_per_core"] > 0, (side, doc[side])
        assert doc[side]["bulk_gbps_per_core"] > 0, (side, doc[side])
    assert doc["ratio"]["cps"] > 0 and doc["ratio"]["bulk"] > 0
    assert doc["errors"] == []
    cps = doc["runs"]["rampart_cps"]
    # the load generator saw clean sessions only, and the DUT served them
    win = cps["loadgen"]["window"]
    assert win["completed"] > 0 and win["closed_reset"] == 0 and win["short_reply"] == 0, win
    assert cps["dut_counters_nonzero"]["tcp.opened"] >= win["completed"]
    assert doc["runs"]["kernel_cps"]["client"]["failed"] == 0
    assert set(glob.glob("/tmp/rampart-bench.*")) <= before, "bench left its state behind"
    assert took < 60, f"bench tcp took {took:.0f} s"
