"""The proxy with real peers: nginx (Debian) as the backend in the backend
namespace, curl, a raw socket and wrk as clients. Keep-alive on the client
side and on the upstream side (the gateway's pool, seen in nginx's log), chunked
answers from nginx, HEAD / 204 / 304 without bodies on a kept connection, a
large static file compared by SHA-256, and a few seconds of wrk with no
errors and no non-2xx answers."""

import gzip
import hashlib
import json
import os
import re

import pytest

from .peers import curl, GW, Nginx, nginx_upstream, wrk
from rampart import counters, counters_delta, default_config, netns_run, wait_until

CLIENT = str(os.path.join(os.path.dirname(__file__), "http_client.py"))
BIG = 32 << 20
TEXT = b"".join(b"line %06d: the quick brown fox jumps over the lazy dog\n" % i for i in range(4000))


def nginx_gateway_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"max-sessions-per-worker": 512,
                   "timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 5000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [nginx_upstream()]
    cfg["routes"] = [{"name": "all", "listener": "web", "path-prefix": "/", "upstream": "nginx"}]
    return cfg


GATEWAY = {"config": nginx_gateway_config(), "with_cp": False}


@pytest.fixture(scope="module")
def nginx(module_gateway, tmp_path_factory):
    ng = Nginx(module_gateway.topo.backend, tmp_path_factory.mktemp("nginx"), 8080)
    (ng.dir / "www").mkdir(parents=True, exist_ok=True)
    (ng.dir / "www" / "small.txt").write_bytes(b"hello from nginx\n")
    (ng.dir / "www" / "gz").mkdir(exist_ok=True)
    (ng.dir / "www" / "gz" / "text.txt").write_bytes(TEXT)
    (ng.dir / "www" / "big.bin").write_bytes(os.urandom(BIG))
    with ng:
        yield ng


def url(path: str) -> str:
    return f"http://{GW}{path}"


