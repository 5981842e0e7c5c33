"""The counters exported through DPDK telemetry agree with the traffic sent,
and dpdk-telemetry.py (the operator's tool) lists the /rampart commands."""

import subprocess

from rampart import counters, counters_delta, ping, wait_until


def test_counters_match_traffic(gateway):
    client = gateway.topo.client
    before = counters(gateway)
    assert ping(client, "10.10.1.1", count=7, interval=0.05) == 7
    d = wait_until(lambda: (c := counters_delta(before, counters(gateway))).get(
        "icmp.tx_echo_reply", 0) >= 7 and c, timeout=5, what="7 replies counted")
    assert d["icmp.rx_echo_request"] == 7
    assert d["icmp.tx_echo_reply"] == 7
    assert d["ipv4.rx_local"] >= 7
    assert d["port.rx"] >= 7 and d["port.tx"] >= 7
    # Per-layer commands carry the same values as the combined one.
    icmp = gateway.telemetry("/rampart/icmp/stats")
    assert icmp["tx_echo_reply"] >= before["icmp.tx_echo_reply"] + 7
    workers = gateway.telemetry("/rampart/workers")
    assert sum(w["rx"] for w in workers.values()) >= 7
    assert gateway.telemetry("/rampart/config")["generation"] >= 1


def test_dpdk_telemetry_tool_lists_rampart(gateway):
    r = subprocess.run(["dpdk-telemetry.py", "-f", gateway.file_prefix], input="/\n",
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    for cmd in ("/rampart/stats", "/rampart/neigh", "/rampart/workers", "/rampart/config",
                "/rampart/ipv4/stats", "/rampart/arp/stats"):
        assert cmd in r.stdout, r.stdout
    r = subprocess.run(["dpdk-telemetry.py", "-f", gateway.file_prefix],
                       input="/rampart/icmp/stats\n", capture_output=True, text=True, timeout=20)
    assert '"rx_echo_request"' in r.stdout, r.stdout
