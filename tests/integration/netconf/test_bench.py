"""`scripts/bench netconf` runs end to end on a small workload and prints
its JSON document: every measurement present, the rules all read back,
running left as it was, no reference (none installed), its private state
removed afterwards."""

import glob
import json
import subprocess
from pathlib import Path

import pytest

import rampart

ROOT = Path(__file__).resolve().parents[3]


def test_bench_netconf_small():
    pytest.importorskip("ncclient", reason="needs Debian's python3-ncclient")
    before = set(glob.glob("/tmp/rampart-bench.*"))
    r = subprocess.run([str(ROOT / "scripts" / "bench"), "netconf", "--build-dir",
                        str(rampart.build_dir()), "--no-build", "--entries", "300", "--rounds", "2"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    assert doc["bench"] == "netconf" and doc["entries"] == 300
    for client in ("rampart", "ncclient"):
        res = doc[client]
        for key in ("commit_10k_ms", "one_leaf_edit_ms", "get_config_ms",
                    "get_config_first_after_change_ms", "remove_10k_ms", "rpc_floor_ms"):
            assert isinstance(res[key], (int, float)) and res[key] > 0, (client, key, res)
        assert res["get_config_rules"] >= 300
    srv = doc["rampart_server_handler"]
    assert all(isinstance(srv[k], (int, float)) for k in ("commit_10k_ms", "one_leaf_edit_ms",
                                                           "get_config_ms",
                                                           "get_config_first_after_change_ms"))
    targets = {"commit_10k", "one_leaf_edit", "get_config", "get_config_first_after_change"}
    assert set(doc["targets_met"]) == targets and set(doc["targets_margin_pct"]) == targets
    # the margin is the target's distance from the headline figure
    for k in targets:
        want = 100.0 * (doc["targets_ms"][k] - doc["rampart"][k + "_ms"]) / doc["targets_ms"][k]
        assert abs(doc["targets_margin_pct"][k] - want) < 0.1, (k, doc["targets_margin_pct"])
    assert doc["rampart_cp_rss_kib"]["peak_VmHWM"] > 0
    assert doc["reference"] is None and "netopeer2" in doc["reference_note"]
    assert "error" not in doc
    assert set(glob.glob("/tmp/rampart-bench.*")) <= before, "bench left its state behind"
