"""Confirmed commit (RFC 6241 8.4, :confirmed-commit:1.1): a confirming commit
keeps the change; a timeout, a cancel-commit, or the end of the session that
started it (without persist) restores the previous running in the dataplane;
with persist another session confirms or cancels it with persist-id."""

import time

import pytest

from .ncutil import RPCError, config, start_netconf, xml_text
from rampart import ping

ADDR = "10.10.1.7"
CFG = config(f"<ports><port>0</port><addresses>{ADDR}/24</addresses></ports>")


def addresses(m, source="running"):
    return xml_text(m.get_config(source).data_xml, "addresses")


def dp_has(gw) -> bool:
    return f"{ADDR}/24" in gw.get_config()["config"]["ports"][0]["addresses"]


def wait_rollback(gw, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not dp_has(gw):
            return True
        time.sleep(0.2)
    return False


def test_capability_advertised(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        assert "urn:ietf:params:netconf:capability:confirmed-commit:1.1" in m.server_capabilities


def test_confirm_in_time_keeps_the_change(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="candidate", config=CFG)
        m.commit(confirmed=True, timeout="4")
        assert dp_has(gw)
        m.commit()  # confirming commit
        time.sleep(5)
        assert dp_has(gw)
        assert f"{ADDR}/24" in addresses(m)
        assert ping(gw.topo.client, ADDR, count=2) == 2


def test_timeout_rolls_back(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="candidate", config=CFG)
        m.commit(confirmed=True, timeout="2")
        assert dp_has(gw)
        assert ping(gw.topo.client, ADDR, count=2) == 2
        assert wait_rollback(gw)
        assert f"{ADDR}/24" not in addresses(m)
        assert f"{ADDR}/24" not in addresses(m, "candidate")
        assert ping(gw.topo.client, ADDR, count=2, wait=1) == 0
        # nothing pending any more: a confirming commit has nothing to confirm
        with pytest.raises(RPCError):
            m.commit(persist_id="nothing")


def test_cancel_commit_rolls_back(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        with pytest.raises(RPCError):
            m.cancel_commit()  # nothing pending
        m.edit_config(target="candidate", config=CFG)
        m.commit(confirmed=True, timeout="60")
        assert dp_has(gw)
        with nc.connect() as other:
            with pytest.raises(RPCError) as e:
                other.cancel_commit()  # not its confirmed commit
            assert e.value.tag == "in-use"
            with pytest.raises(RPCError):
                other.commit()
        m.cancel_commit()
        assert not dp_has(gw)
        assert f"{ADDR}/24" not in addresses(m)
        assert ping(gw.topo.client, ADDR, count=2, wait=1) == 0


def test_session_end_rolls_back_without_persist(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="candidate", config=CFG)
        m.commit(confirmed=True, timeout="60")
        assert dp_has(gw)
    assert wait_rollback(gw)
    with nc.connect() as m:
        assert f"{ADDR}/24" not in addresses(m)


def test_persist_across_sessions(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="candidate", config=CFG)
        m.commit(confirmed=True, timeout="60", persist="tok-1")
    time.sleep(1)
    assert dp_has(gw)  # survives the end of its session
    with nc.connect() as m:
        with pytest.raises(RPCError):
            m.commit(persist_id="wrong")
        with pytest.raises(RPCError):
            m.commit()  # persist set: a persist-id is required
        m.commit(persist_id="tok-1")
    time.sleep(1)
    assert dp_has(gw)
    assert ping(gw.topo.client, ADDR, count=2) == 2

    # a second persistent one, cancelled from another session
    with nc.connect() as m:
        m.edit_config(target="candidate", config=config(
            f'<ports><port>0</port><addresses xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
            f'nc:operation="delete">{ADDR}/24</addresses></ports>'))
        m.commit(confirmed=True, timeout="60", persist="tok-2")
        assert not dp_has(gw)
    with nc.connect() as m:
        m.cancel_commit(persist_id="tok-2")
        assert dp_has(gw)
        assert f"{ADDR}/24" in addresses(m)
