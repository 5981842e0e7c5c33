"""Helpers for the IPv6 integration tests: addresses, crafted frames sent from
the client namespace, counters and neighbour entries read over telemetry."""

from __future__ import annotations

import ipaddress

from scapy.all import Ether, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6

import rampart
from rampart import default_config

GW6 = "fd00:10:1::1"
CLIENT6 = "fd00:10:1::2"
ALL_NODES = "ff02::1"
ALL_NODES_MAC = "33:33:00:00:00:01"


def config(**neigh) -> dict:
    cfg = default_config()
    cfg["neighbour"].update(neigh)
    return cfg


# ----------------------------------------------------------------- helpers

def wire(ns: str, frames, listen: float = 0.0) -> list:
    """Send frames from ns's eth0; return the IPv6 frames that came in during
    `listen` s, parsed."""
    return [Ether(f) for f in rampart.wire(ns, frames, listen, ethertype=0x86DD)]


mac_of = rampart.mac_of
gw_mac = rampart.gateway_mac


def ll_from_mac(mac: str) -> str:
    b = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + iid))


def sn(addr: str) -> str:
    """Solicited-node group of addr (RFC 4291 2.7.1)."""
    a = ipaddress.IPv6Address(addr).packed
    return str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + a[13:]))


def sn_mac(addr: str) -> str:
    a = ipaddress.IPv6Address(sn(addr)).packed
    return "33:33:" + ":".join(f"{x:02x}" for x in a[12:])


def icmp6_raw(body: bytes, src: str = CLIENT6, dst: str = GW6) -> bytes:
    """An ICMPv6 message from raw bytes (type, code, 2 checksum bytes, ...)
    with its checksum filled over the pseudo-header (RFC 8200 8.1)."""
    ph = (ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed +
          len(body).to_bytes(4, "big") + bytes(3) + b"\x3a")
    data = ph + body[:2] + b"\0\0" + body[4:]
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return body[:2] + (~s & 0xffff).to_bytes(2, "big") + body[4:]


def counters(gw) -> dict:
    out = {}
    for layer in ("ipv6", "icmp6", "eth"):
        for k, v in gw.telemetry(f"/rampart/{layer}/stats").items():
            out[f"{layer}.{k}"] = v
    return out


def neigh_entries(gw) -> list:
    return list((gw.telemetry("/rampart/neigh") or {}).values())


def v6_entry(gw, addr: str):
    for e in neigh_entries(gw):
        if e["family"] == "ipv6" and e["address"] == addr:
            return e
    return None


def ns_frame(gw_mac_: str, cl_mac: str, target: str, *, src=CLIENT6, dst=None, hlim=255,
             opts=True):
    dst = dst or sn(target)
    l2 = sn_mac(target) if dst == sn(target) else gw_mac_
    p = Ether(src=cl_mac, dst=l2) / IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target)
    return p / ICMPv6NDOptSrcLLAddr(lladdr=cl_mac) if opts else p
