"""A confirmed commit with <persist> survives a restart of rampart-cp
(RFC 6241 8.4, controlplane/netconf/confirmed.c): after the restart the
pending configuration is running and in the dataplane again, and its
persist-id confirms it; one whose timeout passed while rampart-cp was down
is rolled back at the start. The state file goes when the commit ends."""

import time

from .ncutil import config, start_netconf

CC_FILE = "confirmed-commit.json"


def probes(n: int) -> str:
    return config(f"<neighbour><probes>{n}</probes></neighbour>")


def restart(gw, nc):
    gw.stop_cp()
    gw.start_cp()
    return nc.wait()


def wait_probes(gw, n: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while gw.get_config()["config"]["neighbour"]["probes"] != n:
        assert time.monotonic() < deadline, gw.get_config()["config"]["neighbour"]
        time.sleep(0.2)


def test_persist_commit_survives_restart(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="running", config=probes(3))
        m.edit_config(target="candidate", config=probes(7))
        m.commit(confirmed=True, timeout="120", persist="tok-1")
    wait_probes(gw, 7)
    assert (nc.state_dir / CC_FILE).exists()

    with restart(gw, nc) as m:
        wait_probes(gw, 7)  # applied again (running started as startup)
        assert "<probes>7</probes>" in m.get_config("running").data_xml
        m.commit(persist_id="tok-1")  # the confirming commit
    assert not (nc.state_dir / CC_FILE).exists()
    with restart(gw, nc) as m:
        time.sleep(1)
        # confirmed, not in startup: running starts as startup (the default)
        assert "pending from before the restart" not in gw.cp_log().split("listening")[-1]


def test_expired_while_down_rolls_back(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="running", config=probes(3))
        m.copy_config(source="running", target="startup")
        m.edit_config(target="running", config=probes(4))
        m.edit_config(target="candidate", config=probes(8))
        m.commit(confirmed=True, timeout="2", persist="tok-2")
    wait_probes(gw, 8)
    gw.stop_cp()
    time.sleep(3)
    gw.start_cp()
    with nc.wait() as m:
        # rolled back to running before the confirmed commit (4), not to
        # startup (3), and the file is gone
        wait_probes(gw, 4)
        assert "<probes>4</probes>" in m.get_config("running").data_xml
        assert "timeout expired; rolling back" in gw.cp_log()
        deadline = time.monotonic() + 10
        while (nc.state_dir / CC_FILE).exists():
            assert time.monotonic() < deadline
            time.sleep(0.2)
