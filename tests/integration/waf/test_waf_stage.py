"""The WAF stage in the request path, with the rule program compiled by
rampart-cp and shipped to rampart-dp with the configuration:

- SQLi and XSS requests are answered 403 with the request id in the body
  and the X-Request-Id header, never reach the backend, and leave a
  security-event line naming the rule;
- detect-only (per route) passes and logs; off (per route) passes silently;
- a per-route exclusion (by id, by tag, by target) silences a rule on that
  route only;
- a new configuration through rampart-cp (file mode, SIGHUP) that changes
  the mode takes effect, without shipping the unchanged program again;
- a bad program blob is refused, counted, and the old program keeps running.

rampart-cp compiles a small rule set the test writes (the whole CRS takes
minutes under ASan; tests/unit/test_waf_program.c ships and loads it)."""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_peer, wait_until

HERE = Path(__file__).parent
BACKEND = str(HERE.parent / "http" / "echo_backend.py")
GW = "10.10.1.1"
WORK = Path(tempfile.mkdtemp(prefix=f"wf-waf-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-"))
RULES = WORK / "rules"
CONFIG = WORK / "cp-config.json"
SECLOG = WORK / "security.jsonl"
BACKEND_LOG = WORK / "backend.jsonl"
atexit.register(shutil.rmtree, WORK, True)   # also when the module is only collected

SC = "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'"
RULES_TEXT = f"""
SecRule ARGS "@detectSQLi" "id:942100,phase:2,block,t:none,t:urlDecodeUni,severity:CRITICAL,\\
tag:'attack-sqli',msg:'SQL Injection Attack Detected via our detector',{SC}"
SecRule ARGS "@rx (?i)<script[^>]*>" "id:941110,phase:2,block,t:none,t:urlDecodeUni,t:htmlEntityDecode,\\
severity:CRITICAL,tag:'attack-xss',msg:'XSS Filter - Category 1: Script Tag Vector',{SC}"
SecRule REQUEST_HEADERS:User-Agent "@pm sqlmap nikto" "id:913100,phase:1,block,t:none,t:lowercase,\\
severity:CRITICAL,tag:'attack-reputation-scanner',msg:'Found User-Agent associated with security scanner',{SC}"
"""


def waf_config(mode="block", overrides=None) -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 3000},
                   "limits": {"body": 8 << 20}}   # streamed bodies of a few MiB
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [{"name": "pool", "servers": [{"address": "10.10.2.2", "port": 8000}],
                         "keepalive": {"max-idle": 0}}]
    cfg["routes"] = [
        {"name": name, "listener": "web", "path-prefix": f"/{name}", "upstream": "pool"}
        for name in ("api", "open", "tags", "target", "audit", "off")
    ]
    routes = [
        {"route": "open", "exclude-rules": [942100]},
        {"route": "tags", "exclude-tags": ["attack-sqli"]},
        {"route": "target", "exclude-targets": [{"target": "ARGS:q", "rules": [942100]}]},
        {"route": "audit", "mode": "detect-only"},
        {"route": "off", "mode": "off"},
    ]
    cfg["waf"] = {"mode": mode, "paranoia": 1, "inbound-threshold": 5,
                  "rule-sets": [str(RULES)], "routes": overrides if overrides is not None else routes}
    return cfg


def write_files():
    RULES.mkdir(parents=True, exist_ok=True)
    (RULES / "TEST-RULES.conf").write_text(RULES_TEXT)
    CONFIG.write_text(json.dumps(waf_config(), indent=2))


write_files()
GATEWAY = {"with_cp": True, "cp_args": ["--config", str(CONFIG)],
           "dp_args": ["--security-log", str(SECLOG)]}


@pytest.fixture(scope="module")
def gw(module_gateway):
    try:
        with netns_peer(module_gateway.topo.backend,
                        ["/usr/bin/python3", BACKEND, "8000", str(BACKEND_LOG), "300"]):
            yield module_gateway
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


def curl(gw, path, *args):
    r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "curl", "-sS", "-i",
                        "--max-time", "10", *args, f"http://{GW}{path}"],
                       capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body.decode("latin-1")


def status(head: str) -> int:
    return int(head.split(" ", 2)[1])


def request_id(head: str) -> str:
    m = re.search(r"^X-Request-Id: (\S+)", head, re.M | re.I)
    assert m, head
    return m.group(1)


def events() -> list:
    if not SECLOG.exists():
        return []
    return [json.loads(l) for l in SECLOG.read_text().splitlines() if l.strip()]


