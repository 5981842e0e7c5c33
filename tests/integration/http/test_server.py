"""The gateway's HTTP server side (dataplane/proxy/) against kernel clients
in the client namespace: curl and a raw-socket client (http_client.py).
Unknown routes answer 404 and are counted per listener; malformed and
smuggling requests are refused with their status and the connection
closed; keep-alive and pipelined requests are answered in order; a
slowloris client is cut with 408 at header-read-ms while a normal client
is served; every request leaves one JSON access-log line.

No backend listens here (test_forward.py has one): routed requests are
forwarded, refused by the backend's kernel, and answered 502 (counted as
http.up_connect_fail)."""

import json
import os
import re
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_run, wait_until

CLIENT = str(Path(__file__).with_name("http_client.py"))
GW = "10.10.1.1"
ACCESS_LOG = Path(f"/tmp/rampart-http-access-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}.log")
HEADER_READ_MS = 1500


def http_config() -> dict:
    cfg = default_config()
    cfg["http"] = {
        "max-sessions-per-worker": 64,
        "limits": {"request-line": 512, "header-count": 20, "header-bytes": 1024,
                   "body": 4096, "chunk": 2048},
        "timeouts": {"header-read-ms": HEADER_READ_MS, "body-idle-ms": 1500,
                     "keepalive-idle-ms": 5000},
    }
    cfg["listeners"] = [{"name": "web", "port": 80}, {"name": "alt", "port": 8080}]
    cfg["upstreams"] = [{"name": "pool", "servers": [{"address": "10.10.2.2", "port": 8000}]}]
    cfg["routes"] = [
        {"name": "api", "listener": "web", "host": "api.test", "path-prefix": "/api",
         "methods": ["GET", "POST"], "upstream": "pool"},
        {"name": "wild", "listener": "web", "host": "*.shop.test", "path-prefix": "/",
         "upstream": "pool"},
    ]
    return cfg


if ACCESS_LOG.exists():
    ACCESS_LOG.unlink()
GATEWAY = {"config": http_config(), "with_cp": False,
           "dp_args": ["--access-log", str(ACCESS_LOG)]}


def raw(gw, jobs, timeout=30) -> list:
    for j in jobs:
        j.setdefault("host", GW)
        j.setdefault("port", 80)
    r = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(jobs)],
                  timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def one(gw, text, read_timeout=3.0) -> dict:
    return raw(gw, [{"chunks": [[0, text]], "read_timeout": read_timeout}])[0]


def statuses(data: str) -> list:
    return [int(m) for m in re.findall(r"HTTP/1\.1 (\d{3}) ", data)]


def curl(gw, *args) -> str:
    r = netns_run(gw.topo.client, ["curl", "-sS", "-i", "--max-time", "5", *args], timeout=15)
    assert r.returncode == 0, r.stderr
    return r.stdout.replace("\r\n", "\n")   # text mode may keep or fold the CRs


def test_unknown_route_404_counted_per_listener(module_gateway):
    gw = module_gateway
    before = counters(gw)
    lst_before = gw.telemetry("/rampart/http/listeners")
    out = curl(gw, "-H", "Host: api.test", f"http://{GW}/unknown/path")
    assert out.startswith("HTTP/1.1 404 Not Found\n"), out
    assert "\n\n404 Not Found\n" in out
    assert re.search(r"X-Request-Id: [0-9a-f]{8}-[0-9a-f]{2}-[0-9a-f]{12}\n", out), out
    out = curl(gw, f"http://{GW}:8080/anything")
    assert out.startswith("HTTP/1.1 404 "), out
    d = counters_delta(before, counters(gw))
    assert d.get("http.route_not_found") == 2, d
    lst = gw.telemetry("/rampart/http/listeners")
    assert lst["web"]["not_found"] - lst_before["web"]["not_found"] == 1, lst
    assert lst["alt"]["not_found"] - lst_before["alt"]["not_found"] == 1, lst
    assert lst["web"]["port"] == 80 and lst["alt"]["port"] == 8080


def test_ipv6_client(module_gateway):
    gw = module_gateway
    out = curl(gw, "-g", "-H", "Host: api.test", "http://[fd00:10:1::1]/v6/path")
    assert out.startswith("HTTP/1.1 404 Not Found\n"), out

    def line():
        ls = [json.loads(l) for l in ACCESS_LOG.read_text().splitlines() if l.strip()] \
            if ACCESS_LOG.exists() else []
        return next((l for l in ls if l["path"] == "/v6/path"), None)

    got = wait_until(line, timeout=5, what="access log line of the IPv6 request")
    assert re.fullmatch(r"\[fd00:10:1::2\]:\d+", got["client"]), got


