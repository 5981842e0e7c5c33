"""Forwarding through the gateway to a real backend in the backend namespace
(echo_backend.py logs exactly what it received): header hygiene both ways,
request bodies by Content-Length and chunked, chunked and close-delimited
responses relayed byte for byte, keep-alive on the client side, a refused
smuggling request never reaching the backend, and 502 for a backend that
refuses connections."""

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_run, wait_until, netns_peer

HERE = Path(__file__).parent
CLIENT = str(HERE / "http_client.py")
BACKEND = str(HERE / "echo_backend.py")
GW = "10.10.1.1"
BACKEND_LOG = Path(f"/tmp/rampart-http-backend-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}.log")


def forward_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"limits": {"body": 4 << 20, "chunk": 1 << 20},
                   "timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 3000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [
        # No keep-alive pool here: every request on a new upstream connection
        # with Connection: close (test_upstream_pool.py covers the pool).
        {"name": "pool", "servers": [{"address": "10.10.2.2", "port": 8000}],
         "keepalive": {"max-idle": 0}},
        {"name": "dead", "servers": [{"address": "10.10.2.2", "port": 8001}]},
    ]
    cfg["routes"] = [
        {"name": "api", "listener": "web", "host": "api.test", "path-prefix": "/api",
         "upstream": "pool"},
        {"name": "dead", "listener": "web", "path-prefix": "/dead", "upstream": "dead"},
    ]
    return cfg


GATEWAY = {"config": forward_config(), "with_cp": False}


@pytest.fixture(scope="module")
def backend(module_gateway):
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()
    with netns_peer(module_gateway.topo.backend,
                    ["/usr/bin/python3", BACKEND, "8000", str(BACKEND_LOG), "300"]) as proc:
        yield proc


def backend_requests() -> list:
    if not BACKEND_LOG.exists():
        return []
    return [json.loads(l) for l in BACKEND_LOG.read_text().splitlines() if l.strip()]


def curl(gw, *args, binary=False):
    r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "curl", "-sS", "-i",
                        "--max-time", "10", *args], capture_output=True, timeout=20,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def raw(gw, jobs, timeout=30) -> list:
    for j in jobs:
        j.setdefault("host", GW)
        j.setdefault("port", 80)
    r = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(jobs)], timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def hdr(head: str, name: str):
    m = re.search(rf"^{name}: (.*)$", head, re.M | re.I)
    return m.group(1).strip() if m else None


def test_get_with_header_hygiene(module_gateway, backend):
    gw = module_gateway
    n0 = len(backend_requests())
    head, body = curl(gw, "-H", "Host: api.test", "-H", "X-Forwarded-For: 6.6.6.6",
                      "-H", "X-Request-Id: spoofed", "-H", "Forwarded: for=6.6.6.6",
                      "-H", "Connection: keep-alive, X-Secret", "-H", "X-Secret: 1",
                      "-H", "X-Keep: yes", f"http://{GW}/api/echo?x=1")
    assert head.startswith("HTTP/1.1 200 OK"), head
    assert hdr(head, "Server") is None and hdr(head, "X-Powered-By") is None, head
    rid = hdr(head, "X-Request-Id")
    assert rid and re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{2}-[0-9a-f]{12}", rid), head
    doc = json.loads(body)
    got = backend_requests()[n0:]
    assert len(got) == 1 and got[0] == doc
    h = {}
    for k, v in doc["headers"]:
        h.setdefault(k.lower(), []).append(v)
    assert doc["method"] == "GET" and doc["target"] == "/api/echo?x=1", doc
    assert h["x-forwarded-for"] == ["10.10.1.2"], h
    assert h["forwarded"] == ["for=10.10.1.2;proto=http"], h
    assert h["x-request-id"] == [rid], h
    assert h["connection"] == ["close"], h
    assert "x-secret" not in h and h["x-keep"] == ["yes"] and h["host"] == ["api.test"], h


def test_post_bodies_content_length_and_chunked(module_gateway, backend):
    gw = module_gateway
    data = os.urandom(300_000)
    path = Path(f"/tmp/rampart-http-body-{os.getpid()}.bin")
    path.write_bytes(data)
    try:
        for extra in ([], ["-H", "Transfer-Encoding: chunked"]):
            head, body = curl(gw, "-H", "Host: api.test", "-H", "Expect:", *extra,
                              "--data-binary", f"@{path}", f"http://{GW}/api/upload")
            assert head.startswith("HTTP/1.1 200 OK"), head
            doc = json.loads(body)
            assert doc["body_len"] == len(data), doc
            assert doc["body_sha256"] == hashlib.sha256(data).hexdigest()
        # Expect: 100-continue is answered by the gateway, not forwarded.
        head, body = curl(gw, "-H", "Host: api.test", "-H", "Expect: 100-continue",
                          "--data-binary", f"@{path}", f"http://{GW}/api/upload")
        assert "HTTP/1.1 100 Continue" in head, head
        doc = json.loads(body.split(b"\r\n\r\n", 1)[-1] if body.startswith(b"HTTP/") else body)
        assert doc["body_len"] == len(data)
        assert all(k.lower() != "expect" for k, _ in doc["headers"]), doc
    finally:
        path.unlink()


