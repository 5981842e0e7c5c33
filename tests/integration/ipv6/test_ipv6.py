"""IPv6 on the gateway (RFC 8200, 4443, 4861), one worker: echo on the global
and the link-local address, neighbour discovery both ways, and malformed
IPv6 / ICMPv6 / ND packets counted under their drop counter while echo keeps
working. Frames are crafted with scapy and sent from the client namespace
(v6util.wire), which also captures what the gateway sends back.
"""

from __future__ import annotations

import contextlib
import time

import pytest

pytest.importorskip("scapy.all", reason="needs Debian's python3-scapy (/usr/bin/python3)")

from scapy.all import (  # noqa: E402
    Ether, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
    ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, UDP,
)

from rampart import netns_run, ping, wait_until  # noqa: E402

from .v6util import (  # noqa: E402
    ALL_NODES, ALL_NODES_MAC, CLIENT6, GW6, config, counters, gw_mac, icmp6_raw,
    ll_from_mac, mac_of, ns_frame, sn, sn_mac, v6_entry, wire,
)

GATEWAY = {"with_cp": False, "config": config()}


@contextlib.contextmanager
def pushed(gw, cfg):
    """Run with cfg active, then put the previous configuration back."""
    old = gw.get_config()["config"]
    reply = gw.push_config(cfg)
    assert reply["ok"], reply
    try:
        yield
    finally:
        reply = gw.push_config(old)
        assert reply["ok"], reply


@contextlib.contextmanager
def client_address(ns, addr):
    """An extra address on the client, one the gateway has never heard of."""
    netns_run(ns, f"ip -6 addr add {addr}/64 dev eth0 nodad", check=True)
    try:
        yield addr
    finally:
        netns_run(ns, f"ip -6 addr del {addr}/64 dev eth0")


def _reply(frames, ident):
    return [p for p in frames if ICMPv6EchoReply in p and p[ICMPv6EchoReply].id == ident]


def _verify_cksum(pkt, layer):
    sent = pkt[layer].cksum
    ip = pkt[IPv6].copy()
    del ip[layer].cksum
    return IPv6(bytes(ip))[layer].cksum == sent


# ----------------------------------------------------------------- echo

def test_ping6_global(module_gateway):
    assert ping(module_gateway.topo.client, GW6, count=3) == 3


def test_ping6_link_local(module_gateway):
    ll = ll_from_mac(gw_mac(module_gateway))
    assert ping(module_gateway.topo.client, f"{ll}%eth0", count=3) == 3


def test_echo_reply_in_place(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    req = Ether(src=c, dst=g) / IPv6(src=CLIENT6, dst=GW6, tc=0x28, fl=12345) / \
        ICMPv6EchoRequest(id=0x5151, seq=3, data=bytes(range(200)))
    got = _reply(wire(ns, [req], listen=1.5), 0x5151)
    assert got, "no echo reply"
    rep = got[0]
    assert rep[Ether].dst == c and rep[Ether].src == g
    assert rep[IPv6].src == GW6 and rep[IPv6].dst == CLIENT6 and rep[IPv6].hlim == 64
    assert rep[ICMPv6EchoReply].seq == 3 and rep[ICMPv6EchoReply].data == bytes(range(200))
    assert _verify_cksum(rep, ICMPv6EchoReply)


def test_echo_to_all_nodes_answered_from_own_address(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    req = Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=CLIENT6, dst=ALL_NODES) / \
        ICMPv6EchoRequest(id=0x4242, seq=7, data=b"rampart")
    got = _reply(wire(ns, [req], listen=1.5), 0x4242)
    assert got, "no echo reply to an all-nodes echo request"
    assert got[0][IPv6].src == GW6  # our global in the requester's prefix
    assert _verify_cksum(got[0], ICMPv6EchoReply)
    # from a link-local requester: answered from our link-local
    req = Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=ll_from_mac(c), dst=ALL_NODES) / \
        ICMPv6EchoRequest(id=0x4343, seq=1)
    got = _reply(wire(ns, [req], listen=1.5), 0x4343)
    assert got and got[0][IPv6].src == ll_from_mac(g)
    assert _verify_cksum(got[0], ICMPv6EchoReply)


