"""The counters exported through DPDK telemetry agree with the traffic sent,
and dpdk-telemetry.py (the operator's tool) lists the /rampart commands."""

import subprocess

import pytest

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


def test_ports_report_link_and_mode(gateway):
    ports = gateway.telemetry("/rampart/ports")
    assert set(ports) == {"port0", "port1"}
    for p in ports.values():
        assert p["driver"] == "net_af_packet"
        assert p["link"] == "up"
        assert p["rx_mode"] == "single"          # one worker
        assert p["tx_queues"] == 1
    assert ports["port0"]["mac"].lower() == gateway.telemetry("/ethdev/info,0")["mac_addr"].lower()


@pytest.mark.gateway(lcores="0@0,1@1,2@1")
def test_ports_with_two_workers_dispatch(gateway):
    for p in gateway.telemetry("/rampart/ports").values():
        assert p["rx_mode"] == "dispatch"       # af_packet has no RSS
        assert p["rx_queues"] == 2 and p["tx_queues"] == 2


def test_dpdk_telemetry_tool_lists_rampart(gateway):
    r = subprocess.run(["dpdk-telemetry.py", "-f", gateway.file_prefix], input="/\n",
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    for cmd in ("/rampart/stats", "/rampart/neigh", "/rampart/workers", "/rampart/config",
                "/rampart/ports",
                "/rampart/ipv4/stats", "/rampart/arp/stats"):
        assert cmd in r.stdout, r.stdout
    r = subprocess.run(["dpdk-telemetry.py", "-f", gateway.file_prefix],
                       input="/rampart/icmp/stats\n", capture_output=True, text=True, timeout=20)
    assert '"rx_echo_request"' in r.stdout, r.stdout
