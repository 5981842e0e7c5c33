"""Upstream health through the gateway, with echo backends (each logs what
it received): a backend killed with requests in flight (502 for them),
marked down by the active health check, traffic moving to the healthy
one, and back when restarted; 503 when no server is healthy; connect
failures retried on another server without ever duplicating a POST;
backend 5xx bodies replaced by generic ones unless configured; the
per-server state and counts in /rampart/http/upstreams."""

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, wait_until

HERE = Path(__file__).parent
BACKEND = str(HERE / "echo_backend.py")
GW = "10.10.1.1"
BE = "10.10.2.2"
TAG = f"{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}"
PORT_A, PORT_B, PORT_DEAD = 8010, 8011, 8013


def health_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"timeouts": {"upstream-connect-ms": 1000, "upstream-response-ms": 5000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    a = {"address": BE, "port": PORT_A}
    b = {"address": BE, "port": PORT_B}
    dead = {"address": BE, "port": PORT_DEAD}
    check = {"path": "/health", "interval-ms": 200, "rise": 2, "fall": 2}
    never = {"consecutive-failures": 1000}
    cfg["upstreams"] = [
        {"name": "duo", "servers": [a, b], "health-check": check, "ejection": never},
        {"name": "gone", "servers": [dead], "health-check": check},
        {"name": "mixed", "servers": [dead, a], "ejection": never},
        {"name": "flaky", "servers": [dead], "ejection": {"consecutive-failures": 2,
                                                          "period-ms": 60000}},
        {"name": "errs", "servers": [a], "ejection": never},
        {"name": "errs-pass", "servers": [a], "ejection": never, "pass-error-bodies": True},
    ]
    cfg["routes"] = [{"name": u["name"], "listener": "web", "path-prefix": "/" + u["name"],
                      "upstream": u["name"]} for u in cfg["upstreams"]]
    return cfg


GATEWAY = {"config": health_config(), "with_cp": False}


class Backend:
    def __init__(self, gw, port):
        self.gw, self.port = gw, port
        self.log = Path(f"/tmp/rampart-http-health-{TAG}-{port}.log")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.gw.topo.backend, "/usr/bin/python3",
                                      BACKEND, str(self.port), str(self.log), "300"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        assert self.proc.stdout.readline().strip() == "ready", self.proc.stderr.read()

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def requests(self) -> list:
        """Logged requests other than health checks."""
        if not self.log.exists():
            return []
        return [d for d in (json.loads(l) for l in self.log.read_text().splitlines() if l.strip())
                if d["target"] != "/health"]


@pytest.fixture(scope="module")
def backends(module_gateway):
    bs = {p: Backend(module_gateway, p) for p in (PORT_A, PORT_B)}
    for b in bs.values():
        if b.log.exists():
            b.log.unlink()
        b.start()
    try:
        yield bs
    finally:
        for b in bs.values():
            b.kill()
            if b.log.exists():
                b.log.unlink()


def curl(gw, *args):
    """One request on a new client connection: (status, head, body)."""
    r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "curl", "-sS", "-i", "--max-time", "10",
                        *args], capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    head = head.decode("latin-1")
    return int(head.split(" ", 2)[1]), head, body


def servers(gw) -> dict:
    return gw.telemetry("/rampart/http/upstreams")


def test_health_state_published(module_gateway, backends):
    gw = module_gateway
    wait_until(lambda: servers(gw)["gone/0"]["status"] == "down", timeout=5,
               what="the dead server of 'gone' marked down")
    # The backends may have started after the first checks: up after rise.
    wait_until(lambda: all(servers(gw)[k]["status"] == "up" for k in ("duo/0", "duo/1")),
               timeout=5, what="both servers of 'duo' up")
    st = servers(gw)
    assert st["duo/1"]["address"] == BE and st["duo/1"]["port"] == PORT_B, st
    assert st["duo/0"]["checks"] >= 1 and st["gone/0"]["check_failures"] >= 2, st
    # Servers without checks are reported up.
    assert st["errs/0"]["status"] == "up", st


