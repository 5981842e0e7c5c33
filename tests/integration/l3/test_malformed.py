"""Malformed frames from a client: each kind is counted under its own drop
counter, nothing is answered, and the gateway keeps answering real pings.

The cases are sent from the client namespace as raw frames (scapy builds
them; a raw socket sends them), five of each, so a counter that moves by
exactly five is ours and not background traffic.

Fragments are not among them: net_af_packet joins a PACKET_FANOUT group with
the DEFRAG flag, so the kernel reassembles (or silently holds) fragments
before the dataplane sees them. tests/unit/test_net_ipv4.c covers them."""

import pytest
from scapy.all import ARP, ICMP, IP, Ether, raw

from rampart import counters, counters_delta, gateway_mac, mac_of, ping, wait_until, wire

GW = "10.10.1.1"
CLIENT = "10.10.1.2"
COPIES = 5


def echo(gw_mac, client_mac, **ip):
    return Ether(dst=gw_mac, src=client_mac) / IP(src=CLIENT, dst=GW, **ip) / ICMP(id=7) / (b"p" * 16)


def set_bytes(frame: bytes, offset: int, value: bytes) -> bytes:
    return frame[:offset] + value + frame[offset + len(value):]


def ip_case(name, gw_mac, client_mac):
    """The frame for one IPv4/ICMP case (Ethernet header is 14 bytes)."""
    good = raw(echo(gw_mac, client_mac))
    if name == "ipv4.drop_truncated":        # 19 bytes of IPv4 header
        return good[:14 + 19]
    if name == "ipv4.drop_bad_checksum":
        return set_bytes(good, 14 + 10, b"\x12\x34")
    if name == "ipv4.drop_bad_version":
        return raw(echo(gw_mac, client_mac, version=5))
    if name == "ipv4.drop_bad_ihl":
        return raw(echo(gw_mac, client_mac, ihl=4))
    if name == "ipv4.drop_bad_length":         # total length below the header
        return raw(echo(gw_mac, client_mac, len=12))
    if name == "ipv4.drop_truncated_total":    # total length beyond the frame
        return raw(echo(gw_mac, client_mac, len=1400))
    if name == "ipv4.drop_options":
        return raw(echo(gw_mac, client_mac, options=b"\x01\x01\x01\x00"))
    if name == "ipv4.drop_ttl":
        return raw(echo(gw_mac, client_mac, ttl=0))
    if name == "ipv4.drop_bad_src":
        return raw(Ether(dst=gw_mac, src=client_mac) / IP(src="127.0.0.1", dst=GW) / ICMP())
    if name == "ipv4.drop_not_for_us":
        return raw(Ether(dst=gw_mac, src=client_mac) / IP(src=CLIENT, dst="10.10.1.99") / ICMP())
    if name == "ipv4.drop_no_proto":
        return raw(Ether(dst=gw_mac, src=client_mac) / IP(src=CLIENT, dst=GW, proto=47) / (b"g" * 8))
    if name == "icmp.drop_bad_checksum":
        return raw(Ether(dst=gw_mac, src=client_mac) / IP(src=CLIENT, dst=GW) / ICMP(chksum=0x1234))
    if name == "icmp.drop_unhandled":
        return raw(Ether(dst=gw_mac, src=client_mac) / IP(src=CLIENT, dst=GW) / ICMP(type=13))
    if name == "eth.drop_not_for_us":
        return raw(echo("02:11:22:33:44:55", client_mac))
    if name == "eth.drop_bad_src":
        return raw(echo(gw_mac, "01:00:5e:00:00:01"))
    if name == "eth.drop_vlan":
        return raw(Ether(dst=gw_mac, src=client_mac, type=0x8100) / (b"\x00\x01\x08\x00" + b"v" * 40))
    if name == "eth.drop_unknown_type":
        return raw(Ether(dst=gw_mac, src=client_mac, type=0x88b5) / (b"x" * 46))
    if name == "arp.drop_truncated":
        return raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=client_mac) / ARP(pdst=GW, psrc=CLIENT, hwsrc=client_mac))[:14 + 27]
    if name == "arp.drop_bad_format":
        return raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=client_mac) / ARP(hwlen=8, pdst=GW, psrc=CLIENT, hwsrc=client_mac))
    if name == "arp.drop_bad_op":
        return raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=client_mac) / ARP(op=7, pdst=GW, psrc=CLIENT, hwsrc=client_mac))
    if name == "arp.drop_bad_sender":          # sender MAC is not the frame's source
        return raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=client_mac) / ARP(pdst=GW, psrc=CLIENT, hwsrc="02:de:ad:be:ef:00"))
    if name == "arp.drop_not_for_us":
        return raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=client_mac) / ARP(pdst="10.10.1.77", psrc=CLIENT, hwsrc=client_mac))
    raise AssertionError(name)


CASES = [
    "ipv4.drop_truncated", "ipv4.drop_bad_checksum", "ipv4.drop_bad_version",
    "ipv4.drop_bad_ihl", "ipv4.drop_bad_length", "ipv4.drop_truncated_total",
    "ipv4.drop_options", "ipv4.drop_ttl", "ipv4.drop_bad_src",
    "ipv4.drop_not_for_us", "ipv4.drop_no_proto", "icmp.drop_bad_checksum",
    "icmp.drop_unhandled", "eth.drop_not_for_us", "eth.drop_bad_src", "eth.drop_vlan",
    "eth.drop_unknown_type", "arp.drop_truncated", "arp.drop_bad_format",
    "arp.drop_bad_op", "arp.drop_bad_sender", "arp.drop_not_for_us",
]

GATEWAY = {}


@pytest.mark.parametrize("case", CASES)
def test_malformed_counted_and_dropped(module_gateway, case):
    gw = module_gateway
    client = gw.topo.client
    counter = "ipv4.drop_truncated" if case == "ipv4.drop_truncated_total" else case
    frame = ip_case(case, gateway_mac(gw), mac_of(client))

    before = counters(gw)
    replies = wire(client, [frame] * COPIES, listen=0.5, ethertype=0x0800)
    after = wait_until(lambda: (c := counters(gw))[counter] - before[counter] >= COPIES and c,
                       timeout=5, what=f"{counter} += {COPIES}")
    delta = counters_delta(before, after)
    if counter == "eth.drop_not_for_us":
        # the client kernel's own multicast (MLD, router solicitations) lands here too
        assert delta[counter] >= COPIES, delta
    else:
        assert delta[counter] == COPIES, delta
    # Nothing answered: no echo reply to our id 7, no ARP reply from the gateway.
    assert not [r for r in replies
                if r[23:24] == b"\x01" and r[34:35] == b"\x00" and r[38:40] == b"\x00\x07"], replies
    assert delta.get("icmp.tx_echo_reply", 0) == 0, delta
    assert delta.get("arp.tx_reply", 0) == 0, delta


def test_still_answers_after_garbage(module_gateway):
    gw = module_gateway
    client = gw.topo.client
    gmac, cmac = gateway_mac(gw), mac_of(client)
    burst = [ip_case(c, gmac, cmac) for c in CASES] * 20
    wire(client, burst)
    assert ping(client, GW, count=3) == 3
    total = sum(v for k, v in counters(gw).items() if ".drop_" in k)
    assert total >= len(burst)