def event_for(rid: str, timeout: float = 5.0) -> dict:
    """The security event of request rid (the main lcore drains the rings)."""
    def find():
        return next((e for e in events() if e["request_id"] == rid), None)
    return wait_until(find, timeout, what=f"security event of {rid}")


def backend_targets() -> list:
    if not BACKEND_LOG.exists():
        return []
    return [json.loads(l)["target"] for l in BACKEND_LOG.read_text().splitlines() if l.strip()]


SQLI = "/x?id=1%27%20or%20%271%27%3D%271"
XSS = "/x?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"


def test_program_shipped_and_benign_passes(gw):
    assert re.search(r"WAF program [0-9a-f]{16} compiled from 1 rule set", gw.cp_log()), gw.logs()
    assert "WAF program" in gw.dp_log() and "in force" in gw.dp_log(), gw.logs()
    head, body = curl(gw, "/api/items?page=2&q=shoes")
    assert status(head) == 200, head
    c = counters(gw)
    assert c["waf.program_loaded"] == 1 and c["waf.program_refused"] == 0, c


@pytest.mark.parametrize("target,rule", [(SQLI, 942100), (XSS, 941110)])
def test_attack_blocked_with_request_id_and_event(gw, target, rule):
    before = counters(gw)
    head, body = curl(gw, "/api" + target)
    assert status(head) == 403, head
    rid = request_id(head)
    assert f"request-id: {rid}" in body, body
    assert "Connection: close" in head, head
    ev = event_for(rid)
    assert ev["decision"] == "blocked" and ev["mode"] == "block" and ev["route"] == "api", ev
    assert rule in [m["id"] for m in ev["matches"]], ev
    assert ev["score"] >= 5 and ev["threshold"] == 5, ev
    m = next(m for m in ev["matches"] if m["id"] == rule)
    assert m["target"].startswith("ARGS"), m
    assert all(0x20 <= ord(ch) < 0x7f for ch in m["excerpt"]), m
    assert not any(t.startswith("/api" + target.split("?")[0]) and "id=" in t or "script" in t.lower()
                   for t in backend_targets()), "a blocked request reached the backend"
    d = counters_delta(before, counters(gw))
    assert d.get("waf.blocked") == 1 and d.get("waf.inspected") == 1, d


def test_scanner_header_blocked(gw):
    head, _ = curl(gw, "/api/items", "-A", "sqlmap/1.7")
    assert status(head) == 403, head
    ev = event_for(request_id(head))
    assert [m["id"] for m in ev["matches"]] == [913100], ev
    assert ev["matches"][0]["target"].lower() == "request_headers:user-agent", ev


def test_detect_only_route_passes_and_logs(gw):
    before = counters(gw)
    head, _ = curl(gw, "/audit" + SQLI)
    assert status(head) == 200, head
    ev = event_for(request_id(head))
    assert ev["decision"] == "detected" and ev["mode"] == "detect-only", ev
    d = counters_delta(before, counters(gw))
    assert d.get("waf.detected") == 1 and "waf.blocked" not in d, d


def test_off_route_passes_silently(gw):
    before = counters(gw)
    head, _ = curl(gw, "/off" + SQLI)
    assert status(head) == 200, head
    rid = request_id(head)
    time.sleep(0.3)
    assert not [e for e in events() if e["request_id"] == rid]
    d = counters_delta(before, counters(gw))
    assert d.get("waf.skipped_off") == 1 and "waf.inspected" not in d, d


@pytest.mark.parametrize("route", ["open", "tags", "target"])
def test_exclusion_silences_rule_on_its_route_only(gw, route):
    before = counters(gw)
    # q carries the SQLi: excluded by id (open), tag (tags), target ARGS:q (target)
    sqli_q = "/x?q=1%27%20or%20%271%27%3D%271"
    head, _ = curl(gw, f"/{route}" + sqli_q)
    assert status(head) == 200, head
    d = counters_delta(before, counters(gw))
    assert d.get("waf.excluded") == 1 and "waf.blocked" not in d, d
    # the same request on a route without the exclusion is blocked
    head, _ = curl(gw, "/api" + sqli_q)
    assert status(head) == 403, head
    # and the exclusion is only for that rule: XSS is still blocked there
    head, _ = curl(gw, f"/{route}" + XSS)
    assert status(head) == 403, head


def test_target_exclusion_is_only_for_that_target(gw):
    head, _ = curl(gw, "/target" + SQLI)   # SQLi in ARGS:id, not ARGS:q
    assert status(head) == 403, head


# ---- streamed bodies: inspected as they pass, decided before the final piece