def test_no_healthy_server_503(module_gateway, backends):
    gw = module_gateway
    before, sent_before = counters(gw), servers(gw)["gone/0"]["requests"]
    code, head, body = curl(gw, f"http://{GW}/gone/x")
    assert code == 503 and body == b"503 Service Unavailable\n", (head, body)
    assert re.search(r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r?$", head, re.M), head
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_no_server") == 1, d
    # Answered without trying the server.
    assert servers(gw)["gone/0"]["requests"] == sent_before == 0


def test_killed_backend_then_down_then_back(module_gateway, backends):
    gw = module_gateway
    a, b = backends[PORT_A], backends[PORT_B]
    # Both serve while healthy.
    na, nb = len(a.requests()), len(b.requests())
    for i in range(6):
        assert curl(gw, f"http://{GW}/duo/warm/{i}")[0] == 200
    assert len(a.requests()) - na == 3 and len(b.requests()) - nb == 3

    # Two slow POSTs in flight, one per server; B is killed under them.
    results = []

    def post(i):
        results.append(curl(gw, "--data-binary", f"in-flight-{i}", f"http://{GW}/duo/sleep/2000")[0])
    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    wait_until(lambda: any(d["target"] == "/duo/sleep/2000" for d in b.requests()), timeout=5,
               what="a POST in flight on B")
    b.kill()
    for t in threads:
        t.join(timeout=15)
    assert sorted(results) == [200, 502], results

    # The active check marks B down (fall 2 x 200 ms); everything goes to A.
    wait_until(lambda: servers(gw)["duo/1"]["status"] == "down", timeout=5, what="B marked down")
    before = servers(gw)
    na = len(a.requests())
    for i in range(8):
        assert curl(gw, f"http://{GW}/duo/down/{i}")[0] == 200
    assert len(a.requests()) - na == 8
    after = servers(gw)
    assert after["duo/1"]["requests"] == before["duo/1"]["requests"], (before, after)

    # Restarted: up after rise 2 checks, and it gets traffic again.
    b.start()
    wait_until(lambda: servers(gw)["duo/1"]["status"] == "up", timeout=5, what="B up again")
    nb = len(b.requests())
    for i in range(6):
        assert curl(gw, f"http://{GW}/duo/back/{i}")[0] == 200
    assert len(b.requests()) - nb >= 2


def test_connect_failure_retried_without_duplicates(module_gateway, backends):
    """'mixed' lists a dead server first: requests that land on it are
    refused before anything is sent, and go to the live one, POSTs
    included, each exactly once."""
    gw = module_gateway
    a = backends[PORT_A]
    n0 = len(a.requests())
    before = counters(gw)
    for i in range(4):
        assert curl(gw, f"http://{GW}/mixed/get/{i}")[0] == 200
        assert curl(gw, "--data-binary", f"pay-{i}", f"http://{GW}/mixed/pay/{i}")[0] == 200
    got = [(d["method"], d["target"]) for d in a.requests()[n0:]]
    want = []
    for i in range(4):
        want += [("GET", f"/mixed/get/{i}"), ("POST", f"/mixed/pay/{i}")]
    assert got == want, got
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_retry") == 4, d          # every other pick is the dead one
    assert d.get("http.up_connect_fail", 0) == 0, d
    st = servers(gw)
    assert st["mixed/0"]["failures"] == 4 and st["mixed/0"]["ejections"] == 0, st


def test_passive_ejection(module_gateway, backends):
    """Two refused connections in a row eject 'flaky''s only server for a
    minute: then 503 without trying it."""
    gw = module_gateway
    before = counters(gw)
    assert curl(gw, f"http://{GW}/flaky/1")[0] == 502
    assert curl(gw, f"http://{GW}/flaky/2")[0] == 502
    assert curl(gw, f"http://{GW}/flaky/3")[0] == 503
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_ejected") == 1 and d.get("http.up_connect_fail") == 2, d
    assert d.get("http.up_no_server") == 1, d
    st = servers(gw)["flaky/0"]
    assert st["ejections"] == 1 and st["ejected_workers"] == 1 and st["requests"] == 2, st


def test_5xx_body_replaced_unless_configured(module_gateway, backends):
    gw = module_gateway
    before = counters(gw)
    code, head, body = curl(gw, f"http://{GW}/errs/status/500")
    assert code == 500 and body == b"500 Internal Server Error\n", (head, body)
    assert "Server:" not in head and re.search(r"^Date: ", head, re.M), head
    code, head, body = curl(gw, f"http://{GW}/errs/status/503")
    assert code == 503 and body == b"503 Service Unavailable\n", (head, body)
    # HEAD: the generic head, no body.
    code, head, body = curl(gw, "-I", f"http://{GW}/errs/status/502")
    assert code == 502 and body == b"", (head, body)
    code, head, body = curl(gw, f"http://{GW}/errs-pass/status/500")
    assert code == 500 and body == b"backend says 500\n", (head, body)
    # 4xx bodies always pass.
    code, head, body = curl(gw, f"http://{GW}/errs/status/404")
    assert code == 404 and body == b"backend says 404\n", (head, body)
    d = counters_delta(before, counters(gw))
    assert d.get("http.up_5xx_replaced") == 3, d
    # The connection stays usable after a replaced body (read and dropped).
    assert d.get("http.up_reused", 0) >= 3, d
