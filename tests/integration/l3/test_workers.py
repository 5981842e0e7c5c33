"""Two workers on one CPU (--lcores 0@0,1@1,2@1) with af_packet ports, which
have no RSS: the software dispatcher hashes each packet and hands it to the
worker that owns its flow. Many client addresses make many flows; all are
answered and both workers do work."""

import pytest

from rampart import netns_run, ping, wait_until

SOURCES = [f"10.10.1.{i}" for i in range(10, 26)]


@pytest.mark.gateway(lcores="0@0,1@1,2@1")
def test_two_workers_share_the_flows(gateway):
    client = gateway.topo.client
    for a in SOURCES:
        netns_run(client, f"ip addr add {a}/24 dev eth0", check=True)
    try:
        for a in SOURCES:
            r = netns_run(client, f"ping -n -c 2 -i 0.05 -W 2 -I {a} 10.10.1.1", timeout=20)
            assert " 2 received" in r.stdout, (a, r.stdout)
    finally:
        for a in SOURCES:
            netns_run(client, f"ip addr del {a}/24 dev eth0")
    workers = gateway.telemetry("/rampart/workers")
    assert len(workers) == 2
    port = gateway.telemetry("/rampart/port/stats")
    assert port["handoff_out"] > 0 and port["handoff_drop_full"] == 0, port
    # each worker answered some of the flows: replies leave from the owner
    assert all(w["tx"] > 0 for w in workers.values()), workers
    assert ping(client, "10.10.1.1", count=3) == 3
