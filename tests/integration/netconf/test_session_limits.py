"""NETCONF session limits (/rampart-system:system/netconf-server): a
connection beyond max-sessions is closed, logged and counted; the idle
timeout closes a session that sends no RPC, 0 turns it off; both apply at
run time and default to the model's values."""

import time

import pytest

from .ncutil import NC_NS, config, start_netconf, xml_text

SYS = "urn:rampart:params:xml:ns:yang:rampart-system"


def server_cfg(inner: str) -> str:
    return (f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><netconf-server>{inner}'
            '</netconf-server></system></config>')


def state(m) -> dict:
    data = m.get(filter=("subtree", f'<system-state xmlns="{SYS}"/>')).data_xml
    return {k: int(xml_text(data, k)[0]) for k in
            ("sessions", "accepted-sessions", "rejected-sessions", "idle-timeouts")}


def usable(nc) -> bool:
    """Whether a new session opens and answers an RPC."""
    try:
        m = nc.connect(timeout=10)
    except Exception:
        return False
    try:
        m.get_config("running")
        return True
    except Exception:
        return False
    finally:
        try:
            m.close_session()
        except Exception:
            pass


def test_max_sessions(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as a:
        defaults = a.get_config("running", with_defaults="report-all",
                                filter=("subtree", f'<system xmlns="{SYS}"/>')).data_xml
        assert xml_text(defaults, "max-sessions") == ["16"]
        assert xml_text(defaults, "idle-timeout") == ["3600"]
        a.edit_config(target="running", config=server_cfg("<max-sessions>2</max-sessions>"))
        with nc.connect() as b:
            assert state(a)["sessions"] == 2
            # a third is refused, cleanly: the connection closes, rampart-cp goes on
            assert not usable(nc)
            st = state(b)
            assert st["rejected-sessions"] == 1, st
            assert st["sessions"] == 2, st
            assert "refused: 2 sessions open (max-sessions 2)" in gw.cp_log()
        # one closed: room again
        deadline = time.monotonic() + 10
        while state(a)["sessions"] != 1:
            assert time.monotonic() < deadline, "session b was not released"
            time.sleep(0.1)
        assert usable(nc)
        with pytest.raises(Exception):
            a.edit_config(target="running", config=server_cfg("<max-sessions>0</max-sessions>"))
        a.edit_config(target="running", config=server_cfg("<max-sessions>4</max-sessions>"))
        with nc.connect(), nc.connect():
            assert usable(nc)


def test_idle_timeout(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as a:
        a.edit_config(target="running", config=server_cfg("<idle-timeout>2</idle-timeout>"))
        idle = nc.connect()
        sid = idle.session_id
        # a keeps sending RPCs, idle sends none for twice the timeout
        deadline = time.monotonic() + 4.5
        while time.monotonic() < deadline:
            a.get_config("running", filter=("subtree", f'<system xmlns="{SYS}"/>'))
            time.sleep(0.5)
        with pytest.raises(Exception):
            idle.get_config("running")
        assert state(a)["idle-timeouts"] >= 1
        assert f"session {sid} closed after 2 s without an RPC (idle-timeout)" in gw.cp_log()

        # 0: off
        a.edit_config(target="running", config=server_cfg("<idle-timeout>0</idle-timeout>"))
        assert "idle timeout 0 s (off)" in gw.cp_log()
        with nc.connect() as quiet:
            deadline = time.monotonic() + 3.5
            while time.monotonic() < deadline:
                a.get_config("running", filter=("subtree", f'<system xmlns="{SYS}"/>'))
                time.sleep(0.5)
            assert xml_text(quiet.get_config("running").data_xml, "port") == ["0", "1"]
        # an edit that has nothing to do with the server leaves the timeout as it is
        a.edit_config(target="running",
                      config=config("<ports><port>0</port><addresses>10.10.1.9/24</addresses></ports>"))
        assert state(a)["idle-timeouts"] == 1