def test_method_not_allowed_and_routed(module_gateway):
    gw = module_gateway
    before = counters(gw)
    out = curl(gw, "-X", "DELETE", "-H", "Host: api.test", f"http://{GW}/api/users/1")
    assert out.startswith("HTTP/1.1 405 Method Not Allowed\n"), out
    assert "Allow: GET, POST\n" in out
    # Routed (wildcard host, any method) to a backend that refuses: 502.
    out = curl(gw, "-X", "PUT", "-d", "x=1", "-H", "Host: www.shop.test", f"http://{GW}/cart")
    assert out.startswith("HTTP/1.1 502 Bad Gateway\n"), out
    d = counters_delta(before, counters(gw))
    assert d.get("http.method_not_allowed") == 1 and d.get("http.up_connect_fail") == 1, d


SMUGGLING = [
    ("cl_and_te", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("duplicate_cl", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
    ("bad_chunk_size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    ("obs_fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400),
    ("bare_lf", "GET / HTTP/1.1\nHost: a\n\n", 400),
    ("space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    ("nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n", 400),
    ("missing_host", "GET / HTTP/1.1\r\n\r\n", 400),
    ("duplicate_host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("te_not_chunked_final", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    ("unknown_coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ("http_2_0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    ("line_too_long", "GET /" + "a" * 600 + " HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    ("headers_too_big", "GET / HTTP/1.1\r\nHost: a\r\n" + "".join(f"X-{i}: {'v' * 60}\r\n" for i in range(18)) + "\r\n", 431),
    ("too_many_headers", "GET / HTTP/1.1\r\nHost: a\r\n" + "".join(f"X-{i}: v\r\n" for i in range(25)) + "\r\n", 431),
    ("body_too_large", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n", 413),
]


@pytest.mark.parametrize("name,text,status", SMUGGLING, ids=[c[0] for c in SMUGGLING])
def test_malformed_refused_and_closed(module_gateway, name, text, status):
    gw = module_gateway
    before = counters(gw)
    # A valid request behind the bad one must not be answered.
    res = one(gw, text + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
    assert res["error"] is None, res
    assert statuses(res["data"]) == [status], res
    assert "Connection: close\r\n" in res["data"]
    assert res["closed"] and res["seconds"] < 2, res
    d = counters_delta(before, counters(gw))
    assert d.get(f"http.parse_{status}") == 1, d


def test_keepalive_several_requests(module_gateway):
    gw = module_gateway
    reqs = [
        "GET /a HTTP/1.1\r\nHost: api.test\r\n\r\n",
        "DELETE /api/x HTTP/1.1\r\nHost: api.test\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: api.test\r\nContent-Length: 5\r\n\r\nhello",
        "GET /b HTTP/1.1\r\nHost: api.test\r\n\r\n",
        "GET /c HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n",
    ]
    before = counters(gw)
    res = raw(gw, [{"chunks": [[0.1 if i else 0, r] for i, r in enumerate(reqs)],
                    "read_timeout": 3}])[0]
    assert statuses(res["data"]) == [404, 405, 502, 404, 404], res
    assert res["closed"], res
    d = counters_delta(before, counters(gw))
    assert d.get("http.sessions_opened") == 1 and d.get("http.keepalive_reused") == 4, d
    ids = re.findall(r"X-Request-Id: (\S+)\r\n", res["data"])
    assert len(set(ids)) == 5, ids


def test_pipelined_in_order(module_gateway):
    gw = module_gateway
    text = ("GET /1 HTTP/1.1\r\nHost: api.test\r\n\r\n"
            "POST /api/2 HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n"
            "4\r\nabcd\r\n0\r\n\r\n"
            "PATCH /api/3 HTTP/1.1\r\nHost: api.test\r\n\r\n"
            "GET /4 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n")
    before = counters(gw)
    res = one(gw, text)
    assert statuses(res["data"]) == [404, 502, 405, 404], res
    assert res["closed"]
    d = counters_delta(before, counters(gw))
    assert d.get("http.pipelined") == 3, d


def test_slowloris_cut_while_normal_client_served(module_gateway):
    gw = module_gateway
    before = counters(gw)
    slow = {"chunks": [[0, "GET / HTTP/1.1\r\nHost: a\r\n"]] +
            [[0.3, f"X-{i}: 1\r\n"] for i in range(10)], "read_timeout": 4}
    normal = {"chunks": [[0.5, "GET /n HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"]],
              "read_timeout": 3}
    res_slow, res_normal = raw(gw, [slow, normal])
    assert statuses(res_normal["data"]) == [404] and res_normal["closed"], res_normal
    assert res_normal["seconds"] < 1.2, res_normal
    assert statuses(res_slow["data"]) == [408], res_slow
    assert res_slow["closed"], res_slow
    assert HEADER_READ_MS / 1000 - 0.1 <= res_slow["seconds"] <= HEADER_READ_MS / 1000 + 1.0, res_slow
    d = counters_delta(before, counters(gw))
    assert d.get("http.timeout_header") == 1, d


def test_slow_post_cut(module_gateway):
    gw = module_gateway
    before = counters(gw)
    res = raw(gw, [{"chunks": [[0, "POST /upload HTTP/1.1\r\nHost: api.test\r\nContent-Length: 100\r\n\r\nab"],
                               [3, "cd"]], "read_timeout": 3}])[0]
    assert statuses(res["data"]) == [408] and res["closed"], res
    assert 1.3 <= res["seconds"] <= 2.6, res
    d = counters_delta(before, counters(gw))
    assert d.get("http.timeout_body") == 1, d


def test_access_log_lines(module_gateway):
    gw = module_gateway
    one(gw, "GET /logged/path?q=1 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n")
    one(gw, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")

    def lines():
        if not ACCESS_LOG.exists():
            return None
        ls = [json.loads(l) for l in ACCESS_LOG.read_text().splitlines() if l.strip()]
        return ls if any(l["path"] == "/logged/path?q=1" for l in ls) and \
            any((l["error"] or "").startswith("cl_duplicate") for l in ls) else None

    ls = wait_until(lines, timeout=5, what="access log lines")
    keys = {"time", "request_id", "client", "listener", "route", "method", "path", "status",
            "bytes_in", "bytes_out", "duration_us", "upstream", "error"}
    for l in ls:
        assert set(l) == keys, l
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", l["time"]), l
        assert re.fullmatch(r"10\.10\.1\.2:\d+|\[fd00:10:1::2\]:\d+", l["client"]), l
        assert l["bytes_out"] > 0 and l["duration_us"] >= 0
    got = next(l for l in ls if l["path"] == "/logged/path?q=1")
    assert got["status"] == 404 and got["method"] == "GET" and got["listener"] == "web"
    assert got["route"] is None and got["upstream"] is None and got["error"] is None
    assert got["bytes_in"] == len("GET /logged/path?q=1 HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n")
    bad = next(l for l in ls if (l["error"] or "").startswith("cl_duplicate"))
    assert bad["status"] == 400, bad
    routed = [l for l in ls if l["route"] is not None]
    assert all(l["upstream"] == "pool" for l in routed), routed
    # One line per answered request: the log and the counters agree.
    c = counters(gw)
    answered = c["http.resp_2xx"] + c["http.resp_4xx"] + c["http.resp_5xx"] - c["http.refused_no_session"]
    assert len(ls) == answered, (len(ls), answered)


def test_listeners_follow_config(module_gateway):
    """A pushed config moves the listener: the old port is refused (RST from
    the TCP layer), the new one serves, the old one again after a push back."""
    gw = module_gateway
    cfg = http_config()
    cfg["listeners"] = [{"name": "web", "port": 8081}, {"name": "alt", "port": 8080}]
    try:
        assert gw.push_config(cfg).get("ok", True) is not False
        gen = gw.generation()

        def served(port):
            res = raw(gw, [{"port": port, "chunks": [[0, "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"]],
                            "read_timeout": 2}])[0]
            return statuses(res["data"]) == [404]

        wait_until(lambda: served(8081), timeout=5, what="new listener port serving")
        res = raw(gw, [{"port": 80, "chunks": [[0, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"]],
                        "read_timeout": 2}])[0]
        assert res["data"] == "" and res["error"] is not None, res
        assert gen >= 2
    finally:
        gw.push_config(http_config())
    wait_until(lambda: statuses(one(gw, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")["data"]) == [404],
               timeout=5, what="port 80 serving again")