def split_head(raw: bytes) -> tuple[str, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def hdr(head: str, name: str):
    m = re.search(rf"^{name}: (.*)$", head, re.M | re.I)
    return m.group(1).strip() if m else None


def test_static_get_keepalive_client_side(module_gateway, nginx):
    """Three GETs from one curl: one client connection, each answered by
    nginx with our forwarding headers and its Server header dropped."""
    gw = module_gateway
    n0 = len(nginx.access_log())
    r = curl(gw.topo.client, "-i", "-w", "\n@@%{http_code} %{num_connects}\n",
             url("/small.txt"), url("/small.txt?b=2"), url("/gz/text.txt"))
    assert r.returncode == 0, r.stderr
    parts = r.stdout.split(b"\n@@")
    stats = [p.split(b"\n", 1)[0].decode() for p in parts[1:]]
    assert stats == ["200 1", "200 0", "200 0"], stats  # connections opened per transfer
    head, body = split_head(parts[0])
    assert body == b"hello from nginx\n"
    assert hdr(head, "Server") is None, head
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{2}-[0-9a-f]{12}", hdr(head, "X-Request-Id") or ""), head
    log = nginx.access_log()[n0:]
    assert [l["uri"] for l in log] == ["/small.txt", "/small.txt?b=2", "/gz/text.txt"], log
    assert all(l["xff"] == "10.10.1.2" and l["request_id"] for l in log), log
    assert log[0]["request_id"] == hdr(head, "X-Request-Id"), log


def test_keepalive_upstream_side(module_gateway, nginx):
    """Ten requests in a row reach nginx over the pooled upstream
    connection(s), not one connection each."""
    gw = module_gateway
    n0 = len(nginx.access_log())
    r = curl(gw.topo.client, "-o", "/dev/null", *[url(f"/small.txt?k={i}") for i in range(10)])
    assert r.returncode == 0, r.stderr
    log = nginx.access_log()[n0:]
    assert len(log) == 10, log
    assert len({l["conn"] for l in log}) <= 2, log
    assert all(l["connection_hdr"] != "close" for l in log), log


def test_chunked_gzip_from_nginx(module_gateway, nginx):
    """nginx compresses on the fly, so its answer is chunked; the gateway
    relays it byte for byte and the connection stays usable after it."""
    gw = module_gateway
    r = curl(gw.topo.client, "-i", "-H", "Accept-Encoding: gzip",
             "-w", "\n@@%{http_code} %{num_connects}\n", url("/gz/text.txt"), url("/small.txt"))
    assert r.returncode == 0, r.stderr
    parts = r.stdout.split(b"\n@@")
    assert [p.split(b"\n", 1)[0].decode() for p in parts[1:]] == ["200 1", "200 0"], parts[1:]
    head, body = split_head(parts[0])
    assert hdr(head, "Transfer-Encoding") == "chunked", head
    assert hdr(head, "Content-Encoding") == "gzip", head
    assert hdr(head, "Content-Length") is None, head
    assert gzip.decompress(body) == TEXT
    # the same through curl's own decoder, as a client would use it
    r = curl(gw.topo.client, "--compressed", url("/gz/text.txt"))
    assert r.returncode == 0 and r.stdout == TEXT, r.stderr


def read_response(buf: bytes, method: str) -> tuple[int, dict, bytes, bytes]:
    """One response off the front of buf: (status, headers, body, rest).
    The body length follows RFC 9112 6.3: none for HEAD, 1xx, 204, 304."""
    head, sep, rest = buf.partition(b"\r\n\r\n")
    assert sep, buf[:300]
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    h = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        h[k.strip().lower()] = v.strip()
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, h, b"", rest
    if "chunked" in h.get("transfer-encoding", ""):
        body = bytearray()
        while True:
            line, _, rest = rest.partition(b"\r\n")
            n = int(line.split(b";")[0], 16)
            if n == 0:
                _, _, rest = rest.partition(b"\r\n")
                return status, h, bytes(body), rest
            body += rest[:n]
            rest = rest[n + 2:]
    n = int(h.get("content-length", "0"))
    return status, h, rest[:n], rest[n:]


def test_head_204_304_without_bodies(module_gateway, nginx):
    """On one kept client connection: HEAD of the big file (its length,
    no body), 204, a conditional GET answered 304, then a normal GET. Any
    stray body byte would shift the next response and break the parse."""
    gw = module_gateway
    r = curl(gw.topo.client, "-sS", "-I", url("/small.txt"))
    assert r.returncode == 0, r.stderr
    etag = hdr(r.stdout.decode("latin-1"), "ETag")
    assert etag, r.stdout
    before = counters(gw)
    reqs = [("HEAD", "HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("GET", "GET /nocontent HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("GET", f"GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: {etag}\r\n\r\n"),
            ("HEAD", "HEAD /nocontent HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("GET", "GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")]
    # one at a time (each after the previous answer had time to come) and
    # then all pipelined: both must parse the same
    for chunks in ([[0.3 if i else 0, t] for i, (_, t) in enumerate(reqs)],
                   [[0, "".join(t for _, t in reqs)]]):
        job = {"host": GW, "port": 80, "chunks": chunks, "read_timeout": 5}
        res = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps([job])], timeout=30)
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)[0]
        assert out["closed"] and out["error"] is None, out
        buf = out["data"].encode("latin-1")
        got = []
        for method, _ in reqs:
            status, h, body, buf = read_response(buf, method)
            got.append((status, h.get("content-length"), body))
        assert buf == b"", buf[:200]
        assert got[0] == (200, str(BIG), b""), got[0]
        assert got[1][0] == 204 and got[1][2] == b"", got[1]
        assert got[2][0] == 304 and got[2][2] == b"", got[2]
        assert got[3][0] == 204 and got[3][2] == b"", got[3]
        assert got[4] == (200, "17", b"hello from nginx\n"), got[4]
    d = counters_delta(before, counters(gw))
    assert d.get("http.forwarded") == 10 and d.get("http.sessions_opened") == 2, d


def test_http10_client(module_gateway, nginx):
    """An HTTP/1.0 client: the gateway forwards as 1.0, nginx cannot chunk
    its gzip answer for it, so the body ends with the close; the gateway
    relays it whole and closes the client connection."""
    gw = module_gateway
    for extra, want in (("", b"hello from nginx\n"), ("Accept-Encoding: gzip\r\n", None)):
        path = "/small.txt" if want else "/gz/text.txt"
        job = {"host": GW, "port": 80, "read_timeout": 5,
               "chunks": [[0, f"GET {path} HTTP/1.0\r\nHost: a\r\n{extra}\r\n"]]}
        res = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps([job])], timeout=30)
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)[0]
        assert out["closed"] and out["error"] is None and out["seconds"] < 4, out
        head, body = split_head(out["data"].encode("latin-1"))
        assert re.match(r"HTTP/1\.[01] 200 ", head), head
        assert hdr(head, "Transfer-Encoding") is None, head
        if want:
            assert body == want
        else:
            assert hdr(head, "Content-Encoding") == "gzip", head
            assert hdr(head, "Content-Length") is None, head
            assert gzip.decompress(body) == TEXT