SENDER = r"""
import socket, sys, time
host, delay = sys.argv[1], float(sys.argv[2])
pieces = [bytes.fromhex(h) for h in sys.stdin.read().split()]
s = socket.create_connection((host, 80), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    for i, p in enumerate(pieces):
        s.sendall(p)
        if i + 1 < len(pieces):
            time.sleep(delay)
except OSError:
    pass
out = b""
try:
    while len(out) < 1 << 20:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
sys.stdout.write(out.decode("latin-1"))
"""


def send_pieces(gw, pieces, delay=0.1):
    """Send the request in pieces, each its own TCP segment (TCP_NODELAY and
    a pause between them); returns the raw response."""
    r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "/usr/bin/python3", "-c", SENDER,
                        GW, str(delay)], input=" ".join(p.hex() for p in pieces).encode(),
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode("latin-1")


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def head_of(path: str, ctype: str, framing: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {GW}\r\nContent-Type: {ctype}\r\n"
            f"{framing}\r\n\r\n").encode()


URLENC = "application/x-www-form-urlencoded"
XSS_FORM = b"name=alice&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&page=2"
XSS_JSON = b'{"user": {"name": "alice", "bio": "<script>alert(1)</script>"}, "page": 2}'


@pytest.mark.parametrize("ctype,body", [(URLENC, XSS_FORM), ("application/json", XSS_JSON)],
                         ids=["urlencoded", "json"])
def test_chunked_attack_split_across_chunks_and_segments_blocked(gw, ctype, body):
    """The signature is cut in the middle ("<scr" | "ipt>") by the chunking and
    every chunk is its own TCP segment: still blocked, and the backend never
    logs the request (it only ever saw a head and part of a body)."""
    cut = body.index(b"scr") + 3 if b"<scr" in body else body.index(b"%3Cscr") + 6
    path = f"/api/stream-{ctype.split('/')[1][:4]}"
    before = counters(gw)
    head = head_of(path, ctype, "Transfer-Encoding: chunked")
    wire = chunked(body[:cut], body[cut:])
    split = len(b"%x\r\n" % cut) + cut + 2   # end of the first chunk
    second = split + len(b"%x\r\n" % (len(body) - cut)) + 2   # 2 bytes into the second
    cuts = [0, split - 3, split, second, len(wire)]
    resp = send_pieces(gw, [head] + [wire[a:b] for a, b in zip(cuts, cuts[1:])])
    assert resp.startswith("HTTP/1.1 403"), resp
    rid = request_id(resp)
    assert f"request-id: {rid}" in resp, resp
    ev = event_for(rid)
    assert ev["decision"] == "blocked" and 941110 in [m["id"] for m in ev["matches"]], ev
    time.sleep(0.5)
    assert path not in backend_targets(), "a blocked streamed request reached the backend"
    d = counters_delta(before, counters(gw))
    assert d.get("waf.body_streamed") == 1 and d.get("waf.blocked_body") == 1, d
    assert d.get("waf.blocked") == 1, d


def test_attack_at_the_end_of_a_long_content_length_body_blocked(gw):
    """A Content-Length body longer than what comes with the head streams too:
    an attack in its last bytes is found before they are forwarded."""
    body = b"pad=" + b"a" * 200_000 + b"&q=1%27%20or%20%271%27%3D%271"
    path = "/api/stream-long"
    before = counters(gw)
    head = head_of(path, URLENC, f"Content-Length: {len(body)}")
    resp = send_pieces(gw, [head + body[:60_000], body[60_000:150_000], body[150_000:]], 0.05)
    assert resp.startswith("HTTP/1.1 403"), resp
    assert 942100 in [m["id"] for m in event_for(request_id(resp))["matches"]]
    time.sleep(0.5)
    assert path not in backend_targets()
    d = counters_delta(before, counters(gw))
    assert d.get("waf.body_streamed") == 1 and d.get("waf.blocked_body") == 1, d


def test_detect_only_streamed_attack_reaches_backend(gw):
    path = "/audit/stream-detect"
    head = head_of(path, URLENC, "Transfer-Encoding: chunked")
    resp = send_pieces(gw, [head, chunked(XSS_FORM[:20], XSS_FORM[20:])])
    assert resp.startswith("HTTP/1.1 200"), resp
    ev = event_for(request_id(resp))
    assert ev["decision"] == "detected", ev
    assert backend_doc(path)["body_len"] == len(XSS_FORM)


def backend_doc(path: str) -> dict:
    return next(json.loads(l) for l in BACKEND_LOG.read_text().splitlines()
                if json.loads(l)["target"] == path)


