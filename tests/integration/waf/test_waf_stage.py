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

from rampart import counters, counters_delta, default_config, wait_until

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
    cfg["http"] = {"timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 3000}}
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
    proc = subprocess.Popen(["ip", "netns", "exec", module_gateway.topo.backend, "/usr/bin/python3",
                             BACKEND, "8000", str(BACKEND_LOG), "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        yield module_gateway
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
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