def test_echo_disabled(module_gateway):
    gw = module_gateway
    before = counters(gw)
    with pushed(gw, {**config(), "icmp": {"echo": False}}):
        assert ping(gw.topo.client, GW6, count=2, wait=1) == 0
    after = counters(gw)
    assert after["icmp6.drop_echo_disabled"] - before["icmp6.drop_echo_disabled"] == 2
    assert ping(gw.topo.client, GW6, count=1) == 1


# ----------------------------------------------------------------- ND

def test_nd_entry_after_ping(module_gateway):
    gw = module_gateway
    assert ping(gw.topo.client, GW6, count=2) == 2
    e = wait_until(lambda: v6_entry(gw, CLIENT6), 3, what="ND entry for the client")
    assert e["port"] == 0
    assert e["mac"].lower() == mac_of(gw.topo.client)
    assert e["state"] in ("reachable", "probe")


def test_ns_answered_with_na(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    got = [p for p in wire(ns, [ns_frame(g, c, GW6)], listen=1.5)
           if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == GW6]
    assert got, "no NA for our address"
    na = got[0]
    assert na[Ether].dst == c and na[Ether].src == g
    assert na[IPv6].src == GW6 and na[IPv6].dst == CLIENT6 and na[IPv6].hlim == 255
    assert na[ICMPv6ND_NA].S == 1 and na[ICMPv6ND_NA].O == 1 and na[ICMPv6ND_NA].R == 0
    assert na[ICMPv6NDOptDstLLAddr].lladdr == g
    assert _verify_cksum(na, ICMPv6ND_NA)


def test_unicast_ns_without_slla_answered_to_frame_source(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    got = [p for p in wire(ns, [ns_frame(g, c, GW6, dst=GW6, opts=False)], listen=1.5)
           if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == GW6]
    assert got and got[0][Ether].dst == c and got[0][IPv6].dst == CLIENT6
    assert _verify_cksum(got[0], ICMPv6ND_NA)


def test_ns_for_link_local(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    ll = ll_from_mac(g)
    got = [p for p in wire(ns, [ns_frame(g, c, ll, src=ll_from_mac(c))], listen=1.5)
           if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == ll]
    assert got and got[0][IPv6].src == ll and got[0][IPv6].dst == ll_from_mac(c)


def test_dad_probe_defended_to_all_nodes(module_gateway):
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    before = counters(gw)
    got = [p for p in wire(ns, [ns_frame(g, c, GW6, src="::", opts=False)], listen=1.5)
           if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == GW6]
    assert got, "DAD probe for our address not answered"
    na = got[0]
    assert na[Ether].dst == ALL_NODES_MAC and na[IPv6].dst == ALL_NODES
    assert na[ICMPv6ND_NA].S == 0 and na[ICMPv6ND_NA].O == 1
    assert counters(gw)["icmp6.rx_ns_dad"] > before["icmp6.rx_ns_dad"]


def test_gateway_solicits_unknown_neighbour(module_gateway):
    """An echo request from a host we never heard an NS from: the reply waits
    while the gateway solicits its solicited-node group (nd_build_solicit)."""
    gw = module_gateway
    ns, g, c = gw.topo.client, gw_mac(gw), mac_of(gw.topo.client)
    with client_address(ns, "fd00:10:1::77") as addr:
        assert v6_entry(gw, addr) is None
        req = Ether(src=c, dst=g) / IPv6(src=addr, dst=GW6) / ICMPv6EchoRequest(id=0x6161)
        got = wire(ns, [req], listen=2.0)
        sol = [p for p in got if ICMPv6ND_NS in p and p[ICMPv6ND_NS].tgt == addr]
        assert sol, "the gateway sent no neighbour solicitation"
        s = sol[0]
        assert s[Ether].dst == sn_mac(addr) and s[Ether].src == g
        assert s[IPv6].dst == sn(addr) and s[IPv6].src == GW6 and s[IPv6].hlim == 255
        assert s[ICMPv6NDOptSrcLLAddr].lladdr == g
        assert _verify_cksum(s, ICMPv6ND_NS)
        assert _reply(got, 0x6161), "the held echo reply was not sent after resolution"
        e = wait_until(lambda: v6_entry(gw, addr), 3, what="ND entry")
        assert e["mac"].lower() == c and e["state"] == "reachable"


def test_nd_entry_probed_then_expired(module_gateway):
    gw = module_gateway
    ns = gw.topo.client
    fast = config(**{"reachable-ms": 1000, "retrans-ms": 200, "probes": 2})
    with pushed(gw, fast), client_address(ns, "fd00:10:1::78") as addr:
        r = netns_run(ns, f"ping -6 -n -c 2 -i 0.2 -W 2 -I {addr} {GW6}")
        assert " 0% packet loss" in r.stdout, r.stdout
        wait_until(lambda: v6_entry(gw, addr), 3, what="ND entry")
        # Unicast probes are answered (Linux leaves out the TLLA option): it stays.
        time.sleep(2.5)
        assert v6_entry(gw, addr) is not None
        netns_run(ns, "sysctl -qw net.ipv6.conf.eth0.keep_addr_on_down=1", check=True)
        netns_run(ns, "ip link set eth0 down", check=True)
        try:
            wait_until(lambda: v6_entry(gw, addr) is None, 5, what="ND entry expiry")
        finally:
            netns_run(ns, "ip link set eth0 up", check=True)
            netns_run(ns, f"ip -6 route replace default via {GW6} dev eth0")
            netns_run(ns, "sysctl -qw net.ipv6.conf.eth0.keep_addr_on_down=0")
    wait_until(lambda: ping(ns, GW6, count=1, wait=1) == 1, 10, interval=0.5,
               what="echo after link up")


# ----------------------------------------------------------------- malformed

# Malformed frames come from an address the client kernel does not use, so
# what the gateway might answer them is told apart from its answers to the
# kernel's own ND traffic.
MAL6 = "fd00:10:1::66"


def _cases():
    """(id, builder(gw_mac, client_mac, gw_ll, client_ll) -> frame, counter)."""
    def echo(g, c, **ip):
        ip.setdefault("src", MAL6)
        ip.setdefault("dst", GW6)
        return Ether(src=c, dst=g) / IPv6(**ip) / ICMPv6EchoRequest()

    return [
        ("truncated_header", lambda g, c, gl, cl:
            Ether(src=c, dst=g, type=0x86dd) /
            Raw(bytes(IPv6(src=MAL6, dst=GW6, plen=8))[:30]),
         "ipv6.drop_truncated"),
        ("payload_len_beyond_frame", lambda g, c, gl, cl: echo(g, c, plen=400),
         "ipv6.drop_truncated"),
        ("bad_version", lambda g, c, gl, cl: echo(g, c, version=4), "ipv6.drop_bad_version"),
        ("hop_limit_zero", lambda g, c, gl, cl: echo(g, c, hlim=0), "ipv6.drop_hop_limit"),
        ("src_multicast", lambda g, c, gl, cl: echo(g, c, src="ff02::1"), "ipv6.drop_bad_src"),
        ("src_loopback", lambda g, c, gl, cl: echo(g, c, src="::1"), "ipv6.drop_bad_src"),
        ("src_ours", lambda g, c, gl, cl: echo(g, c, src=GW6), "ipv6.drop_bad_src"),
        ("src_v4mapped", lambda g, c, gl, cl: echo(g, c, src="::ffff:10.10.1.2"),
         "ipv6.drop_bad_src"),
        ("src_unspecified_echo", lambda g, c, gl, cl: echo(g, c, src="::"), "ipv6.drop_bad_src"),
        ("dst_not_ours", lambda g, c, gl, cl: echo(g, c, dst="fd00:10:1::99"),
         "ipv6.drop_not_for_us"),
        ("dst_other_solicited_group", lambda g, c, gl, cl:
            Ether(src=c, dst=sn_mac("fd00:10:1::99")) /
            IPv6(src=MAL6, dst=sn("fd00:10:1::99")) / ICMPv6EchoRequest(),
         "ipv6.drop_not_for_us"),
        ("all_nodes_in_unicast_frame", lambda g, c, gl, cl: echo(g, c, dst=ALL_NODES),
         "ipv6.drop_l2_mismatch"),
        ("unicast_in_multicast_frame", lambda g, c, gl, cl:
            Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=MAL6, dst=GW6) / ICMPv6EchoRequest(),
         "ipv6.drop_l2_mismatch"),
        ("solicited_group_wrong_l2", lambda g, c, gl, cl:
            Ether(src=c, dst="33:33:ff:00:00:99") / IPv6(src=MAL6, dst=sn(GW6), hlim=255) /
            ICMPv6ND_NS(tgt=GW6),
         "ipv6.drop_l2_mismatch"),
        ("hop_by_hop", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / IPv6ExtHdrHopByHop() /
            ICMPv6EchoRequest(),
         "ipv6.drop_ext_header"),
        ("dest_options", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / IPv6ExtHdrDestOpt() /
            ICMPv6EchoRequest(),
         "ipv6.drop_ext_header"),
        ("routing", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / IPv6ExtHdrRouting() /
            ICMPv6EchoRequest(),
         "ipv6.drop_ext_header"),
        ("fragment", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / IPv6ExtHdrFragment(m=1) /
            ICMPv6EchoRequest(),
         "ipv6.drop_fragment"),
        ("udp", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / UDP(sport=1, dport=9),
         "ipv6.drop_no_proto"),
        ("icmp6_truncated", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6, nh=58) / Raw(b"\x80\x00"),
         "icmp6.drop_truncated"),
        ("icmp6_bad_checksum", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / ICMPv6EchoRequest(cksum=0x1234),
         "icmp6.drop_bad_checksum"),
        ("echo_truncated", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6, nh=58) /
            Raw(icmp6_raw(b"\x80\x00\x00\x00\x00\x00", src=MAL6)),  # 6 bytes, checksum right
         "icmp6.drop_truncated"),
        ("ns_hop_limit_64", lambda g, c, gl, cl: ns_frame(g, c, GW6, src=MAL6, hlim=64),
         "icmp6.drop_nd_hop_limit"),
        ("ns_multicast_target", lambda g, c, gl, cl:
            ns_frame(g, c, ALL_NODES, src=MAL6, dst=GW6),
         "icmp6.drop_nd_bad_target"),
        ("ns_option_len_zero", lambda g, c, gl, cl:
            ns_frame(g, c, GW6, src=MAL6, opts=False) / ICMPv6NDOptSrcLLAddr(len=0, lladdr=c),
         "icmp6.drop_nd_bad_option"),
        ("ns_option_overrun", lambda g, c, gl, cl:
            ns_frame(g, c, GW6, src=MAL6, opts=False) / ICMPv6NDOptSrcLLAddr(len=2, lladdr=c),
         "icmp6.drop_nd_bad_option"),
        ("ns_slla_multicast", lambda g, c, gl, cl:
            ns_frame(g, c, GW6, src=MAL6, opts=False) /
            ICMPv6NDOptSrcLLAddr(lladdr="33:33:00:00:00:01"),
         "icmp6.drop_nd_bad_option"),
        ("ns_truncated", lambda g, c, gl, cl:
            Ether(src=c, dst=sn_mac(GW6)) / IPv6(src=MAL6, dst=sn(GW6), hlim=255, nh=58) /
            Raw(icmp6_raw(bytes(ICMPv6ND_NS(tgt=GW6))[:16], src=MAL6, dst=sn(GW6))),
         "icmp6.drop_truncated"),
        ("ns_code_1", lambda g, c, gl, cl:
            Ether(src=c, dst=sn_mac(GW6)) / IPv6(src=MAL6, dst=sn(GW6), hlim=255) /
            ICMPv6ND_NS(tgt=GW6, code=1),
         "icmp6.drop_bad_nd"),
        ("dad_with_slla", lambda g, c, gl, cl: ns_frame(g, c, GW6, src="::"),
         "icmp6.drop_bad_nd"),
        ("dad_to_unicast", lambda g, c, gl, cl: ns_frame(g, c, GW6, src="::", dst=GW6,
                                                         opts=False),
         "icmp6.drop_bad_nd"),
        ("ns_target_not_ours", lambda g, c, gl, cl:
            ns_frame(g, c, "fd00:10:1::99", src=MAL6, dst=GW6),
         "icmp6.drop_not_for_us"),
        ("na_hop_limit_1", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6, hlim=1) /
            ICMPv6ND_NA(tgt=MAL6, S=1) / ICMPv6NDOptDstLLAddr(lladdr=c),
         "icmp6.drop_nd_hop_limit"),
        ("na_solicited_to_all_nodes", lambda g, c, gl, cl:
            Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=MAL6, dst=ALL_NODES, hlim=255) /
            ICMPv6ND_NA(tgt=MAL6, S=1) / ICMPv6NDOptDstLLAddr(lladdr=c),
         "icmp6.drop_bad_nd"),
        ("na_multicast_target", lambda g, c, gl, cl:
            Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=MAL6, dst=ALL_NODES, hlim=255) /
            ICMPv6ND_NA(tgt="ff02::1", S=0),
         "icmp6.drop_nd_bad_target"),
        ("na_claims_our_address", lambda g, c, gl, cl:
            Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=MAL6, dst=ALL_NODES, hlim=255) /
            ICMPv6ND_NA(tgt=GW6, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=c),
         "icmp6.drop_na_conflict"),
        ("router_advertisement", lambda g, c, gl, cl:
            Ether(src=c, dst=ALL_NODES_MAC) / IPv6(src=cl, dst=ALL_NODES, hlim=255) /
            ICMPv6ND_RA(),
         "icmp6.drop_unhandled"),
        ("echo_reply", lambda g, c, gl, cl:
            Ether(src=c, dst=g) / IPv6(src=MAL6, dst=GW6) / ICMPv6EchoReply(),
         "icmp6.drop_unhandled"),
    ]


