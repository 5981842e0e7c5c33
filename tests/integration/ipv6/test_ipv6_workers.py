"""IPv6 with two workers (software dispatch over two af_packet queues): echo,
ND in both directions and drops behave as with one."""

from __future__ import annotations

import pytest

pytest.importorskip("scapy.all", reason="needs Debian's python3-scapy (/usr/bin/python3)")

from scapy.all import (  # noqa: E402
    Ether, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, IPv6, IPv6ExtHdrFragment,
)

from rampart import ping, wait_until  # noqa: E402

from .v6util import (  # noqa: E402
    CLIENT6, GW6, config, counters, gw_mac, ll_from_mac, mac_of, ns_frame, v6_entry, wire,
)

GATEWAY = {"with_cp": False, "config": config(), "lcores": "0@0,1@1,2@1"}


def test_ping6_two_workers(module_gateway):
    gw = module_gateway
    ns = gw.topo.client
    assert ping(ns, GW6, count=5) == 5
    assert ping(ns, f"{ll_from_mac(gw_mac(gw))}%eth0", count=3) == 3
    e = wait_until(lambda: v6_entry(gw, CLIENT6), 3, what="ND entry")
    assert e["mac"].lower() == mac_of(ns)


def test_many_flows_two_workers(module_gateway):
    """Echo ids spread over both workers (the hash covers addresses only, so
    vary the source among link-local and global)."""
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    srcs = [CLIENT6, ll_from_mac(c)]
    dsts = {CLIENT6: GW6, ll_from_mac(c): ll_from_mac(g)}
    reqs = [Ether(src=c, dst=g) / IPv6(src=s, dst=dsts[s]) / ICMPv6EchoRequest(id=0x7000 + i)
            for i, s in enumerate(srcs * 8)]
    reqs.append(ns_frame(g, c, GW6))
    got = wire(ns, reqs, listen=2.0)
    ids = {p[ICMPv6EchoReply].id for p in got if ICMPv6EchoReply in p}
    assert ids >= {0x7000 + i for i in range(16)}
    assert [p for p in got if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == GW6]


def test_drops_two_workers(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    before = counters(gw)
    wire(ns, [ns_frame(g, c, GW6, hlim=64),
              Ether(src=c, dst=g) / IPv6(src=CLIENT6, dst=GW6) / IPv6ExtHdrFragment() /
              ICMPv6EchoRequest()])
    for k in ("icmp6.drop_nd_hop_limit", "ipv6.drop_fragment"):
        wait_until(lambda k=k: counters(gw)[k] == before[k] + 1, 3, what=k)
    assert ping(ns, GW6, count=3) == 3
