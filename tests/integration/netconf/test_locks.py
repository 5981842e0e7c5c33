"""RFC 6241 7.5/7.6 lock rules, kill-session, and locks released when a
session ends."""

import pytest

from .ncutil import RPCError, config, start_netconf, xml_text

NCM_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"


def test_lock_rules(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    a = nc.wait()
    b = nc.connect()
    try:
        a.lock("running")
        with pytest.raises(RPCError) as ei:
            b.lock("running")
        assert ei.value.tag == "lock-denied", ei.value.xml
        # ietf-netconf-monitoring shows who holds it
        state = b.get(filter=("subtree", f'<netconf-state xmlns="{NCM_NS}"><datastores/></netconf-state>')).data_xml
        assert xml_text(state, "locked-by-session") == [str(a.session_id)]
        assert "session-id" in (ei.value.info or "") and str(a.session_id) in ei.value.info, ei.value.info
        with pytest.raises(RPCError) as ei:
            b.edit_config(target="running", config=config("<icmp><echo>false</echo></icmp>"))
        assert ei.value.tag == "in-use", ei.value.xml
        # b may edit the candidate but not commit it into a locked running
        b.edit_config(target="candidate", config=config("<icmp><echo>false</echo></icmp>"))
        with pytest.raises(RPCError) as ei:
            b.commit()
        assert ei.value.tag == "in-use", ei.value.xml
        with pytest.raises(RPCError) as ei:
            b.unlock("running")
        assert ei.value.tag == "lock-denied", ei.value.xml
        a.unlock("running")
        with pytest.raises(RPCError) as ei:
            a.unlock("running")
        assert ei.value.tag == "operation-failed", ei.value.xml

        # no lock on a candidate with uncommitted changes
        with pytest.raises(RPCError) as ei:
            a.lock("candidate")
        assert ei.value.tag == "lock-denied", ei.value.xml
        b.discard_changes()
        a.lock("candidate")
        with pytest.raises(RPCError) as ei:
            b.edit_config(target="candidate", config=config("<icmp><echo>false</echo></icmp>"))
        assert ei.value.tag == "in-use", ei.value.xml

        # the lock goes with the session that held it
        a.close_session()
        b.lock("candidate")
        b.unlock("candidate")
    finally:
        for m in (a, b):
            if m.connected:
                m.close_session()


def test_kill_session_releases_locks(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    a = nc.wait()
    b = nc.connect()
    try:
        a.lock("running")
        a.edit_config(target="candidate", config=config("<icmp><echo>false</echo></icmp>"))
        with pytest.raises(RPCError):
            b.lock("running")
        with pytest.raises(RPCError) as ei:
            b.kill_session(b.session_id)
        assert ei.value.tag == "invalid-value", ei.value.xml
        b.kill_session(a.session_id)
        b.lock("running")
        b.unlock("running")
        assert "killed by session" in gw.cp_log()
    finally:
        for m in (a, b):
            try:
                if m.connected:
                    m.close_session()
            except Exception:
                pass
