"""Slowloris and slow-POST clients while wrk drives normal traffic through
the gateway to nginx: the slow ones are cut with 408 at the configured
timeouts (header-read-ms for a head that never ends, body-idle-ms for a body
that stops), and wrk sees no error, no non-2xx answer, and keeps its pace.

Note: body-idle restarts on every body byte, so a POST that trickles one
byte just inside body-idle-ms is not cut by it (bounded only by the body
limit); a minimum body rate is not implemented."""

import json
import os

import pytest

from .peers import GW, Nginx, nginx_upstream, wrk, WrkRun
from rampart import counters, counters_delta, default_config, netns_run, wait_until

CLIENT = str(os.path.join(os.path.dirname(__file__), "http_client.py"))
HEADER_READ_MS = 1500
BODY_IDLE_MS = 1500
N_SLOW = 16


def slow_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"max-sessions-per-worker": 512,
                   "timeouts": {"header-read-ms": HEADER_READ_MS, "body-idle-ms": BODY_IDLE_MS,
                                "upstream-connect-ms": 2000, "upstream-response-ms": 5000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [nginx_upstream()]
    cfg["routes"] = [{"name": "all", "listener": "web", "path-prefix": "/", "upstream": "nginx"}]
    return cfg


GATEWAY = {"config": slow_config(), "with_cp": False}


@pytest.fixture(scope="module")
def nginx(module_gateway, tmp_path_factory):
    ng = Nginx(module_gateway.topo.backend, tmp_path_factory.mktemp("nginx"), 8080)
    (ng.dir / "www").mkdir(parents=True, exist_ok=True)
    (ng.dir / "www" / "small.txt").write_bytes(b"hello from nginx\n")
    with ng:
        yield ng


def slowloris() -> dict:
    # a header line every 0.4 s for 6 s: never a complete head
    chunks = [[0, "GET /small.txt HTTP/1.1\r\nHost: a\r\n"]]
    chunks += [[0.4, f"X-Slow-{i}: {i}\r\n"] for i in range(15)]
    return {"host": GW, "port": 80, "chunks": chunks, "read_timeout": 4}


def slow_post() -> dict:
    # a PUT nginx stores (it waits for the whole body): the head and 2 of
    # 100 body bytes, then a pause longer than body-idle
    return {"host": GW, "port": 80, "read_timeout": 4,
            "chunks": [[0, "PUT /up/slow.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab"],
                       [4, "cd"]]}


def test_slow_clients_cut_while_wrk_is_served(module_gateway, nginx):
    gw = module_gateway
    # wrk alone first: the pace to compare with
    alone = wrk(gw.topo.client, f"http://{GW}/small.txt", seconds=2, connections=4)
    assert alone["errors"] == 0 and alone["non_2xx_3xx"] == 0, alone["text"]

    before = counters(gw)
    load = WrkRun(gw.topo.client, f"http://{GW}/small.txt", seconds=6, connections=4)
    try:
        jobs = [slowloris() for _ in range(N_SLOW)] + [slow_post() for _ in range(N_SLOW)]
        r = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(jobs)], timeout=60)
        assert r.returncode == 0, r.stderr
        res = json.loads(r.stdout)
    finally:
        out = load.result()
    print(f"\nwrk alone {alone['rps']:.0f} req/s (p99 {alone['p99']}); with {2 * N_SLOW} slow "
          f"clients {out['rps']:.0f} req/s (p99 {out['p99']})")
    for i, x in enumerate(res):
        assert x["data"].startswith("HTTP/1.1 408 "), (i, x)
        assert x["closed"], (i, x)
        # cut at the timeout (counted from the first byte), not by the client
        assert HEADER_READ_MS / 1000 - 0.1 <= x["seconds"] <= HEADER_READ_MS / 1000 + 1.5, (i, x)
    assert out["errors"] == 0, out["text"]
    assert out["non_2xx_3xx"] == 0, out["text"]
    # normal clients kept being served: at least a third of the pace alone
    assert out["rps"] >= alone["rps"] / 3, (alone["rps"], out["rps"])
    d = counters_delta(before, counters(gw))
    assert d.get("http.timeout_header") == N_SLOW, d
    assert d.get("http.timeout_body") == N_SLOW, d


def test_connections_released(module_gateway, nginx):
    gw = module_gateway

    def done():
        c = counters(gw)
        return (c["tcp.closed"] >= c["tcp.syn_received"] + c["tcp.active_open"] and
                c["http.sessions_closed"] == c["http.sessions_opened"]) and c
    wait_until(done, timeout=15, what="every TCP connection and HTTP session released")