def test_chunked_and_close_delimited_responses(module_gateway, backend):
    gw = module_gateway
    head, body = curl(gw, "-H", "Host: api.test", f"http://{GW}/api/x/chunked")
    assert hdr(head, "Transfer-Encoding") == "chunked", head
    assert json.loads(body)["target"] == "/api/x/chunked"
    head, body = curl(gw, "-H", "Host: api.test", f"http://{GW}/api/x/close")
    assert hdr(head, "Connection") == "close", head
    assert json.loads(body)["target"] == "/api/x/close"
    # Backend error statuses pass through with their body for now.
    head, body = curl(gw, "-H", "Host: api.test", f"http://{GW}/api/status/404")
    assert head.startswith("HTTP/1.1 404 Whatever"), head


def test_keepalive_and_pipelining_forwarded(module_gateway, backend):
    gw = module_gateway
    before = counters(gw)
    reqs = ("GET /api/1 HTTP/1.1\r\nHost: api.test\r\n\r\n"
            "GET /nope HTTP/1.1\r\nHost: api.test\r\n\r\n"
            "POST /api/3/chunked HTTP/1.1\r\nHost: api.test\r\nContent-Length: 3\r\n\r\nabc"
            "GET /api/4 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n")
    res = raw(gw, [{"chunks": [[0, reqs]], "read_timeout": 5}])[0]
    st = [int(x) for x in re.findall(r"HTTP/1\.1 (\d{3}) ", res["data"])]
    assert st == [200, 404, 200, 200], res
    assert res["closed"], res
    order = re.findall(r'"target": "(/api/\d)[^"]*"', res["data"])
    assert order == ["/api/1", "/api/3", "/api/4"], res["data"]
    d = counters_delta(before, counters(gw))
    assert d.get("http.forwarded") == 3 and d.get("http.sessions_opened") == 1, d


def test_smuggling_never_reaches_backend(module_gateway, backend):
    gw = module_gateway
    n0 = len(backend_requests())
    res = raw(gw, [{"chunks": [[0, "POST /api/s HTTP/1.1\r\nHost: api.test\r\nContent-Length: 4\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/smuggled HTTP/1.1\r\n"
                                   "Host: api.test\r\n\r\n"]], "read_timeout": 3}])[0]
    assert res["data"].startswith("HTTP/1.1 400 "), res
    assert res["closed"]
    assert backend_requests()[n0:] == []


def test_backend_refusing_gives_502(module_gateway, backend):
    gw = module_gateway
    before = counters(gw)
    head, body = curl(gw, f"http://{GW}/dead/x")
    assert head.startswith("HTTP/1.1 502 Bad Gateway"), head
    assert body == b"502 Bad Gateway\n"
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_connect_fail") == 1, d


def test_response_cut_or_stalled_resets_client(module_gateway, backend):
    """Once response bytes went to the client, a backend that closes early
    or stalls (upstream-response-ms, 3 s here) can only be answered by
    resetting the client: the response cannot be completed or replaced."""
    gw = module_gateway
    for path, counter, lo, hi in (("/api/x/cut", "http.up_closed_early", 0, 1.5),
                                  ("/api/x/stall", "http.up_response_timeout", 2.5, 5)):
        before = counters(gw)
        res = raw(gw, [{"chunks": [[0, f"GET {path} HTTP/1.1\r\nHost: api.test\r\n\r\n"]],
                        "read_timeout": 8}])[0]
        assert res["data"].startswith("HTTP/1.1 200 OK\r\n"), res
        assert res["data"].endswith("\r\n\r\n0123456789"), res
        assert res["closed"] and res["error"] == "reset", res
        assert lo <= res["seconds"] <= hi, res
        d = counters_delta(before, counters(gw))
        assert d.get(counter) == 1, d


def test_connections_released(module_gateway, backend):
    """Every client and upstream connection of the tests above is released
    (upstream ones close passively: the backend closes first), and no
    session is left."""
    gw = module_gateway

    def done():
        c = counters(gw)
        return (c["tcp.closed"] >= c["tcp.syn_received"] + c["tcp.active_open"] and
                c["http.sessions_closed"] == c["http.sessions_opened"]) and c
    wait_until(done, timeout=15, what="every TCP connection and HTTP session released")
