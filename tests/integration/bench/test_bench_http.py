"""`scripts/bench http` runs end to end with 1-second windows and prints its
JSON document: rampart-dp's proxy between rampart-load's HTTP client and
backend over net_memif, and nginx as a reverse proxy driven by wrk over
loopback, for a keep-alive GET and a 2 KiB POST. Both sides served requests
with zero errors, every request reached a backend, latency percentiles are
ordered, the ratios are there, and nothing is left behind. Bounded: about
40 s (two fresh gateways, four 1 s windows, two nginx instances)."""

import glob
import json
import os
import subprocess
import time
from pathlib import Path

import rampart

ROOT = Path(__file__).resolve().parents[3]


def test_bench_http_small():
    before = set(glob.glob("/tmp/rampart-bench.*"))
    t0 = time.monotonic()
    r = subprocess.run([str(ROOT / "scripts" / "bench"), "http", "--build-dir", str(rampart.build_dir()),
                        "--no-build", "--duration", "1", "--warmup", "0.5", "--connections", "16"],
                       capture_output=True, text=True, timeout=180, env=dict(os.environ))
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    doc = json.loads(r.stdout)
    print(f"bench http took {took:.1f} s: rampart {doc['rampart']}, nginx {doc['nginx']}, "
          f"ratio {doc['ratio']}")
    assert doc["bench"] == "http" and doc["workers"] == 1 and doc["connections"] == 16
    assert doc["duration_s"] == 1 and doc["errors"] == []
    assert "2048-byte body" in doc["workloads"]["post"]["request"]
    for side in ("rampart", "nginx"):
        for wl in ("get", "post"):
            res = doc[side][wl]
            assert res is not None, (side, wl, doc["runs"])
            assert res["rps"] > 0 and res["requests"] > 0, (side, wl, res)
            assert res["errors"] == 0, (side, wl, res)
            assert 0 < res["p50_us"] <= res["p99_us"] <= res["max_us"] * 1.07, (side, wl, res)
            # every answered request went through the proxy to a backend
            assert res["backend_requests"] >= res["requests"] - doc["connections"], (side, wl, res)
    for key in ("get_rps", "post_rps", "get_rps_per_busy_cpu_s", "post_rps_per_busy_cpu_s"):
        assert doc["ratio"][key] > 0, (key, doc["ratio"])
    # the gateway forwarded what rampart-load's client counted, on kept connections
    for wl in ("get", "post"):
        run = doc["runs"][f"rampart_{wl}"]
        cnt = run["dut_counters_nonzero"]
        win = run["loadgen"]["window"]
        assert cnt["http.forwarded"] >= win["rounds"], (cnt, win)
        assert cnt.get("http.up_reused", 0) > 0, cnt
        assert run["loadgen"]["server_window"]["bad_reply"] == 0
    assert set(glob.glob("/tmp/rampart-bench.*")) <= before, "bench left its state behind"
    assert took < 120, f"bench http took {took:.0f} s"
