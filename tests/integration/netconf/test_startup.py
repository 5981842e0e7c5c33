"""The startup datastore: copy-config running -> startup persists (atomic
file in the state directory), and a restarted rampart-cp starts running
from it and pushes it to the dataplane; delete-config returns to the
embedded default."""

import json

from .ncutil import config, start_netconf, xml_text
from rampart import ping


def test_startup_persists_across_restart(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    startup = nc.state_dir / "startup.json"
    with nc.wait() as m:
        m.edit_config(target="running",
                      config=config("<ports><port>0</port><addresses>10.10.1.9/24</addresses></ports>"))
        assert not startup.exists()
        m.copy_config(source="running", target="startup")
        assert startup.exists()
        doc = json.loads(startup.read_text())
        assert "10.10.1.9/24" in doc["rampart-dataplane:dataplane"]["ports"][0]["addresses"]
        assert oct(startup.stat().st_mode & 0o777) == "0o600"
        assert not list(nc.state_dir.glob(".*.tmp"))
        assert xml_text(m.get_config("startup").data_xml, "addresses") == \
            xml_text(m.get_config("running").data_xml, "addresses")

    gen = gw.generation()
    assert gw.stop_cp() == 0
    gw.cp_rc = None
    gw.start_cp()
    with nc.wait() as m:
        assert "10.10.1.9/24" in xml_text(m.get_config("running").data_xml, "addresses")
        # the restarted control plane re-pushed startup
        gw.wait_generation(gen + 1)
        assert "10.10.1.9/24" in gw.get_config()["config"]["ports"][0]["addresses"]
        assert ping(gw.topo.client, "10.10.1.9", count=2) == 2
        m.delete_config(target="startup")
        assert not startup.exists()
    assert "startup.json" in gw.cp_log()
