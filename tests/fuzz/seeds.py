#!/usr/bin/python3
"""Write seed corpora for the fuzz targets: python3 seeds.py OUTDIR.

OUTDIR/net_input/: one valid frame of each kind the dataplane answers, first
byte = port (see fuzz_net_input.c; port MACs are 02:00:00:00:00:1p).
OUTDIR/config_parse/: valid and nearly valid config documents.
OUTDIR/http_parse/: valid requests (GET, POST with Content-Length, chunked
with an extension, pipelined, absolute-form), first 4 bytes = chunking seed
and limit choice (see fuzz_http_parse.c).
OUTDIR/seclang/: a few CRS-shaped rule files (see fuzz_seclang.c).
OUTDIR/waf_tfn/: chain header (5 bytes) + value (see fuzz_waf_tfn.c).
"""
import json
import os
import sys

from scapy.layers.inet import ICMP, IP, TCP
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


HTTP_REQUESTS = {
    "get": b"GET /a/b?x=1&y=%41+b HTTP/1.1\r\nHost: example.com\r\nCookie: a=1; b=2\r\n\r\n",
    "post_cl": b"POST /api/v1/items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
               b"Content-Length: 13\r\n\r\n{\"name\":\"x\"}",
    "chunked": b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    "pipelined": b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /%2e%2e//x/./y HTTP/1.0\r\n\r\n",
    "absolute": b"GET http://example.com:80/x HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "trailer": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"1\r\nx\r\n0\r\nX-T: 1\r\n\r\n",
}


# fuzz_tcp_input.c record: ctl, len, TCP header + payload. ctl bits: 1 seq :=
# our last ACK, 2 ack := our last segment's end, 4 keep checksum, 8 discard
# port, 0x30 source port, 0xc0 clock step.
SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None),
            ("WScale", 7)]


def rec(ctl: int, seg) -> bytes:
    b = raw(seg)
    return bytes([ctl, len(b)]) + b


def tcp_sequences():
    syn = rec(0, TCP(sport=1, dport=7, seq=1000, flags="S", window=65535, options=SYN_OPTS))
    ack = rec(3, TCP(flags="A", window=65535))
    yield "handshake_data_fin", (syn + ack + rec(3, TCP(flags="PA") / b"hello") +
                                 rec(3, TCP(flags="A")) + rec(3, TCP(flags="FA")) +
                                 rec(3 | 0x40, TCP(flags="A")))
    yield "out_of_order", (syn + ack + rec(2, TCP(seq=1006, flags="A") / b"world") +
                           rec(2, TCP(seq=1001, flags="A") / b"hello") + rec(0x80, TCP(flags="A")))
    yield "rst_in_window", syn + ack + rec(2, TCP(seq=1100, flags="R")) + rec(3, TCP(flags="R"))
    yield "syn_established", syn + ack + rec(3, TCP(flags="S"))
    yield "rto", syn + ack + rec(3, TCP(flags="A") / b"abc") + rec(0xc0, TCP(flags="A"))
    yield "discard", rec(8, TCP(sport=1, seq=5, flags="S")) + rec(11, TCP(flags="A") / (b"d" * 100))
    # The backlog is 2 in the harness: the third SYN (port 2) gets a cookie,
    # its ACK (with timestamps, data) opens the connection from the cookie;
    # a fourth (port 3) answers its cookie with a wrong ACK.
    syn1 = rec(0x10, TCP(sport=1, dport=7, seq=2000, flags="S", window=65535))
    syn2 = rec(0x20, TCP(sport=1, dport=7, seq=3000, flags="S", window=65535, options=SYN_OPTS))
    syn3 = rec(0x30, TCP(sport=1, dport=7, seq=4000, flags="S", window=65535))
    yield "syn_cookie", (syn + syn1 + syn2 +
                         rec(0x23, TCP(flags="PA", window=65535,
                                       options=[("NOP", None), ("NOP", None),
                                                ("Timestamp", (2, 0))]) / b"hi") +
                         syn3 + rec(0x31, TCP(flags="A", ack=12345)) + rec(0x30, TCP(flags="A")))
    yield "syn_cookie_no_ts", syn + syn1 + syn3 + rec(0x33, TCP(flags="A") / b"x") + rec(0x80, TCP(flags="A"))


SECLANG = {
    "rule": b'SecRule REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|ARGS_NAMES|ARGS|XML:/* \\\n'
            b'    "@rx (?i)union\\s+select" \\\n'
            b'    "id:942100,phase:2,block,capture,t:none,t:urlDecodeUni,\\\n'
            b"    msg:'SQL Injection',tag:'paranoia-level/1',severity:'CRITICAL',\\\n"
            b"    setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n",
    "gate_chain": b'SecRule TX:EXECUTING_PARANOIA_LEVEL "@lt 2" "id:1,phase:1,pass,nolog,skipAfter:END"\n'
                  b'SecRule REQUEST_METHOD "!@within %{tx.allowed_methods}" "id:2,phase:1,block,chain"\n'
                  b'    SecRule &REQUEST_HEADERS:Host "@eq 0" "t:none"\n'
                  b'SecMarker "END"\n',
    "action_pm": b'SecAction "id:900000,phase:1,pass,nolog,setvar:tx.paranoia_level=1"\n'
                 b'SecRule REQUEST_HEADERS:User-Agent "@pmFromFile scanners-user-agents.data" '
                 b'"id:913100,phase:1,block,t:none,t:lowercase"\n',
}

WAF_TFN = {
    "urldecodeuni_lower": bytes([1, 3, 1, 0, 0]) + b"%u0041%2e%2E/%uff0e%c0%af",
    "html_js_css": bytes([2, 4, 5, 6, 0]) + b"&#x3c;\\x41\\u0042\\41 &lt;",
    "cmdline_path": bytes([3, 12, 13, 14, 15]) + b"C:\\a\\..\\b /c \"NET\" \xc3\xa9",
}


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "net_input"), exist_ok=True)
    os.makedirs(os.path.join(out, "config_parse"), exist_ok=True)
    os.makedirs(os.path.join(out, "http_parse"), exist_ok=True)
    for name, frame in frames():
        with open(os.path.join(out, "net_input", name), "wb") as f:
            f.write(b"\x00" + raw(frame))
    os.makedirs(os.path.join(out, "tcp_input"), exist_ok=True)
    for name, data in tcp_sequences():
        with open(os.path.join(out, "tcp_input", name), "wb") as f:
            f.write(data)
    for name, doc in CONFIGS.items():
        with open(os.path.join(out, "config_parse", name + ".json"), "w") as f:
            json.dump(doc, f)
    for sub, seeds in (("seclang", SECLANG), ("waf_tfn", WAF_TFN)):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, sub, name), "wb") as f:
                f.write(data)
    for i, (name, req) in enumerate(HTTP_REQUESTS.items()):
        with open(os.path.join(out, "http_parse", name), "wb") as f:
            f.write(bytes([2 if name == "trailer" else 0, 0, 0, 7 + i]) + req)


if __name__ == "__main__":
    main()
