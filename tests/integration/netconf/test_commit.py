"""Transactional apply: a commit changes what the dataplane does; values the
model refuses never reach it; values the dataplane refuses come back as an
rpc-error with its message, and running stays as it was."""

import pytest

from .ncutil import port_names, RPCError, config, start_netconf, xml_text
from rampart import ping


def addresses(m, source="running"):
    return xml_text(m.get_config(source).data_xml, "addresses")


def test_candidate_commit_changes_the_dataplane(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    client = gw.topo.client
    with nc.wait() as m:
        gen0 = gw.generation()
        m.edit_config(target="candidate",
                      config=config("<ports><port>0</port><addresses>10.10.1.7/24</addresses></ports>"))
        assert "10.10.1.7/24" in addresses(m, "candidate")
        assert "10.10.1.7/24" not in addresses(m, "running")
        assert gw.generation() == gen0  # nothing pushed before the commit

        m.commit()
        assert gw.generation() > gen0
        assert "10.10.1.7/24" in addresses(m, "running")
        assert "10.10.1.7/24" in gw.get_config()["config"]["ports"][0]["addresses"]
        assert ping(client, "10.10.1.7", count=3) == 3

        # edit running directly: delete the address again
        m.edit_config(target="running", config=config(
            '<ports><port>0</port><addresses xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
            'nc:operation="delete">10.10.1.7/24</addresses></ports>'))
        assert "10.10.1.7/24" not in gw.get_config()["config"]["ports"][0]["addresses"]
        assert ping(client, "10.10.1.7", count=2, wait=1) == 0
        assert ping(client, "10.10.1.1", count=2) == 2


@pytest.mark.parametrize("inner, what", [
    ("<ports><port>0</port><addresses>10.10.1.300/24</addresses></ports>", "addresses"),
    ("<ports><port>0</port><mtu>100</mtu></ports>", "mtu"),
    ("<neighbour><probes>0</probes></neighbour>", "probes"),
])
def test_invalid_value_refused_by_validation(gateway_factory, tmp_path, inner, what):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        gen0 = gw.generation()
        before = m.get_config("running").data_xml
        for target in ("candidate", "running"):
            with pytest.raises(RPCError) as ei:
                m.edit_config(target=target, config=config(inner))
            assert ei.value.tag == "invalid-value", ei.value.xml
            assert what in (ei.value.path or ""), ei.value.xml
        assert m.get_config("running").data_xml == before
        assert m.get_config("candidate").data_xml == before
        assert gw.generation() == gen0


def test_dataplane_refusal_keeps_running(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    client = gw.topo.client
    with nc.wait() as m:
        gen0 = gw.generation()
        before = m.get_config("running").data_xml
        # the model allows ports 0..7; this dataplane has two
        m.edit_config(target="candidate", config=config(
            "<ports><port>5</port><addresses>10.10.5.1/24</addresses></ports>"))
        with pytest.raises(RPCError) as ei:
            m.commit()
        err = ei.value
        assert err.tag == "operation-failed", err.xml
        assert "dataplane refused" in err.message, err.xml
        assert "port" in err.message, err.xml
        assert "rdp:ports[rdp:port='5']" in (err.path or ""), err.xml
        assert m.get_config("running").data_xml == before
        assert gw.generation() == gen0
        assert ping(client, "10.10.1.1", count=2) == 2
        # the candidate keeps the change until it is discarded
        assert "10.10.5.1/24" in addresses(m, "candidate")
        m.discard_changes()
        assert m.get_config("candidate").data_xml == before
        assert "refused a NETCONF configuration" in gw.cp_log()


def test_edit_operations_errors(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="candidate", config=config(
                "<ports><port>0</port><name>x</name></ports>".replace(
                    "<ports>", '<ports xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="create">')))
        assert ei.value.tag == "data-exists", ei.value.xml
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="candidate", config=config(
                '<ports xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"><port>6</port></ports>'))
        assert ei.value.tag == "data-missing", ei.value.xml
        # remove of a missing node is fine; replace rewrites the entry
        m.edit_config(target="candidate", config=config(
            '<ports xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"><port>6</port></ports>'))
        m.edit_config(target="candidate", config=config(
            '<ports xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="replace">'
            '<port>1</port><name>back2</name></ports>'))
        cand = m.get_config("candidate").data_xml
        assert port_names(cand) == ["client", "back2"]
        assert "10.10.2.1/24" not in xml_text(cand, "addresses")
        # test-only validates and changes nothing
        m.edit_config(target="candidate", test_option="test-only",
                      config=config("<icmp><echo>false</echo></icmp>"))
        assert xml_text(m.get_config("candidate").data_xml, "echo") == ["true"]
        m.validate(source="candidate")
        m.discard_changes()
        assert port_names(m.get_config("candidate").data_xml) == ["client", "backend"]


def test_commit_refused_when_dataplane_down(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        before = m.get_config("running").data_xml
        assert gw.stop_dp() == 0
        m.edit_config(target="candidate", config=config("<icmp><echo>false</echo></icmp>"))
        with pytest.raises(RPCError) as ei:
            m.commit()
        assert "rampart-dp is not connected" in ei.value.message, ei.value.xml
        assert m.get_config("running").data_xml == before


def test_restarted_dataplane_gets_the_committed_running(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        m.edit_config(target="candidate",
                      config=config("<ports><port>0</port><addresses>10.10.1.8/24</addresses></ports>"))
        m.commit()
        assert gw.stop_dp() == 0
        gw.dp_rc = None
        gw.start_dp()
        gw.wait_generation(1)
        assert "10.10.1.8/24" in gw.get_config()["config"]["ports"][0]["addresses"]
        assert ping(gw.topo.client, "10.10.1.8", count=2) == 2
        # and NETCONF works against the new dataplane
        m.edit_config(target="running", config=config("<icmp><echo>false</echo></icmp>"))
        assert gw.get_config()["config"]["icmp"]["echo"] is False