def test_large_static_download_sha256(module_gateway, nginx, tmp_path):
    gw = module_gateway
    out = tmp_path / "big.out"
    r = curl(gw.topo.client, "-o", str(out), "-w", "%{http_code} %{size_download} %{speed_download}",
             url("/big.bin"), timeout=120)
    assert r.returncode == 0, r.stderr
    code, size, speed = r.stdout.decode().split()
    assert code == "200" and int(size) == BIG, r.stdout
    want = hashlib.sha256((nginx.dir / "www" / "big.bin").read_bytes()).hexdigest()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == want
    print(f"\n32 MiB download through the gateway: {float(speed) / (1 << 20):.1f} MiB/s")


# Known bug (upstream keep-alive pool, in progress): with more concurrent
# upstream exchanges than keepalive/max-idle (16), some requests get a
# generated 502 counted nowhere (no up_* counter, no resp_5xx); with
# max-idle 64 the same load has none. Remove the mark once fixed.
@pytest.mark.parametrize("conns", [8, 64])
def test_wrk_no_errors(module_gateway, nginx, conns):
    """wrk, 8 and 64 keep-alive connections for 3 s: every request answered
    200, no socket error, and every one of them reached nginx."""
    gw = module_gateway
    before = counters(gw)
    n0 = len(nginx.access_log())
    res = wrk(gw.topo.client, url("/small.txt"), seconds=3, connections=conns, threads=2)
    print(f"\nwrk through the gateway, {conns} connections: {res['requests']} requests, "
          f"{res['rps']:.0f}/s, p99 {res['p99']}")
    d = counters_delta(before, counters(gw))
    http = {k: v for k, v in d.items() if k.startswith("http.")}
    assert res["errors"] == 0, (res["text"], http)
    assert res["non_2xx_3xx"] == 0, (res["text"], http)
    assert res["requests"] >= 100, res["text"]
    assert d.get("http.resp_5xx", 0) == 0 and d.get("http.resp_4xx", 0) == 0, d
    # wrk counts only completed responses; the ones cut by its stop may
    # have reached nginx too
    log = nginx.access_log()[n0:]
    assert res["requests"] <= len(log) <= res["requests"] + conns, (res["requests"], len(log))
    assert all(l["status"] == 200 for l in log)
    # wrk's connections stay open all along (plus the one wrk opens at
    # start to check the address)
    assert d.get("http.sessions_opened") <= conns + 1, d
    assert d.get("http.keepalive_reused") >= d.get("http.requests") - conns - 1, d


def test_connections_released(module_gateway, nginx):
    gw = module_gateway

    def done():
        c = counters(gw)
        return (c["tcp.closed"] >= c["tcp.syn_received"] + c["tcp.active_open"] and
                c["http.sessions_closed"] == c["http.sessions_opened"]) and c
    wait_until(done, timeout=15, what="every TCP connection and HTTP session released")
