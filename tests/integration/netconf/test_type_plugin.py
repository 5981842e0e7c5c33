"""rampart-cp's libyang type plugin (controlplane/datastore/yang_types.c,
ietf-netconf-acm's matchall-string-type) is in use and changes nothing an
operator sees: "*" and other values of the NACM rules' unions are stored and
read back as before, and a value no member of a union takes is refused with
libyang's own message."""

import pytest

from .ncutil import NC_NS, RPCError, start_netconf

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"


def rules(*rule_xml: str) -> str:
    return (f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}"><rule-list><name>plug</name>'
            f'<group>plug-group</group>{"".join(rule_xml)}</rule-list></nacm></config>')


def rule(name: str, module: str, ops: str, extra: str = "") -> str:
    return (f"<rule><name>{name}</name><module-name>{module}</module-name>{extra}"
            f"<access-operations>{ops}</access-operations><action>deny</action></rule>")


def test_matchall_values_and_errors(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        assert "no libyang type plugin" not in gw.cp_log(), gw.cp_log()[-2000:]
        m.edit_config(target="running", config=rules(
            rule("all", "*", "*", "<rpc-name>*</rpc-name>"),
            rule("some", "rampart-dataplane", "read update", "<rpc-name>edit-config</rpc-name>")))
        x = m.get_config("running", filter=("subtree", f'<nacm xmlns="{NACM}"><rule-list>'
                                            "<name>plug</name></rule-list></nacm>")).data_xml
        for text in ("<module-name>*</module-name>", "<rpc-name>*</rpc-name>",
                     "<access-operations>*</access-operations>",
                     "<module-name>rampart-dataplane</module-name>",
                     "<rpc-name>edit-config</rpc-name>",
                     "<access-operations>read update</access-operations>"):
            assert text in x, x
        # no member of the union takes these: libyang's words, the path
        # (module-name and rpc-name also take any string)
        for bad in ("bogus", "read *", "**"):
            with pytest.raises(RPCError) as ei:
                m.edit_config(target="running", config=rules(rule("bad", "x", bad)))
            e = ei.value
            assert e.tag == "invalid-value", (e.tag, e.message)
            assert f'Invalid union value "{bad}" - no matching subtype found' in e.message, e.message
            assert "access-operations" in (e.path or ""), (e.path, e.message)
        assert "<name>bad</name>" not in m.get_config("running").data_xml
