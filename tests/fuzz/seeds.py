#!/usr/bin/python3
"""Write seed corpora for the fuzz targets: python3 seeds.py OUTDIR.

OUTDIR/net_input/: one valid frame of each kind the dataplane answers, first
byte = port (see fuzz_net_input.c; port MACs are 02:00:00:00:00:1p).
OUTDIR/config_parse/: valid and nearly valid config documents.
"""
import json
import os
import sys

from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6
from scapy.compat import raw
from scapy.layers.l2 import ARP, Ether

PORT0 = "02:00:00:00:00:10"
PEER = "02:00:00:00:00:02"


def frames():
    yield "arp_request", Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER) / ARP(
        op=1, hwsrc=PEER, psrc="10.0.0.2", pdst="10.0.0.1")
    yield "arp_reply", Ether(dst=PORT0, src=PEER) / ARP(
        op=2, hwsrc=PEER, psrc="10.0.0.2", hwdst=PORT0, pdst="10.0.0.1")
    yield "echo4", Ether(dst=PORT0, src=PEER) / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP() / (b"x" * 16)
    yield "echo4_offlink", Ether(dst=PORT0, src=PEER) / IP(src="192.0.2.1", dst="10.0.0.1") / ICMP()
    yield "echo6", Ether(dst=PORT0, src=PEER) / IPv6(src="fd00::2", dst="fd00::1") / ICMPv6EchoRequest()
    yield "ns", Ether(dst="33:33:ff:00:00:01", src=PEER) / IPv6(
        src="fd00::2", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="fd00::1") / ICMPv6NDOptSrcLLAddr(lladdr=PEER)


CONFIGS = {
    "full": {"schema": 1, "ports": [
        {"port": 0, "name": "client", "addresses": ["10.0.0.1/24", "fd00::1/64"],
         "gateway4": "10.0.0.254", "gateway6": "fe80::1", "mtu": 1500},
        {"port": 1, "addresses": ["10.0.1.1/31"]}],
        "neighbour": {"reachable-ms": 30000, "retrans-ms": 1000, "probes": 3,
                      "pending-max": 8, "entries-max": 1024},
        "icmp": {"echo": True}},
    "minimal": {"schema": 1, "ports": []},
    "bad_address": {"schema": 1, "ports": [{"port": 0, "addresses": ["10.0.0.300/24"]}]},
}


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "net_input"), exist_ok=True)
    os.makedirs(os.path.join(out, "config_parse"), exist_ok=True)
    for name, frame in frames():
        with open(os.path.join(out, "net_input", name), "wb") as f:
            f.write(b"\x00" + raw(frame))
    for name, doc in CONFIGS.items():
        with open(os.path.join(out, "config_parse", name + ".json"), "w") as f:
            json.dump(doc, f)


if __name__ == "__main__":
    main()
