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
import select
import socket
import sys
import time

from scapy.all import ARP, IP, TCP, Ether, Raw, raw

ifc, my_mac, my_ip, port, seconds = sys.argv[1:6]
port, seconds = int(port), float(seconds)
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
sock.bind((ifc, 0))
out = {}
gw = {}
ISS = 5000


def recv(timeout):
    """The next TCP segment to MY_IP:PORT (answering ARP meanwhile)."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        data, addr = sock.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        e = Ether(data)
        if ARP in e and e[ARP].op == 1 and e[ARP].pdst == my_ip:
            sock.send(raw(Ether(dst=e.src, src=my_mac) /
                          ARP(op=2, hwsrc=my_mac, psrc=my_ip, hwdst=e[ARP].hwsrc,
                              pdst=e[ARP].psrc)))
            continue
        if IP in e and TCP in e and e[IP].dst == my_ip and e[TCP].dport == port:
            gw.update(mac=e.src, ip=e[IP].src, port=e[TCP].sport)
            return e[TCP]


def send(flags, seq, ack, data=b""):
    p = Ether(dst=gw["mac"], src=my_mac) / IP(src=my_ip, dst=gw["ip"]) / \
        TCP(sport=port, dport=gw["port"], flags=flags, seq=seq, ack=ack, window=65535,
            options=[("MSS", 1400)] if "S" in flags else [])
    sock.send(raw(p / Raw(data) if data else p))


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
