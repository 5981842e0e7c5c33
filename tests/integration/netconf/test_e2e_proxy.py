"""End to end through NETCONF for the HTTP proxy: ncclient edits the
candidate, commits, and the dataplane starts answering the new listener and
forwarding the new route to a real backend (echo_backend.py logs what it
received); a commit the model refuses (route to an unknown upstream) or the
dataplane refuses (two routes matching the same requests) comes back as an
rpc-error and changes nothing: running, the dataplane's generation and the
old route's answers stay as they were."""

import json
import subprocess
from pathlib import Path

import pytest

from .ncutil import RPCError, config, start_netconf
from rampart import netns_run

BACKEND = str(Path(__file__).resolve().parents[1] / "http" / "echo_backend.py")
GW = "10.10.1.1"
PORT = 8088

LISTENER = f"<listeners><name>e2e</name><port>{PORT}</port></listeners>"
UPSTREAM = ("<upstreams><name>echo</name><servers><address>10.10.2.2</address>"
            "<port>8000</port></servers></upstreams>")


def route(name: str, prefix: str, upstream: str) -> str:
    return (f"<routes><name>{name}</name><listener>e2e</listener><path-prefix>{prefix}</path-prefix>"
            f"<upstream>{upstream}</upstream></routes>")


@pytest.fixture
def echo_backend(gateway_factory, tmp_path):
    """Started lazily by the test (it needs the topology of the gateway)."""
    procs = []

    def start(ns: str) -> Path:
        log = tmp_path / "backend.log"
        p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", BACKEND, "8000",
                              str(log), "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, stdin=subprocess.DEVNULL)
        procs.append(p)
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        return log

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def get(ns: str, path: str) -> tuple[int, str]:
    """(status, body) of a GET to the new listener; (0, error) when refused."""
    r = netns_run(ns, ["curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}",
                       f"http://{GW}:{PORT}{path}"], timeout=20)
    if r.returncode != 0:
        return 0, r.stderr
    body, _, code = r.stdout.rpartition("\n")
    return int(code), body


def received(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(l)["target"] for l in log.read_text().splitlines() if l.strip()]


def test_commit_adds_a_route_and_bad_ones_change_nothing(gateway_factory, tmp_path, echo_backend):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    client = gw.topo.client
    log = echo_backend(gw.topo.backend)
    with nc.wait() as m:
        # nothing listens on the port yet
        assert get(client, "/v1/x")[0] == 0
        gen0 = gw.generation()

        m.edit_config(target="candidate", config=config(LISTENER + UPSTREAM + route("v1", "/v1", "echo")))
        assert gw.generation() == gen0  # nothing pushed before the commit
        m.commit()
        assert gw.generation() > gen0
        dp = gw.get_config()["config"]
        assert [r["name"] for r in dp["routes"]] == ["v1"], dp
        status, body = get(client, "/v1/x?a=1")
        assert status == 200, body
        assert json.loads(body)["target"] == "/v1/x?a=1"
        assert received(log) == ["/v1/x?a=1"]
        assert get(client, "/other")[0] == 404  # the listener answers, no route there

        good_running = m.get_config("running").data_xml
        good_gen = gw.generation()

        # 1. refused by the model (a leafref), already at edit-config: the
        # route names an upstream that does not exist
        for target in ("candidate", "running"):
            with pytest.raises(RPCError) as ei:
                m.edit_config(target=target, config=config(route("v2", "/v2", "nope")))
            assert ei.value.tag in ("data-missing", "invalid-value"), ei.value.xml
            assert '"nope"' in ei.value.message, ei.value.xml
        assert m.get_config("candidate").data_xml == good_running

        # 2. refused by the dataplane: two routes matching the same requests
        m.edit_config(target="candidate", config=config(route("v1-copy", "/v1", "echo")))
        with pytest.raises(RPCError) as ei:
            m.commit()
        assert ei.value.tag == "operation-failed", ei.value.xml
        assert "dataplane refused" in ei.value.message, ei.value.xml
        assert "match the same requests" in ei.value.message, ei.value.xml
        m.discard_changes()

        # 3. the same straight into running (no candidate)
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="running", config=config(route("v1-copy", "/v1", "echo")))
        assert "dataplane refused" in ei.value.message, ei.value.xml

        # nothing changed anywhere
        assert m.get_config("running").data_xml == good_running
        assert gw.generation() == good_gen
        assert [r["name"] for r in gw.get_config()["config"]["routes"]] == ["v1"]
        status, body = get(client, "/v1/again")
        assert status == 200 and json.loads(body)["target"] == "/v1/again", body
        assert get(client, "/v2/x")[0] == 404
        assert received(log) == ["/v1/x?a=1", "/v1/again"]

        # removing the route through NETCONF takes it off the dataplane
        m.edit_config(target="running", config=config(
            '<routes xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete">'
            "<name>v1</name></routes>"))
        assert gw.generation() > good_gen
        assert get(client, "/v1/x")[0] == 404
        assert received(log) == ["/v1/x?a=1", "/v1/again"]
