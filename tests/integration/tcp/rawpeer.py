"""A scripted TCP endpoint for scapy peers: a raw socket on one interface
using an address its namespace's kernel does not own (so the kernel never
resets connections it does not know), answering ARP for that address."""
import select
import socket
import time

from scapy.all import ARP, IP, TCP, Ether, raw


class RawPeer:
    def __init__(self, ifc: str, my_mac: str, my_ip: str):
        self.my_mac, self.my_ip = my_mac, my_ip
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.bind((ifc, 0))

    def send(self, frame):
        self.sock.send(raw(frame))

    def recv(self, timeout: float, match):
        """The next incoming IPv4/TCP frame for which match(ether) is true,
        or None after timeout; ARP requests for our address are answered."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            e = Ether(data)
            if ARP in e and e[ARP].op == 1 and e[ARP].pdst == self.my_ip:
                self.send(Ether(dst=e.src, src=self.my_mac) /
                          ARP(op=2, hwsrc=self.my_mac, psrc=self.my_ip,
                              hwdst=e[ARP].hwsrc, pdst=e[ARP].psrc))
                continue
            if IP in e and TCP in e and e[IP].dst == self.my_ip and match(e):
                return e
