"""edit-config of running in place (controlplane/netconf/edit.c, undo
journal): an edit of rampart-cp's own configuration by a user who may write
everything, with nobody subscribed, changes running without copying it.
A failed edit, whether it fails while being applied or in validation, must
leave running exactly as it was: values, deleted entries back in their
user-ordered places, no created entries left over. With a subscriber the
copy path is taken and the change is still announced."""

import time

from .ncutil import NC_NS, RPCError, start_netconf

import pytest

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NOTIF_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"


def nacm_cfg(inner: str) -> str:
    return f'<config xmlns="{NC_NS}" xmlns:nc="{NC_NS}"><nacm xmlns="{NACM}">{inner}</nacm></config>'


def rule(name: str, action: str = "deny", extra: str = "") -> str:
    return (f"<rule><name>{name}</name><module-name>rampart-dataplane</module-name>"
            f"<access-operations>update</access-operations>{extra}<action>{action}</action></rule>")


START = nacm_cfg("<rule-list><name>t</name><group>nobody</group>"
                 + rule("r1") + rule("r2", "permit") + rule("r3") + "</rule-list>")
FILTER = ("subtree", f'<nacm xmlns="{NACM}"><rule-list><name>t</name></rule-list></nacm>')


def rules(m) -> list[tuple[str, str]]:
    """(name, action) of rule-list t's rules, in order."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(m.get_config("running", filter=FILTER).data_xml.encode())
    out = []
    for r in root.iter(f"{{{NACM}}}rule"):
        out.append((r.findtext(f"{{{NACM}}}name"), r.findtext(f"{{{NACM}}}action")))
    return out


ORIGINAL = [("r1", "deny"), ("r2", "permit"), ("r3", "deny")]


@pytest.fixture
def nc(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    m = nc.wait()
    m.edit_config(target="running", config=START)
    assert rules(m) == ORIGINAL
    yield gw, nc, m
    m.close_session()


def test_edit_in_place_changes_running(nc):
    gw, _, m = nc
    m.edit_config(target="running", config=nacm_cfg(
        "<rule-list><name>t</name>" + rule("r2", "deny") + rule("r4", "permit") + "</rule-list>"))
    assert rules(m) == [("r1", "deny"), ("r2", "deny"), ("r3", "deny"), ("r4", "permit")]
    m.edit_config(target="running", config=nacm_cfg(
        '<rule-list><name>t</name><rule nc:operation="delete"><name>r1</name></rule></rule-list>'))
    assert rules(m) == [("r2", "deny"), ("r3", "deny"), ("r4", "permit")]
    assert "changed in place" in gw.cp_log()


def test_failed_apply_is_undone(nc):
    """The edit changes a value, deletes the middle entry and creates one,
    then fails on a delete of a missing entry: all of it is taken back."""
    _, _, m = nc
    bad = nacm_cfg("<rule-list><name>t</name>" + rule("r1", "permit")
                   + '<rule nc:operation="delete"><name>r2</name></rule>'
                   + rule("r9") + '<rule nc:operation="delete"><name>missing</name></rule>'
                   + "</rule-list>")
    with pytest.raises(RPCError) as e:
        m.edit_config(target="running", config=bad)
    assert e.value.tag == "data-missing"
    assert rules(m) == ORIGINAL


def test_failed_validation_is_undone(nc):
    """Validation fails after the edit was applied in place (a rule without
    its mandatory action): running, order included, is as before."""
    _, _, m = nc
    bad = nacm_cfg("<rule-list><name>t</name>"
                   + '<rule nc:operation="delete"><name>r1</name></rule>'
                   + '<rule nc:operation="replace"><name>r2</name><module-name>*</module-name>'
                   + "<access-operations>read</access-operations><action>deny</action></rule>"
                   + "<rule><name>r0</name><module-name>*</module-name></rule></rule-list>")
    with pytest.raises(RPCError) as e:
        m.edit_config(target="running", config=bad)
    assert e.value.tag == "invalid-value"
    assert rules(m) == ORIGINAL
    # and running still takes an edit afterwards
    m.edit_config(target="running", config=nacm_cfg(
        "<rule-list><name>t</name>" + rule("r3", "permit") + "</rule-list>"))
    assert rules(m) == [("r1", "deny"), ("r2", "permit"), ("r3", "permit")]


def test_subscriber_gets_change_from_the_journal(nc):
    """With a subscriber the edit is still made in place; its
    netconf-config-change comes from the journal: one edit per change,
    the topmost node of each."""
    gw, ncs, m = nc
    sub = ncs.connect()
    try:
        sub.create_subscription()
        before = gw.cp_log().count("changed in place")
        m.edit_config(target="running", config=nacm_cfg(
            "<rule-list><name>t</name>" + rule("r3", "permit") + rule("r4")
            + '<rule nc:operation="delete"><name>r1</name></rule></rule-list>'))
        deadline = time.monotonic() + 10
        n = None
        while n is None and time.monotonic() < deadline:
            n = sub.take_notification(block=True, timeout=1)
        assert n is not None, "no netconf-config-change"
        x = n.notification_xml
        assert "netconf-config-change" in x and NOTIF_NS in x
        import xml.etree.ElementTree as ET
        root = ET.fromstring(x.encode())
        edits = sorted((e.findtext(f"{{{NOTIF_NS}}}target").strip(),
                        e.findtext(f"{{{NOTIF_NS}}}operation"))
                       for e in root.iter(f"{{{NOTIF_NS}}}edit"))
        base = "/nacm:nacm/nacm:rule-list[nacm:name='t']/nacm:rule"
        assert edits == [(f"{base}[nacm:name='r1']", "delete"),
                         (f"{base}[nacm:name='r3']/nacm:action", "replace"),
                         (f"{base}[nacm:name='r4']", "create")], edits
        assert gw.cp_log().count("changed in place") == before + 1
        assert rules(m) == [("r2", "permit"), ("r3", "permit"), ("r4", "deny")]
    finally:
        sub.close_session()
