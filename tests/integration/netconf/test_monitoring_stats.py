"""ietf-netconf-monitoring statistics (RFC 6022 2.1.5) and the counters of
each session: a correct RPC, an RPC libnetconf2 cannot parse, an rpc-error
reply and a notification each move exactly their counters, on the session
and in the server's totals; a bad <hello> counts in in-bad-hellos, a
session whose transport is closed in dropped-sessions, a close-session in
neither."""

import re
import time
import xml.etree.ElementTree as ET

import paramiko
from ncclient.xml_ import to_ele
import pytest

from .ncutil import NC_NS, PASSWORD, USER, RPCError, start_netconf

NCM = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
COUNTERS = ("in-rpcs", "in-bad-rpcs", "out-rpc-errors", "out-notifications")


def state(m) -> tuple[dict, dict]:
    """(server statistics, {session-id: counters}) from one <get>."""
    root = ET.fromstring(m.get(filter=("subtree", f'<netconf-state xmlns="{NCM}"/>')).data_xml.encode())
    st = root.find(f".//{{{NCM}}}statistics")
    stats = {c.tag.split("}")[1]: c.text for c in st}
    sessions = {}
    for s in root.iter(f"{{{NCM}}}session"):
        sessions[int(s.findtext(f"{{{NCM}}}session-id"))] = {
            k: int(s.findtext(f"{{{NCM}}}{k}")) for k in COUNTERS}
    return stats, sessions


def delta(after: dict, before: dict) -> dict:
    return {k: int(after[k]) - int(before[k]) for k in COUNTERS}


def raw_hello(port: int, hello: bytes, close: bool) -> None:
    """An SSH session to the netconf subsystem that sends `hello` and then
    closes its transport (or waits to be dropped)."""
    t = paramiko.Transport(("127.0.0.1", port))
    try:
        t.connect(username=USER, password=PASSWORD)
        ch = t.open_session()
        ch.invoke_subsystem("netconf")
        ch.settimeout(5)
        buf = b""
        while b"]]>]]>" not in buf:
            buf += ch.recv(65536)
        ch.sendall(hello)
        if not close:
            time.sleep(0.5)
    finally:
        t.close()


def test_statistics_and_session_counters(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m, nc.connect() as sub:
        me = int(m.session_id)
        stats0, sess0 = state(m)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)",
                            stats0["netconf-start-time"]), stats0
        assert int(stats0["in-sessions"]) >= 2

        # one rpc-error (delete of a missing node), one unparsable RPC
        # (an operation of no module: libnetconf2 answers it itself)
        with pytest.raises(RPCError):
            m.edit_config(target="running", config=(
                f'<config xmlns="{NC_NS}" xmlns:nc="{NC_NS}"><nacm xmlns="{NACM}">'
                '<rule-list nc:operation="delete"><name>missing</name></rule-list></nacm></config>'))
        with pytest.raises(RPCError):
            m.dispatch(to_ele('<no-such-operation xmlns="urn:example:none"/>'))
        # a notification to the subscriber: a change of running
        sub.create_subscription()
        m.edit_config(target="running", config=(
            f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}"><rule-list><name>s</name>'
            "<group>nobody</group></rule-list></nacm></config>"))
        deadline = time.monotonic() + 10
        while sub.take_notification(block=True, timeout=1) is None:
            assert time.monotonic() < deadline, "no netconf-config-change"

        stats1, sess1 = state(m)
        # this session: the first state <get>, the edit that failed, the bad
        # RPC, the edit that worked (the <get> in flight is not counted yet)
        d = delta(sess1[me], sess0[me])
        assert d == {"in-rpcs": 3, "in-bad-rpcs": 1, "out-rpc-errors": 2,
                     "out-notifications": 0}, d
        ds = delta(sess1[int(sub.session_id)], sess0[int(sub.session_id)])
        assert ds == {"in-rpcs": 1, "in-bad-rpcs": 0, "out-rpc-errors": 0,
                      "out-notifications": 1}, ds
        dt = delta(stats1, stats0)
        assert dt == {"in-rpcs": 4, "in-bad-rpcs": 1, "out-rpc-errors": 2,
                      "out-notifications": 1}, dt

        # a hello without the base capability; a session dropped after a
        # good hello (transport closed without close-session)
        raw_hello(nc.port, (f'<hello xmlns="{NC_NS}"><capabilities><capability>urn:example:x'
                            "</capability></capabilities></hello>]]>]]>").encode(), close=False)
        raw_hello(nc.port, (f'<hello xmlns="{NC_NS}"><capabilities><capability>'
                            "urn:ietf:params:netconf:base:1.0</capability></capabilities>"
                            "</hello>]]>]]>").encode(), close=True)
        deadline = time.monotonic() + 10
        while True:
            stats2, _ = state(m)
            if int(stats2["dropped-sessions"]) > int(stats1["dropped-sessions"]):
                break
            assert time.monotonic() < deadline, stats2
            time.sleep(0.2)
        assert int(stats2["in-bad-hellos"]) == int(stats1["in-bad-hellos"]) + 1, stats2
        assert int(stats2["dropped-sessions"]) == int(stats1["dropped-sessions"]) + 1, stats2
        assert int(stats2["in-sessions"]) == int(stats1["in-sessions"]) + 1, stats2
    # two sessions closed by close-session: not dropped
    with nc.connect() as m:
        stats3, _ = state(m)
        assert int(stats3["dropped-sessions"]) == int(stats2["dropped-sessions"]), stats3
