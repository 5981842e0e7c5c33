"""Large chunked uploads through the gateway to the echo backend, byte-exact
and without stalling, over every way of cutting them: many small chunks,
chunk boundaries across TCP segments, large chunks, JSON and binary bodies,
on a fresh upstream connection and on a kept one, on a clean link and with
loss, duplication and reordering on both links. Each must be answered 200
(a stall shows as http.timeout_body and a 408), with the backend logging
exactly the body the client sent.

Who is waited for: while the upstream does not take the body (its window
closed), the client is not idle, so body-idle-ms must not cut it; an
upstream that pauses for longer than body-idle-ms but within
upstream-response-ms gets the whole body and the client its 200, and one
that pauses beyond upstream-response-ms is answered 504 (http.up_send_timeout),
never 408 with http.timeout_body (which would blame the client)."""

import json
import os
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_peer, netns_run

HERE = Path(__file__).parent
CLIENT = str(HERE / "upload_client.py")
BACKEND = str(HERE / "echo_backend.py")
GW = "10.10.1.1"
BACKEND_LOG = Path(f"/tmp/rampart-http-upload-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}.log")
BODY_IDLE_MS = 3000
UP_RESPONSE_MS = 10000


def upload_config(up_response_ms: int = UP_RESPONSE_MS, impairment: list | None = None) -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"limits": {"body": 8 << 20},
                   "timeouts": {"body-idle-ms": BODY_IDLE_MS, "upstream-connect-ms": 2000,
                                "upstream-response-ms": up_response_ms}}
    if impairment:
        cfg["impairment"] = impairment
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [
        {"name": "fresh", "servers": [{"address": "10.10.2.2", "port": 8000}],
         "keepalive": {"max-idle": 0}},
        {"name": "kept", "servers": [{"address": "10.10.2.2", "port": 8000}]},
    ]
    cfg["routes"] = [
        {"name": "fresh", "listener": "web", "path-prefix": "/fresh", "upstream": "fresh"},
        {"name": "kept", "listener": "web", "path-prefix": "/kept", "upstream": "kept"},
    ]
    return cfg


GATEWAY = {"config": upload_config(), "with_cp": False}


@pytest.fixture(scope="module")
def backend(module_gateway):
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()
    with netns_peer(module_gateway.topo.backend,
                    ["/usr/bin/python3", BACKEND, "8000", str(BACKEND_LOG), "600"]) as proc:
        yield proc
    if BACKEND_LOG.exists():
        BACKEND_LOG.unlink()


def backend_doc(target: str) -> dict | None:
    if not BACKEND_LOG.exists():
        return None
    for line in BACKEND_LOG.read_text().splitlines():
        if line.strip() and json.loads(line)["target"] == target:
            return json.loads(line)
    return None


def upload(gw, job: dict) -> dict:
    job = {"host": GW, "port": 80, "timeout": 30, **job}
    r = netns_run(gw.topo.client, ["/usr/bin/python3", CLIENT, json.dumps(job)],
                  timeout=job["timeout"] + 10)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# (kind, size, chunk sizes, bytes per send, pause between sends)
CASES = {
    "json-997-in-16k-segments": ("json", 2_200_000, [997], 16384, 0.0),
    "json-61-across-1000-byte-segments": ("json", 2_200_000, [61], 1000, 0.0),
    "json-64k-chunks": ("json", 2_200_000, [65536], 65536, 0.0),
    "json-mixed-chunks-paced": ("json", 2_200_000, [1, 7, 4093, 65536, 300_000, 13], 8192, 0.001),
    "json-1mib-chunks": ("json", 2_200_000, [1 << 20], 1 << 16, 0.0),
    "bytes-997-in-16k-segments": ("bytes", 2_200_000, [997], 16384, 0.0),
    "json-61-in-100-byte-segments": ("json", 2_200_000, [61], 100, 0.0),
    "json-6mb-997-in-16k-segments": ("json", 6_000_000, [997], 16384, 0.0),
}


