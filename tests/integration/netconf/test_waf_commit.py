"""The dataplane's `waf` container through NETCONF: ncclient commits the WAF
mode, the paranoia level and per-route exclusions, rampart-cp compiles the
rule set named in the commit and ships it with the configuration, and the
dataplane's answers change accordingly; values the model refuses come back
as an rpc-error and change nothing (running, the dataplane's generation and
its answers stay as they were).

The rule set is a small one the test writes (the whole CRS takes minutes to
compile under ASan)."""

import subprocess
from pathlib import Path

import pytest

from .ncutil import RPCError, config, start_netconf
from rampart import counters, counters_delta, netns_run

BACKEND = str(Path(__file__).resolve().parents[1] / "http" / "echo_backend.py")
GW = "10.10.1.1"
PORT = 8089
SQLI = "/x?id=1%27%20or%20%271%27%3D%271"
PL2 = "/x?text=a%20pl2-only-word%20here"
SC = "setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'"
RULES = f"""
SecRule ARGS "@detectSQLi" "id:942100,phase:2,block,t:none,t:urlDecodeUni,severity:CRITICAL,\\
tag:'attack-sqli',msg:'SQL Injection Attack Detected via our detector',{SC}"
SecRule ARGS "@contains pl2-only-word" "id:990010,phase:2,block,t:none,severity:CRITICAL,\\
tag:'paranoia-level/2',msg:'a rule of paranoia level 2',{SC}"
"""

BASE = (f"<listeners><name>web</name><port>{PORT}</port></listeners>"
        "<upstreams><name>pool</name><servers><address>10.10.2.2</address><port>8000</port>"
        "</servers></upstreams>"
        + "".join(f"<routes><name>{n}</name><listener>web</listener><path-prefix>/{n}</path-prefix>"
                  f"<upstream>pool</upstream></routes>" for n in ("api", "open", "audit")))


def waf(mode: str, paranoia: int, rules_dir: Path, routes: str = "") -> str:
    return (f"<waf><mode>{mode}</mode><paranoia>{paranoia}</paranoia>"
            f"<rule-sets>{rules_dir}</rule-sets>{routes}</waf>")


EXCLUSIONS = ("<routes><route>open</route><exclude-rules>942100</exclude-rules></routes>"
              "<routes><route>audit</route><mode>detect-only</mode></routes>")


@pytest.fixture
def backend(tmp_path):
    procs = []

    def start(ns: str) -> None:
        p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", BACKEND, "8000",
                              str(tmp_path / "backend.log"), "180"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
        procs.append(p)
        assert p.stdout.readline().strip() == "ready", p.stderr.read()

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def said(e: RPCError) -> str:
    """What an rpc-error tells the operator: its path and message."""
    return f"{e.tag}: {e.path}: {e.message}"


def status(ns: str, path: str) -> int:
    r = netns_run(ns, ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                       f"http://{GW}:{PORT}{path}"], timeout=20)
    assert r.returncode == 0, r.stderr
    return int(r.stdout)


def test_waf_commit_changes_answers_and_bad_values_change_nothing(gateway_factory, tmp_path,
                                                                backend):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "TEST-RULES.conf").write_text(RULES)
    gw, nc = start_netconf(gateway_factory, tmp_path)
    client = gw.topo.client
    backend(gw.topo.backend)
    with nc.wait() as m:
        # the routes, no WAF (off by default): an attack passes
        m.edit_config(target="running", config=config(BASE))
        assert status(client, "/api" + SQLI) == 200

        # 1. block at paranoia 1 with an exclusion and a detect-only route
        before = counters(gw)
        gen = gw.generation()
        m.discard_changes()   # the candidate from the running just edited
        m.edit_config(target="candidate", config=config(waf("block", 1, rules, EXCLUSIONS)))
        m.commit()
        assert gw.generation() > gen
        assert gw.get_config()["config"]["waf"]["mode"] == "block"
        assert status(client, "/api" + SQLI) == 403
        assert status(client, "/open" + SQLI) == 200     # 942100 excluded on this route
        assert status(client, "/audit" + SQLI) == 200    # detect-only
        assert status(client, "/api" + PL2) == 200       # a level-2 rule does not run at 1
        d = counters_delta(before, counters(gw))
        assert d.get("waf.program_loaded") == 1, d
        assert d.get("waf.blocked") == 1 and d.get("waf.excluded") == 1, d
        assert d.get("waf.detected") == 1, d

        # 2. paranoia 2 straight into running: the level-2 rule runs now,
        # and the unchanged rule set is not shipped again
        before = counters(gw)
        m.edit_config(target="running", config=config("<waf><paranoia>2</paranoia></waf>"))
        assert status(client, "/api" + PL2) == 403
        assert status(client, "/open" + SQLI) == 200
        d = counters_delta(before, counters(gw))
        assert "waf.program_loaded" not in d, d

        # 3. the exclusion removed: the route blocks too
        m.edit_config(target="running", config=config(
            '<waf><routes><route>open</route>'
            f'<exclude-rules xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
            'nc:operation="delete">942100</exclude-rules></routes></waf>'))
        assert status(client, "/open" + SQLI) == 403

        good_running = m.get_config("running").data_xml
        good_gen = gw.generation()
        good_dp = gw.get_config()["config"]["waf"]

        # 4. values the model refuses, in running and in the candidate
        bad = [
            ("<waf><paranoia>5</paranoia></waf>", "invalid-value", "paranoia"),
            ("<waf><mode>audit</mode></waf>", "invalid-value", "mode"),
            ("<waf><inbound-threshold>0</inbound-threshold></waf>", "invalid-value",
             "inbound-threshold"),
            ("<waf><rule-sets>relative/dir</rule-sets></waf>", "invalid-value", "rule-sets"),
            ("<waf><routes><route>no-such-route</route><mode>off</mode></routes></waf>",
             None, "no-such-route"),
        ]
        for inner, tag, word in bad:
            for target in ("running", "candidate"):
                with pytest.raises(RPCError) as ei:
                    m.edit_config(target=target, config=config(inner))
                if tag:
                    assert ei.value.tag == tag, said(ei.value)
                assert word in said(ei.value), said(ei.value)
        # the route a WAF exclusion names cannot go (a leafref): refused at
        # the edit or at the latest at the commit
        m.discard_changes()
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="candidate", config=config(
                '<routes xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete">'
                "<name>audit</name></routes>"))
            m.commit()
        assert "audit" in said(ei.value), said(ei.value)
        m.discard_changes()

        # nothing changed anywhere
        assert m.get_config("running").data_xml == good_running
        assert gw.generation() == good_gen
        assert gw.get_config()["config"]["waf"] == good_dp
        assert status(client, "/api" + SQLI) == 403
        assert status(client, "/api" + PL2) == 403
        assert status(client, "/audit" + SQLI) == 200

        # 5. off through NETCONF: attacks pass again
        m.edit_config(target="running", config=config("<waf><mode>off</mode></waf>"))
        assert status(client, "/api" + SQLI) == 200
        assert gw.get_config()["config"]["waf"]["mode"] == "off"
