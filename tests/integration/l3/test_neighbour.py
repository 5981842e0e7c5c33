"""ARP: the gateway learns who asks for it, keeps entries fresh while the
neighbour answers, forgets them when it stops answering, and holds packets
for an unresolved neighbour in a bounded queue."""

import time

import pytest
from scapy.all import ARP, ICMP, IP, Ether, raw

from rampart import (counters, counters_delta, default_config, gateway_mac, mac_of,
                     netns_run, ping, wait_until, wire)


def fast_config(retrans_ms=200):
    cfg = default_config()
    cfg["neighbour"].update({"reachable-ms": 1000, "retrans-ms": retrans_ms, "probes": 2,
                             "pending-max": 3})
    return cfg


def entries(gw):
    return list(gw.telemetry("/rampart/neigh").values())


def entry_for(gw, address):
    return next((e for e in entries(gw) if e["address"] == address), None)


@pytest.mark.gateway(config=fast_config(), with_cp=False)
def test_entry_appears_is_refreshed_and_expires(gateway):
    client = gateway.topo.client
    assert ping(client, "10.10.1.1", count=2) == 2
    e = wait_until(lambda: entry_for(gateway, "10.10.1.2"), timeout=5, what="ARP entry")
    assert e["mac"].lower() == mac_of(client)
    assert e["port"] == 0 and e["family"] == "ipv4"

    # The client answers our unicast probes: the entry outlives reachable-ms.
    time.sleep(2.5)
    assert entry_for(gateway, "10.10.1.2") is not None
    assert counters(gateway)["neigh.tx_solicit"] >= 1

    # The client stops answering ARP: probes go unanswered, the entry goes.
    netns_run(client, "ip link set eth0 arp off", check=True)
    try:
        wait_until(lambda: entry_for(gateway, "10.10.1.2") is None, timeout=10,
                   what="ARP entry expiry")
        assert counters(gateway)["neigh.expired"] >= 1
    finally:
        netns_run(client, "ip link set eth0 arp on", check=True)
    assert ping(client, "10.10.1.1", count=2) == 2


# retrans-ms 1000: the test needs time to answer between our two requests
@pytest.mark.gateway(config=fast_config(retrans_ms=1000), with_cp=False)
def test_unresolved_neighbour_holds_bounded_queue(gateway):
    """Echo requests from an on-link address nobody answers ARP for: the
    gateway asks (broadcast), holds pending-max replies, and drops them all
    when resolution fails. Then the same for an address we answer for: the
    held replies come out addressed to the MAC we claimed."""
    client = gateway.topo.client
    gmac, cmac = gateway_mac(gateway), mac_of(client)
    ghost = "10.10.1.50"

    before = counters(gateway)
    requests = [raw(Ether(dst=gmac, src=cmac) / IP(src=ghost, dst="10.10.1.1") /
                    ICMP(id=9, seq=i)) for i in range(5)]
    seen = wire(client, requests, listen=3.0, ethertype=0x0806)
    asked = [ARP(f[14:]) for f in seen if ARP(f[14:]).pdst == ghost and ARP(f[14:]).op == 1]
    assert len(asked) == 2, seen      # probes = 2, then give up
    d = wait_until(lambda: (c := counters_delta(before, counters(gateway))).get(
        "neigh.failed") and c, timeout=5, what="resolution failure")
    assert d["neigh.drop_pending_full"] == 2   # 5 requests, 3 held
    assert d["neigh.drop_unresolved"] == 3

    # This time answer the gateway's request with a MAC of our choosing.
    claimed = "02:00:00:00:50:51"
    requests = [raw(Ether(dst=gmac, src=cmac) / IP(src="10.10.1.51", dst="10.10.1.1") /
                    ICMP(id=10, seq=i)) for i in range(2)]
    wire(client, requests)
    # The reply carries the frame's source MAC; claim it in the ARP answer.
    answer = raw(Ether(dst=gmac, src=claimed) / ARP(op=2, hwsrc=claimed, psrc="10.10.1.51",
                                                    hwdst=gmac, pdst="10.10.1.1"))
    netns_run(client, "ip link set eth0 promisc on", check=True)
    try:
        seen = wire(client, [answer], listen=1.0, ethertype=0x0800)
    finally:
        netns_run(client, "ip link set eth0 promisc off", check=True)
    replies = [Ether(f) for f in seen if Ether(f).haslayer(ICMP) and Ether(f)[ICMP].type == 0]
    assert [r[ICMP].seq for r in replies] == [0, 1], seen
    assert all(r.dst == claimed and r[IP].dst == "10.10.1.51" for r in replies)
