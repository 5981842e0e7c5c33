#!/usr/bin/python3
"""A scripted TCP peer (scapy over a raw socket, inside the client namespace)
for the RFC 5961 checks on the wire. It uses an address the client kernel
does not own (so the kernel never resets the connection it does not know),
announces it to the gateway with an ARP request and answers ARP for it.

  rfc5961_peer.py IFNAME GW_MAC MY_MAC GW_IP MY_IP PORT

Prints one JSON line of booleans (each step's expectation) and details.
"""
import json
import random
import sys
import time

from scapy.all import ARP, IP, TCP, Ether, Raw

from rawpeer import RawPeer

ifc, gw_mac, my_mac, gw_ip, my_ip, port = sys.argv[1:7]
port = int(port)
sport = random.randint(20000, 60000)
peer = RawPeer(ifc, my_mac, my_ip)
out = {}


def send(pkt):
    peer.send(Ether(dst=gw_mac, src=my_mac) / pkt)


def seg(flags, seq, ack, data=b""):
    p = IP(src=my_ip, dst=gw_ip) / TCP(sport=sport, dport=port, flags=flags, seq=seq,
                                       ack=ack, window=65535)
    return p / Raw(data) if data else p


def recv(timeout=2.0):
    """The next TCP segment of our connection."""
    e = peer.recv(timeout, lambda e: e[IP].src == gw_ip and e[TCP].dport == sport)
    return None if e is None else e[TCP]


def recv_data(want, timeout=3.0):
    """Collect payload until `want` bytes arrived; returns (bytes, last seg)."""
    got, last = b"", None
    end = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < end:
        t = recv(end - time.monotonic())
        if t is None:
            break
        last = t
        got += bytes(t.payload)
    return got, last


def main():
    send(ARP(op=1, hwsrc=my_mac, psrc=my_ip, pdst=gw_ip))
    time.sleep(0.2)
    seq = 1000
    send(seg("S", seq, 0))
    sa = recv(3.0)
    out["synack"] = sa is not None and sa.flags == "SA" and sa.ack == seq + 1
    if not out["synack"]:
        return
    seq += 1
    rcv = sa.seq + 1
    send(seg("A", seq, rcv))
    send(seg("PA", seq, rcv, b"hello"))
    got, _ = recv_data(5)
    out["echo1"] = got == b"hello"
    seq += 5
    rcv += len(got)
    send(seg("A", seq, rcv))
    time.sleep(0.1)
    while recv(0.1) is not None:      # a late delayed ACK, if any
        pass

    # RFC 5961 3.2: in-window RST, wrong sequence: challenge ACK.
    send(seg("R", seq + 100, 0))
    t = recv(2.0)
    out["rst_challenge_ack"] = t is not None and t.flags == "A" and t.ack == seq
    # RFC 5961 4.2: SYN on the established connection: challenge ACK.
    send(seg("S", seq + 10, 0))
    t = recv(2.0)
    out["syn_challenge_ack"] = t is not None and t.flags == "A" and t.ack == seq
    # The connection survived both.
    send(seg("PA", seq, rcv, b"again"))
    got, _ = recv_data(5)
    out["survived"] = got == b"again"
    seq += 5
    rcv += len(got)
    send(seg("A", seq, rcv))
    time.sleep(0.1)
    while recv(0.1) is not None:
        pass
    # Outside the window: dropped (answered with an ACK for what we expect).
    send(seg("PA", seq + 10_000_000, rcv, b"far away"))
    t = recv(2.0)
    out["out_of_window_acked"] = t is not None and t.flags == "A" and t.ack == seq and \
        len(t.payload) == 0
    out["out_of_window_no_echo"] = recv(0.5) is None
    # Exact-sequence RST: the connection is gone; an ACK now meets the
    # listener, which answers RST (RFC 9293 3.10.7.2).
    send(seg("R", seq, 0))
    time.sleep(0.3)
    send(seg("A", seq, rcv))
    t = recv(2.0)
    out["exact_rst_closed"] = t is not None and "R" in str(t.flags)


try:
    main()
finally:
    print(json.dumps(out))
