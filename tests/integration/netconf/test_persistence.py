"""Persistence under kill -9: a client commits and copies running to
startup in a loop while rampart-cp is killed with SIGKILL at random
moments (15 rounds); after every restart startup.json parses, equals one
of the versions the client committed, running starts from it, and no
temporary file is left behind."""

import json
import random
import signal
import threading
import time

from .ncutil import NS, config, start_netconf, xml_text

ROUNDS = 15


def version_cfg(n: int) -> str:
    # each version is recognisable by port 0's name and its neighbour probes
    return config(f"<ports><port>0</port><name>v{n}</name></ports>"
                  f"<neighbour><probes>{1 + n % 9}</probes></neighbour>")


def startup_version(path) -> str | None:
    doc = json.loads(path.read_text())  # must parse: never half-written
    dp = doc["rampart-dataplane:dataplane"]
    name = next(p.get("name") for p in dp["ports"] if p["port"] == 0)
    if name.startswith("v"):  # the whole version, not a mix of two
        assert dp["neighbour"]["probes"] == 1 + int(name[1:]) % 9, doc
    return name


def port0_name(m, source: str) -> str:
    data = m.get_config(source, filter=("xpath", ({"r": NS}, "/r:dataplane/r:ports[r:port='0']/r:name")))
    return xml_text(data.data_xml, "name")[0]


def writer(nc, start: int, attempted: list, stop: threading.Event) -> None:
    """Commit and save versions start, start+1, ... until the connection dies."""
    n = start
    try:
        with nc.connect(timeout=10) as m:
            while not stop.is_set() and n < start + 1000:
                m.edit_config(target="candidate", config=version_cfg(n))
                m.commit()
                attempted.append(f"v{n}")  # from here on the file may hold it
                m.copy_config(source="running", target="startup")
                n += 1
    except Exception:
        pass  # rampart-cp was killed under us


def test_kill9_loop_keeps_startup_whole(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    startup = nc.state_dir / "startup.json"
    rng = random.Random(6)
    attempted: list[str] = []
    saved = None  # the version startup held before the round
    nc.wait().close_session()
    kills = 0
    for rnd in range(ROUNDS):
        stop = threading.Event()
        t = threading.Thread(target=writer, args=(nc, rnd * 1000, attempted, stop), daemon=True)
        t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        gw.cp.send_signal(signal.SIGKILL)
        gw.cp.wait(10)
        kills += 1
        stop.set()
        t.join(15)
        assert not t.is_alive()

        if startup.exists():
            got = startup_version(startup)
            assert got == saved or got in attempted, (got, saved, attempted[-3:])
            saved = got
        gw.start_cp()
        with nc.wait(timeout=30) as m:
            assert not list(nc.state_dir.glob(".*.tmp")), list(nc.state_dir.iterdir())
            if saved is not None:
                # running starts from startup
                assert port0_name(m, "running") == saved
                assert port0_name(m, "startup") == saved
    assert kills == ROUNDS
    # the loop did save versions, and the last one survived
    assert saved is not None and len(attempted) >= ROUNDS, attempted
    assert "startup.json" in gw.cp_log()
