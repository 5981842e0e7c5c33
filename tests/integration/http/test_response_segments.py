"""Packets per forwarded request: a small answer leaves the gateway as one
segment (its rewritten head and the body read with it in one write), so a
keep-alive GET through a kept upstream connection costs the gateway two
segments sent (the request upstream, the answer to the client) and two
received, not three. Counted on the gateway's own TCP counters over 40
sequential requests on one client connection; the bodies are checked."""

import json
import os
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_peer, netns_run

HERE = Path(__file__).parent
CLIENT = str(HERE / "http_client.py")
BACKEND = str(HERE / "echo_backend.py")
GW = "10.10.1.1"
BACKEND_LOG = Path(f"/tmp/rampart-http-segments-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}.log")
REQUESTS = 40


def segments_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [{"name": "kept", "servers": [{"address": "10.10.2.2", "port": 8000}]}]
    cfg["routes"] = [{"name": "kept", "listener": "web", "path-prefix": "/", "upstream": "kept"}]
    return cfg


GATEWAY = {"config": segments_config(), "with_cp": False}


@pytest.fixture(scope="module")
def backend(module_gateway):
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()
    with netns_peer(module_gateway.topo.backend,
                    ["/usr/bin/python3", BACKEND, "8000", str(BACKEND_LOG), "120"]) as proc:
        yield proc
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()


def responses(data: str) -> list:
    """The JSON bodies of consecutive 200 answers framed by Content-Length."""
    out = []
    while data:
        head, _, rest = data.partition("\r\n\r\n")
        assert head.startswith("HTTP/1.1 200 OK"), head
        n = int(next(l.split(":", 1)[1] for l in head.split("\r\n")
                     if l.lower().startswith("content-length:")))
        out.append(json.loads(rest[:n]))
        data = rest[n:]
    return out


def test_small_answer_is_one_segment(module_gateway, backend):
    gw = module_gateway
    req = "GET /seg/{} HTTP/1.1\r\nHost: api.test\r\n\r\n"
    # warm the upstream pool: the measured requests reuse one connection
    warm = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(
        [{"host": GW, "port": 80, "chunks": [[0, req.format("warm")]], "read_timeout": 1}])],
        timeout=20)
    assert warm.returncode == 0 and "200 OK" in warm.stdout, warm
    before = counters(gw)
    chunks = [[0.02, req.format(i)] for i in range(REQUESTS)]
    chunks.append([0.02, "GET /seg/last HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n"])
    r = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(
        [{"host": GW, "port": 80, "chunks": chunks, "read_timeout": 3}])], timeout=30)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)[0]
    d = counters_delta(before, counters(gw))
    n = REQUESTS + 1
    docs = responses(res["data"])
    assert [doc["target"] for doc in docs] == [f"/seg/{i}" for i in range(REQUESTS)] + ["/seg/last"]
    assert d.get("http.up_reused", 0) >= REQUESTS, d
    # per request: the request upstream and one answer segment; the client
    # connection's handshake and close (about 4) and a few delayed ACKs on top
    per_request = d["tcp.tx"] / n
    assert per_request < 2.5, (per_request, d)
