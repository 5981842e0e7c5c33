"""Transactional apply: a commit changes what the dataplane does; values the
model refuses never reach it; values the dataplane refuses come back as an
rpc-error with its message, and running stays as it was."""

import pytest

from .ncutil import NC_NS, port_names, RPCError, config, start_netconf, xml_text
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


# a route whose listener and upstream do not exist: well-typed values (the
# parse takes them), refused only by validation (leafrefs)
DANGLING_ROUTE = "<routes><name>ghost</name><listener>none</listener><upstream>none</upstream></routes>"


def test_commit_of_an_invalid_candidate(gateway_factory, tmp_path):
    """test-option set stores an edit of the candidate without validating
    it; <validate> and <commit> of that candidate are refused, and nothing
    reaches running or the dataplane."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        gen0 = gw.generation()
        before = m.get_config("running").data_xml
        m.edit_config(target="candidate", test_option="set", config=config(DANGLING_ROUTE))
        assert "ghost" in m.get_config("candidate").data_xml
        for call in (lambda: m.validate(source="candidate"), m.commit):
            with pytest.raises(RPCError) as ei:
                call()
            e = ei.value
            assert e.tag in ("invalid-value", "data-missing"), e.xml
            assert "routes[rdp:name='ghost']" in (e.path or ""), e.xml
            assert e.message and ("listener" in e.message or "upstream" in e.message or
                                  "leafref" in e.message.lower()), e.xml
        assert m.get_config("running").data_xml == before
        assert gw.generation() == gen0
        assert all(r["name"] != "ghost" for r in gw.get_config()["config"].get("routes", []))
        m.discard_changes()
        assert m.get_config("candidate").data_xml == before
        # the same edit validated (default test-then-set) is refused at once
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="candidate", test_option="test-then-set",
                          config=config(DANGLING_ROUTE))
        assert ei.value.tag in ("invalid-value", "data-missing"), ei.value.xml
        assert m.get_config("candidate").data_xml == before


def test_edit_options(gateway_factory, tmp_path):
    """error-option stop-on-error and rollback-on-error leave the target as
    it was on an error; continue-on-error is refused as not supported;
    default-operation none changes only what names an operation."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        before = m.get_config("running").data_xml
        bad = config("<ports><port>0</port><mtu>9000</mtu></ports><neighbour><probes>0</probes></neighbour>")
        for opt in ("stop-on-error", "rollback-on-error"):
            with pytest.raises(RPCError) as ei:
                m.edit_config(target="running", error_option=opt, config=bad)
            assert ei.value.tag == "invalid-value", ei.value.xml
            assert m.get_config("running").data_xml == before, opt
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="running", error_option="continue-on-error",
                          config=config("<icmp><echo>false</echo></icmp>"))
        assert ei.value.tag == "operation-not-supported", ei.value.xml
        assert m.get_config("running").data_xml == before
        # default-operation none: the port's mtu (no operation) is not
        # merged, the probes leaf with nc:operation="merge" is
        gen = gw.generation()
        m.edit_config(target="running", default_operation="none", config=config(
            '<ports><port>0</port><mtu>9000</mtu></ports>'
            f'<neighbour><probes xmlns:nc="{NC_NS}" nc:operation="merge">6</probes></neighbour>'))
        gw.wait_generation(gen + 1)
        dp = gw.get_config()["config"]
        assert dp["neighbour"]["probes"] == 6
        assert dp["ports"][0].get("mtu", 1500) != 9000
        # test-then-set with rollback-on-error: applied when valid
        m.edit_config(target="running", test_option="test-then-set", error_option="rollback-on-error",
                      config=config("<neighbour><probes>4</probes></neighbour>"))
        gw.wait_generation(gen + 2)
        assert gw.get_config()["config"]["neighbour"]["probes"] == 4


def test_delete_and_remove_of_a_leaf_without_its_value(gateway_factory, tmp_path):
    """RFC 6241 lets delete/remove name a leaf without a value
    (<probes nc:operation="delete"/>, as yangcli sends it): the leaf goes,
    back to its default; delete of an absent leaf is data-missing, remove of
    one changes nothing; any other empty value is still invalid."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    op = f'xmlns:nc="{NC_NS}" nc:operation'
    with nc.wait() as m:
        gen = gw.generation()
        m.edit_config(target="running", config=config("<neighbour><probes>6</probes></neighbour>"))
        gw.wait_generation(gen + 1)
        m.edit_config(target="running", config=config(f'<neighbour><probes {op}="delete"/></neighbour>'))
        gw.wait_generation(gen + 2)
        assert gw.get_config()["config"]["neighbour"].get("probes", 3) == 3
        assert "<probes>" not in m.get_config("running").data_xml
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="running", config=config(f'<neighbour><probes {op}="delete"/></neighbour>'))
        assert ei.value.tag == "data-missing", ei.value.xml
        assert "probes" in (ei.value.path or ""), ei.value.xml
        m.edit_config(target="candidate", config=config(f'<neighbour><probes {op}="remove"/></neighbour>'))
        # a list entry's leaf, on the candidate
        m.edit_config(target="candidate", config=config("<ports><port>1</port><mtu>1400</mtu></ports>"))
        m.edit_config(target="candidate", config=config(f'<ports><port>1</port><mtu {op}="delete"/></ports>'))
        assert "<mtu>1400</mtu>" not in m.get_config("candidate").data_xml
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="candidate", config=config("<neighbour><probes/></neighbour>"))
        assert ei.value.tag == "invalid-value", ei.value.xml
        m.discard_changes()
        assert gw.generation() == gen + 2