def test_large_benign_json_streamed_in_odd_chunks_passes_byte_exact(gw):
    """280 KB of JSON (15,000 values: parsed piece by piece, past the
    4096-item bound) in 997-byte chunks sent as 16 KiB segments: passes,
    byte-exact at the backend."""
    import hashlib
    items = ",".join(f'{{"id": {i}, "name": "item number {i}", "tags": ["a", "b"]}}'
                     for i in range(5_000))
    body = f'{{"items": [{items}]}}'.encode()
    path = "/api/stream-big-json"
    before = counters(gw)
    wire = head_of(path, "application/json", "Transfer-Encoding: chunked") + \
        chunked(*[body[i:i + 997] for i in range(0, len(body), 997)])
    resp = send_pieces(gw, [wire[i:i + 16384] for i in range(0, len(wire), 16384)], 0.01)
    assert resp.startswith("HTTP/1.1 200"), resp[:300]
    doc = backend_doc(path)
    assert doc["body_len"] == len(body), doc
    assert doc["body_sha256"] == hashlib.sha256(body).hexdigest(), doc
    d = counters_delta(before, counters(gw))
    assert d.get("waf.body_streamed") == 1 and "waf.blocked" not in d, d


def test_large_benign_binary_streamed_body_passes_byte_exact(gw):
    """2 MiB of octet-stream chunked by curl (no body processor; REQUEST_BODY
    kept up to its 1 MiB bound): passes, byte-exact at the backend."""
    import hashlib
    body = bytes(range(256)) * 8192
    f = WORK / "big.bin"
    f.write_bytes(body)
    path = "/api/stream-big-octet"
    before = counters(gw)
    head, _ = curl(gw, path, "-H", "Content-Type: application/octet-stream", "-H",
                   "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", f"@{f}")
    assert status(head) == 200, head
    doc = backend_doc(path)
    assert doc["body_len"] == len(body), doc
    assert doc["body_sha256"] == hashlib.sha256(body).hexdigest(), doc
    d = counters_delta(before, counters(gw))
    assert d.get("waf.body_streamed") == 1 and "waf.blocked" not in d, d


def test_bad_program_refused_old_one_kept(gw):
    before = counters(gw)
    cfg = gw.ctl({"type": "config-get"})["config"]
    for blob in (b"RWAP" + b"\x01\x00\x00\x00" + b"\x00" * 12 + b"garbage",
                 b"not a program at all"):
        rep = gw.ctl({"type": "config-push", "config": cfg}, blob=blob)
        assert rep["ok"] is False and rep["error"]["path"] == "/waf", rep
    d = counters_delta(before, counters(gw))
    assert d.get("waf.program_refused") == 2, d
    head, _ = curl(gw, "/api" + SQLI)
    assert status(head) == 403, head


def test_commit_changes_mode_without_reshipping(gw):
    before = counters(gw)
    gen = gw.generation()
    CONFIG.write_text(json.dumps(waf_config(mode="detect-only", overrides=[]), indent=2))
    gw.cp.send_signal(signal.SIGHUP)
    gw.wait_generation(gen + 1, timeout=30)
    head, _ = curl(gw, "/api" + SQLI)
    assert status(head) == 200, head
    assert event_for(request_id(head))["decision"] == "detected"
    d = counters_delta(before, counters(gw))
    assert "waf.program_loaded" not in d, d   # the unchanged program was not shipped again
    # and back to block: the next commit takes effect too
    CONFIG.write_text(json.dumps(waf_config(mode="block"), indent=2))
    gw.cp.send_signal(signal.SIGHUP)
    gw.wait_generation(gen + 2, timeout=30)
    head, _ = curl(gw, "/api" + SQLI)
    assert status(head) == 403, head


def test_rule_change_is_shipped(gw):
    before = counters(gw)
    gen = gw.generation()
    (RULES / "TEST-EXTRA.conf").write_text(
        'SecRule ARGS "@contains forbidden-word" "id:990001,phase:2,block,t:none,'
        f'severity:CRITICAL,tag:\'custom\',{SC}"\n')
    gw.cp.send_signal(signal.SIGHUP)
    gw.wait_generation(gen + 1, timeout=60)
    head, _ = curl(gw, "/api/x?text=a%20forbidden-word%20here")
    assert status(head) == 403, head
    assert [m["id"] for m in event_for(request_id(head))["matches"]] == [990001]
    d = counters_delta(before, counters(gw))
    assert d.get("waf.program_loaded") == 1, d
