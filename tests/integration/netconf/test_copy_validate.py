"""copy-config from an inline configuration, default-operation replace,
validate of an inline configuration, and edits that the model refuses as a
whole (a missing mandatory leaf)."""

import pytest

from .ncutil import port_names, NC_NS, NS, RPCError, config, start_netconf, xml_text

from ncclient.xml_ import to_ele  # noqa: E402  (after ncutil's importorskip)


def rpc(m, body):
    """Send an RPC body ncclient has no helper for (inline <config> sources)."""
    return m.dispatch(to_ele(body))


def copy_inline(m, cfg, target):
    return rpc(m, f'<copy-config xmlns="{NC_NS}"><target><{target}/></target>'
                  f'<source>{cfg}</source></copy-config>')


def validate_inline(m, cfg):
    return rpc(m, f'<validate xmlns="{NC_NS}"><source>{cfg}</source></validate>')


SMALL = (f'<config xmlns="{NC_NS}"><dataplane xmlns="{NS}"><schema>1</schema>'
         '<ports><port>0</port><name>only</name><addresses>10.10.1.1/24</addresses></ports>'
         '</dataplane></config>')


def test_copy_inline_and_replace(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        copy_inline(m, SMALL, "candidate")
        assert port_names(m.get_config("candidate").data_xml) == ["only"]
        m.discard_changes()
        assert port_names(m.get_config("candidate").data_xml) == ["client", "backend"]

        # default-operation replace: the edit becomes the whole configuration
        m.edit_config(target="candidate", default_operation="replace",
                      config=SMALL.replace("only", "again"))
        assert port_names(m.get_config("candidate").data_xml) == ["again"]
        m.commit()
        assert [p["name"] for p in gw.get_config()["config"]["ports"]] == ["again"]

        # without the mandatory schema leaf the replace is refused
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="running", default_operation="replace",
                          config=config("<icmp><echo>false</echo></icmp>"))
        assert ei.value.tag == "invalid-value", ei.value.xml
        assert "schema" in ei.value.message, ei.value.xml
        assert port_names(m.get_config("running").data_xml) == ["again"]


def test_validate_inline(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        validate_inline(m, SMALL)
        with pytest.raises(RPCError) as ei:
            validate_inline(m, SMALL.replace("<schema>1</schema>", ""))
        assert ei.value.tag == "invalid-value", ei.value.xml
        with pytest.raises(RPCError) as ei:
            validate_inline(m, SMALL.replace("<name>only</name>", "<colour>red</colour>"))
        assert ei.value.tag in ("unknown-element", "invalid-value", "malformed-message"), ei.value.xml
