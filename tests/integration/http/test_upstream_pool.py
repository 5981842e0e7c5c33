"""The per-worker upstream keep-alive pool, proven from the echo backend's
log (each line names the backend-side TCP connection it came on): reuse
across client connections, the idle timeout, max-requests per connection,
a pooled connection the backend drops when the next request arrives (an
idempotent GET goes out again on a fresh connection; a POST is answered
502 and never sent twice), HTTP/1.0 backends and clients."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, wait_until, netns_peer

HERE = Path(__file__).parent
BACKEND = str(HERE / "echo_backend.py")
GW = "10.10.1.1"
BACKEND_LOG = Path(f"/tmp/rampart-http-pool-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}.log")


def pool_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 3000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    srv = [{"address": "10.10.2.2", "port": 8000}]
    cfg["upstreams"] = [
        {"name": "pool", "servers": srv},
        {"name": "short", "servers": srv, "keepalive": {"idle-timeout-ms": 300}},
        {"name": "three", "servers": srv, "keepalive": {"max-requests": 3}},
        {"name": "nopool", "servers": srv, "keepalive": {"max-idle": 0}},
    ]
    cfg["routes"] = [
        {"name": "pool", "listener": "web", "path-prefix": "/p", "upstream": "pool"},
        {"name": "short", "listener": "web", "path-prefix": "/s", "upstream": "short"},
        {"name": "three", "listener": "web", "path-prefix": "/t", "upstream": "three"},
        {"name": "nopool", "listener": "web", "path-prefix": "/n", "upstream": "nopool"},
    ]
    return cfg


GATEWAY = {"config": pool_config(), "with_cp": False}


@pytest.fixture(scope="module")
def backend(module_gateway):
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()
    with netns_peer(module_gateway.topo.backend,
                    ["/usr/bin/python3", BACKEND, "8000", str(BACKEND_LOG), "300"]) as proc:
        yield proc


def logged(n0: int = 0) -> list:
    if not BACKEND_LOG.exists():
        return []
    return [json.loads(l) for l in BACKEND_LOG.read_text().splitlines() if l.strip()][n0:]


def curl(gw, *args):
    """One request on a new client connection: (status, body)."""
    r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "curl", "-sS", "--max-time", "10",
                        "-o", "-", "-w", "\n%{http_code}", *args],
                       capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    body, _, code = r.stdout.rpartition(b"\n")
    return int(code), body


def headers_of(doc) -> dict:
    h = {}
    for k, v in doc["headers"]:
        h.setdefault(k.lower(), []).append(v)
    return h


def test_reuse_across_client_connections(module_gateway, backend):
    gw = module_gateway
    n0 = len(logged())
    before = counters(gw)
    for i in range(10):
        code, _ = curl(gw, f"http://{GW}/p/{i}")
        assert code == 200
    got = logged(n0)
    assert [d["target"] for d in got] == [f"/p/{i}" for i in range(10)]
    # Ten client connections, one backend connection.
    assert len({d["conn"] for d in got}) == 1, got
    assert all("connection" not in headers_of(d) for d in got), got
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_reused") == 9 and d.get("tcp.active_open") == 1, d


def test_idle_timeout_closes_pooled_connection(module_gateway, backend):
    gw = module_gateway
    n0 = len(logged())
    before = counters(gw)
    assert curl(gw, f"http://{GW}/s/a")[0] == 200
    assert curl(gw, f"http://{GW}/s/b")[0] == 200        # reused at once
    time.sleep(1.0)                                       # idle-timeout-ms 300
    assert curl(gw, f"http://{GW}/s/c")[0] == 200
    conns = [d["conn"] for d in logged(n0)]
    assert conns[0] == conns[1] != conns[2], conns
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_idle_expired") == 1, d


def test_max_requests_per_connection(module_gateway, backend):
    gw = module_gateway
    n0 = len(logged())
    for i in range(7):
        assert curl(gw, f"http://{GW}/t/{i}")[0] == 200
    got = logged(n0)
    conns = [d["conn"] for d in got]
    assert conns[0] == conns[1] == conns[2] != conns[3], conns
    assert conns[3] == conns[4] == conns[5] != conns[6], conns
    # The last request of a connection asks the backend to close it.
    closing = [headers_of(d).get("connection") == ["close"] for d in got]
    assert closing == [False, False, True, False, False, True, False], got


def test_stale_pooled_connection_get_retried(module_gateway, backend):
    """The backend closes a pooled connection when the next request arrives
    on it, before answering (the keep-alive race): the GET goes out again
    on a fresh connection and the client sees 200."""
    gw = module_gateway
    assert curl(gw, f"http://{GW}/p/warm")[0] == 200
    n0 = len(logged())
    before = counters(gw)
    assert curl(gw, f"http://{GW}/p/x/arm-drop")[0] == 200
    code, body = curl(gw, f"http://{GW}/p/after")
    assert code == 200 and json.loads(body)["target"] == "/p/after"
    got = logged(n0)
    assert [(d["target"], d.get("dropped", False)) for d in got] == \
        [("/p/x/arm-drop", False), ("/p/after", True), ("/p/after", False)], got
    assert got[1]["conn"] == got[0]["conn"] != got[2]["conn"], got
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_stale_retry") == 1, d


def test_stale_pooled_connection_post_not_repeated(module_gateway, backend):
    """The same race for a POST: it may have been acted on, so it is not
    sent again: 502, and the backend saw it exactly once."""
    gw = module_gateway
    assert curl(gw, f"http://{GW}/p/x/arm-drop")[0] == 200
    n0 = len(logged())
    before = counters(gw)
    code, body = curl(gw, "--data-binary", "once", f"http://{GW}/p/pay")
    assert code == 502 and body == b"502 Bad Gateway\n", body
    time.sleep(0.5)
    got = logged(n0)
    assert [(d["method"], d["target"], d.get("dropped", False)) for d in got] == \
        [("POST", "/p/pay", True)], got
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_stale_retry", 0) == 0 and d.get("http.up_closed_early") == 1, d


def test_http10_backend_and_client(module_gateway, backend):
    """An HTTP/1.0 answer without keep-alive ends its connection (not pooled);
    an HTTP/1.0 client's request asks the backend to close."""
    gw = module_gateway
    n0 = len(logged())
    assert curl(gw, f"http://{GW}/p/a/http10")[0] == 200
    assert curl(gw, f"http://{GW}/p/b/http10")[0] == 200
    assert curl(gw, "--http1.0", f"http://{GW}/p/c")[0] == 200
    got = logged(n0)
    assert len({d["conn"] for d in got}) == 3, got
    assert headers_of(got[2]).get("connection") == ["close"] and got[2]["version"] == "HTTP/1.0", got


def test_drain_timeout_for_backend_ignoring_close(module_gateway, backend):
    """Without a pool the gateway asks Connection: close and waits for the
    backend's FIN; a backend that ignores it is reset after the drain time
    (2 s), not kept forever."""
    gw = module_gateway
    n0 = len(logged())
    before = counters(gw)
    assert curl(gw, f"http://{GW}/n/x/linger")[0] == 200
    assert headers_of(logged(n0)[0]).get("connection") == ["close"]
    time.sleep(0.5)
    assert counters_delta(before, counters(gw)).get("http.up_drain_timeout", 0) == 0
    wait_until(lambda: counters_delta(before, counters(gw)).get("http.up_drain_timeout") == 1,
               timeout=5, what="the lingering connection reset after the drain time")


def test_connections_released(module_gateway, backend):
    """No session is left; the only upstream connections still open are the
    pool's idle ones (at most one per upstream here)."""
    gw = module_gateway

    def done():
        c = counters(gw)
        open_conns = c["tcp.syn_received"] + c["tcp.active_open"] - c["tcp.closed"]
        return (0 <= open_conns <= 3 and
                c["http.sessions_closed"] == c["http.sessions_opened"]) and c
    wait_until(done, timeout=15, what="sessions released, only pooled connections open")