CASES = _cases()


@pytest.mark.parametrize("build,counter", [(b, k) for _, b, k in CASES],
                         ids=[i for i, _, _ in CASES])
def test_malformed_counted_and_dropped(module_gateway, build, counter):
    gw = module_gateway
    ns = gw.topo.client
    g, c = gw_mac(gw), mac_of(ns)
    frame = build(g, c, ll_from_mac(g), ll_from_mac(c))
    before = counters(gw)
    got = wire(ns, [frame], listen=0.5)
    wait_until(lambda: counters(gw)[counter] > before[counter], 3, what=counter)
    after = counters(gw)
    assert after[counter] - before[counter] == 1
    # nothing answered it
    assert after["icmp6.tx_echo_reply"] == before["icmp6.tx_echo_reply"]
    assert not [p for p in got if IPv6 in p and p[IPv6].dst in (MAL6, ALL_NODES)
                and (ICMPv6EchoReply in p or ICMPv6ND_NA in p)]


def test_still_answering_after_malformed(module_gateway):
    gw = module_gateway
    g, c = gw_mac(gw), mac_of(gw.topo.client)
    before = counters(gw)
    wire(gw.topo.client, [b(g, c, ll_from_mac(g), ll_from_mac(c)) for _, b, _ in CASES] * 20)
    assert ping(gw.topo.client, GW6, count=3) == 3
    assert ping(gw.topo.client, f"{ll_from_mac(g)}%eth0", count=2) == 2
    after = counters(gw)
    for counter in {k for _, _, k in CASES}:
        assert after[counter] > before[counter], counter
