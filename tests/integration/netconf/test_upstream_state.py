"""Upstream health as NETCONF state: an upstream with an active health check
over a backend that answers and a port where nothing listens; <get> shows
upstreams/servers/state from the dataplane's stats-get (status up for the
one, down for the other, the check and request counters), merged into the
configured servers; <get-config> has none of it (config false)."""

import time
import xml.etree.ElementTree as ET

from .ncutil import NS, config, start_netconf
from .test_e2e_proxy import GW, PORT, echo_backend  # noqa: F401  (fixture)
from rampart import netns_run

BE = "10.10.2.2"
UP_PORT, DOWN_PORT = 8000, 8013  # echo_backend listens on 8000; nothing on 8013
UPSTREAM = (f"<upstreams><name>pool</name>"
            f"<servers><address>{BE}</address><port>{UP_PORT}</port></servers>"
            f"<servers><address>{BE}</address><port>{DOWN_PORT}</port></servers>"
            "<health-check><path>/health</path><interval-ms>200</interval-ms>"
            "<rise>1</rise><fall>1</fall></health-check></upstreams>")
SETUP = (f"<listeners><name>hc</name><port>{PORT}</port></listeners>" + UPSTREAM +
         "<routes><name>all</name><listener>hc</listener><path-prefix>/</path-prefix>"
         "<upstream>pool</upstream></routes>")
FILTER = f'<dataplane xmlns="{NS}"><upstreams><name>pool</name></upstreams></dataplane>'
LEAVES = ("ejected-workers", "requests", "failures", "ejections", "checks", "check-failures")


def server_states(data_xml: str) -> dict:
    """{port: {leaf: text}} of upstream pool's servers' state."""
    out = {}
    for up in ET.fromstring(data_xml.encode()).iter(f"{{{NS}}}upstreams"):
        if up.findtext(f"{{{NS}}}name") != "pool":
            continue
        for sv in up.findall(f"{{{NS}}}servers"):
            st = sv.find(f"{{{NS}}}state")
            out[int(sv.findtext(f"{{{NS}}}port"))] = (
                {} if st is None else {e.tag.split("}")[-1]: e.text for e in st})
    return out


def wait_states(m, want: dict, timeout: float = 20.0) -> dict:
    """Poll <get> (bounded) until every port has the wanted status."""
    deadline = time.monotonic() + timeout
    while True:
        st = server_states(m.get(filter=("subtree", FILTER)).data_xml)
        if all(st.get(p, {}).get("status") == s for p, s in want.items()):
            return st
        assert time.monotonic() < deadline, st
        time.sleep(0.2)


def test_upstream_health_in_get(gateway_factory, tmp_path, echo_backend):  # noqa: F811
    gw, nc = start_netconf(gateway_factory, tmp_path)
    echo_backend(gw.topo.backend)
    with nc.wait() as m:
        m.edit_config(target="running", config=config(SETUP))
        st = wait_states(m, {UP_PORT: "up", DOWN_PORT: "down"})
        for port in (UP_PORT, DOWN_PORT):
            assert set(LEAVES) <= set(st[port]), st
            assert int(st[port]["checks"]) >= 1, st
        assert int(st[DOWN_PORT]["check-failures"]) >= 1, st

        # With the dead server down every request goes to the live one,
        # and its request counter shows them.
        before = int(st[UP_PORT]["requests"])
        for i in range(3):
            r = netns_run(gw.topo.client, ["curl", "-sS", "--max-time", "5", "-o", "/dev/null",
                                           "-w", "%{http_code}", f"http://{GW}:{PORT}/x{i}"],
                          timeout=20)
            assert r.stdout == "200", (r.stdout, r.stderr)
        st = wait_states(m, {UP_PORT: "up", DOWN_PORT: "down"})
        assert int(st[UP_PORT]["requests"]) >= before + 3, st
        assert int(st[DOWN_PORT]["requests"]) == 0, st

        # The unfiltered <get> carries it too, merged into the configured
        # servers; <get-config> has no state.
        full = m.get().data_xml
        assert server_states(full)[DOWN_PORT]["status"] == "down"
        assert "dataplane-state" in full
        xp = m.get(filter=("xpath", ({"r": NS}, "/r:dataplane/r:upstreams[r:name='pool']"
                                     f"/r:servers[r:port='{DOWN_PORT}']/r:state/r:status"))).data_xml
        assert server_states(xp) == {DOWN_PORT: {"status": "down"}}, xp
        running = m.get_config("running").data_xml
        assert "check-failures" not in running and "ejected-workers" not in running
        assert sorted(server_states(running)) == [UP_PORT, DOWN_PORT]

        # <get> lends the state to running for its reply (no copy) and
        # takes it back: running is the same before and after, defaults
        # (implicit containers included) tagged as they were
        def tagged():
            return m.get_config("running", with_defaults="report-all-tagged").data_xml
        before = (tagged(), m.get_config("running", with_defaults="trim").data_xml, running)
        for flt in (None, ("subtree", FILTER),
                    ("xpath", ({"n": "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"},
                               "/n:nacm/n:denied-operations"))):
            x = m.get(filter=flt).data_xml if flt else m.get().data_xml
            assert ("denied-operations" in x) == (flt is None or flt[0] == "xpath"), x[:2000]
        assert (tagged(), m.get_config("running", with_defaults="trim").data_xml,
                m.get_config("running").data_xml) == before
        # and a get whose filter selects only running's config has no state
        x = m.get(filter=("subtree", f'<dataplane xmlns="{NS}"><listeners/></dataplane>')).data_xml
        assert "<state>" not in x and "hc" in x, x
