#!/usr/bin/python3
"""A scripted upstream (scapy over a raw socket, inside the backend namespace)
that answers the gateway's active open with a simultaneous open (RFC 9293
3.10.7.3): our SYN crosses the gateway's, the gateway must answer SYN-ACK
(SYN-RECEIVED), and our SYN-ACK completes the handshake. It uses an address
the backend kernel does not own and answers ARP for it.

  simopen_peer.py IFNAME MY_MAC MY_IP PORT SECONDS

Prints "ready", then one JSON line: each step's expectation and details.
"""
import json
import sys
import time

from scapy.all import IP, TCP, Ether, Raw

from rawpeer import RawPeer

ifc, my_mac, my_ip, port, seconds = sys.argv[1:6]
port, seconds = int(port), float(seconds)
peer = RawPeer(ifc, my_mac, my_ip)
out = {}
gw = {}
ISS = 5000


def recv(timeout):
    """The next TCP segment to MY_IP:PORT; remembers who sent it."""
    e = peer.recv(timeout, lambda e: e[TCP].dport == port)
    if e is None:
        return None
    gw.update(mac=e.src, ip=e[IP].src, port=e[TCP].sport)
    return e[TCP]


def send(flags, seq, ack, data=b""):
    p = Ether(dst=gw["mac"], src=my_mac) / IP(src=my_ip, dst=gw["ip"]) / \
        TCP(sport=port, dport=gw["port"], flags=flags, seq=seq, ack=ack, window=65535,
            options=[("MSS", 1400)] if "S" in flags else [])
    peer.send(p / Raw(data) if data else p)


def main():
    print("ready", flush=True)
    syn = recv(seconds)
    out["syn"] = syn is not None and syn.flags == "S"
    if not out["syn"]:
        return
    iss = syn.seq
    send("S", ISS, 0)                       # crosses the gateway's SYN
    sa = recv(3.0)
    out["synack"] = sa is not None and sa.flags == "SA" and sa.seq == iss and sa.ack == ISS + 1
    out["synack_seen"] = None if sa is None else str(sa.flags)
    if not out["synack"]:
        return
    send("SA", ISS, iss + 1)                # completes it
    got = b""
    end = time.monotonic() + 3.0
    while len(got) < 5 and time.monotonic() < end:
        t = recv(end - time.monotonic())
        if t is not None and bytes(t.payload):
            got += bytes(t.payload)
    out["data"] = got.decode(errors="replace")
    out["relayed"] = got == b"hello"
    send("R", ISS + 1, 0)


main()
print(json.dumps(out), flush=True)