@pytest.mark.parametrize("route", ["fresh", "kept"])
@pytest.mark.parametrize("case", list(CASES))
def test_large_chunked_upload_passes_byte_exact(module_gateway, backend, case, route):
    gw = module_gateway
    kind, size, chunk, segment, delay = CASES[case]
    path = f"/{route}/upload/{case}"
    before = counters(gw)
    res = upload(gw, {"path": path, "body": {"kind": kind, "size": size}, "chunk": chunk,
                      "segment": segment, "delay": delay,
                      "content_type": "application/json" if kind == "json"
                      else "application/octet-stream"})
    d = counters_delta(before, counters(gw))
    assert res["error"] is None and res["status"] == 200, (res, d)
    doc = json.loads(res["body"])
    assert doc["body_len"] == res["body_len"] and doc["body_sha256"] == res["body_sha256"], doc
    assert backend_doc(path)["body_sha256"] == res["body_sha256"]
    assert "http.timeout_body" not in d and "http.up_send_fail" not in d, d


def push(gw, cfg: dict) -> None:
    reply = gw.push_config(cfg)
    assert reply["ok"] is True, reply
    gw.wait_generation(reply["generation"])


@pytest.mark.parametrize("route", ["fresh", "kept"])
def test_upload_with_loss_dup_reorder_on_both_links(module_gateway, backend, route):
    """The same 2.2 MB chunked JSON while the dataplane's impairment stage
    loses 2 %, duplicates 1 % and reorders 25 % of the frames on both ports
    (seeded): recovered by TCP, answered 200, byte-exact."""
    gw = module_gateway
    rules = [{"port": p, "direction": "both", "seed": 5 + i, "loss-ppm": 20000,
              "duplicate-ppm": 10000, "reorder-ppm": 250000, "reorder-delay-ms": 5}
             for i, p in enumerate(("client", "backend"))]
    push(gw, upload_config(impairment=rules))
    try:
        path = f"/{route}/upload/impaired"
        before = counters(gw)
        res = upload(gw, {"path": path, "body": {"kind": "json", "size": 2_200_000},
                          "chunk": [997], "segment": 16384})
        d = counters_delta(before, counters(gw))
        assert res["error"] is None and res["status"] == 200, (res, d)
        assert json.loads(res["body"])["body_sha256"] == res["body_sha256"]
        assert d.get("port.impair_lost", 0) > 0 and "http.timeout_body" not in d, d
    finally:
        push(gw, upload_config())


def test_upstream_pausing_longer_than_body_idle_does_not_cut_the_client(module_gateway, backend):
    """The backend reads the head, then takes nothing for 1.7 x body-idle-ms:
    the gateway stops reading the client (its window closes) because the
    upstream's is closed, not because the client is idle. The whole body
    arrives once the backend reads again; the client gets 200."""
    gw = module_gateway
    pause = int(BODY_IDLE_MS * 1.7)
    path = f"/fresh/upload/slow-read/{pause}"
    before = counters(gw)
    res = upload(gw, {"path": path, "body": {"kind": "json", "size": 2_200_000},
                      "chunk": [997], "segment": 16384})
    d = counters_delta(before, counters(gw))
    assert res["error"] is None and res["status"] == 200, (res, d)
    assert res["seconds"] >= pause / 1000 - 0.2, res
    assert json.loads(res["body"])["body_sha256"] == res["body_sha256"]
    assert "http.timeout_body" not in d and "http.up_send_timeout" not in d, d


def test_upstream_not_taking_the_body_is_a_504(module_gateway, backend):
    """With upstream-response-ms shorter than the backend's pause, the
    gateway gives up on the upstream: 504, counted as http.up_send_timeout,
    the client not blamed (no 408, no http.timeout_body)."""
    gw = module_gateway
    push(gw, upload_config(up_response_ms=1500))
    try:
        path = f"/fresh/upload/slow-read/{BODY_IDLE_MS * 2}"
        before = counters(gw)
        res = upload(gw, {"path": path, "body": {"kind": "json", "size": 2_200_000},
                          "chunk": [997], "segment": 16384})
        d = counters_delta(before, counters(gw))
        assert res["status"] == 504, (res, d)
        assert res["seconds"] < BODY_IDLE_MS / 1000 + 1.5, res
        assert d.get("http.up_send_timeout") == 1 and "http.timeout_body" not in d, d
    finally:
        push(gw, upload_config())
