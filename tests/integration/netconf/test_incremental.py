"""Incremental validation of in-place edits (controlplane/netconf/
incremental.c) must decide exactly as libyang's validation of the whole
tree: the same edits, made once in place (by an administrator: the journal
is validated by what changed) and once on a copy (by a user whose NACM
rules are not permit-all, which forces the copy path and the NACM diff,
validated whole), must leave the same running datastore, defaults
included, and give the same answer -- ok, or the same error-tag,
error-path and message -- at every step."""

import xml.etree.ElementTree as ET

from .ncutil import NC_NS, RPCError, add_user, start_netconf

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
SYS = "urn:rampart:params:xml:ns:yang:rampart-system"
DP = "urn:rampart:params:xml:ns:yang:rampart-dataplane"


def cfg(inner: str) -> str:
    return f'<config xmlns="{NC_NS}" xmlns:nc="{NC_NS}">{inner}</config>'


def nacm(inner: str) -> str:
    return cfg(f'<nacm xmlns="{NACM}">{inner}</nacm>')


def rule(name: str, action: str | None = "deny", extra: str = "") -> str:
    act = f"<action>{action}</action>" if action else ""
    return f"<rule><name>{name}</name>{extra}{act}</rule>"


def rl(name: str, inner: str, op: str = "") -> str:
    attr = f' nc:operation="{op}"' if op else ""
    return f"<rule-list{attr}><name>{name}</name>{inner}</rule-list>"


# A fresh rule-list t, replaced whole before each run.
RESET = nacm(rl("t", "<group>g1</group>" + rule("r1", extra=f'<path xmlns:d="{DP}">/d:dataplane/d:routes[d:name=\'a\']</path>')
                + rule("r2", "permit", "<rpc-name>commit</rpc-name>") + rule("r3"), "replace")
             + rl("u", "", "remove") + rl("v", "", "remove")
             + '<groups><group nc:operation="replace"><name>g1</name>'
             "<user-name>u1</user-name></group>"
             '<group nc:operation="remove"><name>g2</name></group></groups>'
             '<enable-nacm nc:operation="remove">true</enable-nacm><write-default nc:operation="remove">deny</write-default>')

STEPS = [
    # plain value change, new entries with defaults (module-name,
    # access-operations "*"), deletes
    nacm(rl("t", rule("r1", "permit"))),
    nacm(rl("t", rule("r4") + rule("r5", "permit", "<comment>x</comment>"))),
    nacm(rl("t", '<rule nc:operation="delete"><name>r3</name></rule>')),
    # mandatory leaf missing in a new entry; deleting a mandatory leaf
    nacm(rl("t", "<rule><name>r6</name><comment>no action</comment></rule>")),
    nacm(rl("t", '<rule><name>r1</name><action nc:operation="delete">permit</action></rule>')),
    # duplicates inside a new subtree: list entries, leaf-list values
    nacm(rl("u", "<group>g1</group>" + rule("d1") + rule("d1", "permit"), "create")),
    nacm('<groups><group nc:operation="create"><name>g2</name><user-name>a</user-name>'
         "<user-name>a</user-name></group></groups>"),
    # a new case of the rule-type choice replaces the old one
    nacm(rl("t", rule("r1", extra="<rpc-name>edit-config</rpc-name>"))),
    nacm(rl("t", rule("r2", extra="<notification-name>*</notification-name>"))),
    # both cases in one new entry
    nacm(rl("t", rule("r7", extra=f'<rpc-name>get</rpc-name><path xmlns:d="{DP}">/d:dataplane</path>'))),
    # a leaf with a default removed, then set; the top-level defaults
    nacm('<enable-nacm nc:operation="remove">true</enable-nacm>'),
    nacm("<write-default>deny</write-default>"),
    nacm('<write-default nc:operation="delete">deny</write-default>'),
    # bad values: refused by the parse, never reach validation
    nacm(rl("t", rule("r8", extra="<access-operations>fly</access-operations>"))),
    nacm(rl("t", rule("r9", "maybe"))),
    # a whole new rule-list, then removed
    nacm(rl("v", "<group>*</group>" + rule("v1") + rule("v2", "permit"))),
    nacm(rl("v", "", "remove")),
    # rampart-system (local too): settings, range errors, users
    cfg(f'<system xmlns="{SYS}"><netconf-server><max-sessions>20</max-sessions>'
        "</netconf-server></system>"),
    cfg(f'<system xmlns="{SYS}"><netconf-server><max-sessions>0</max-sessions>'
        "</netconf-server></system>"),
    cfg(f'<system xmlns="{SYS}"><netconf-server nc:operation="remove"/></system>'),
    cfg(f'<system xmlns="{SYS}"><authentication><user><name>bob</name>'
        "<authorized-key><name>k</name><algorithm>ssh-ed25519</algorithm></authorized-key>"
        "</user></authentication></system>"),
]

def snapshot(m) -> str:
    """running's NACM and system configuration, defaults tagged, canonical."""
    out = []
    for flt in (f'<nacm xmlns="{NACM}"/>', f'<system xmlns="{SYS}"/>'):
        r = m.get_config("running", filter=("subtree", flt), with_defaults="report-all-tagged")
        root = ET.fromstring(r.data_xml.encode())
        out.append(ET.canonicalize(ET.tostring(root), strip_text=True))
    return "\n".join(out)


def answer(m, config: str):
    try:
        m.edit_config(target="running", config=config)
        return ("ok",)
    except RPCError as e:
        return (e.tag, e.path, e.message)


def run(editor, reader) -> list:
    editor.edit_config(target="running", config=RESET)
    out = [snapshot(reader)]
    for step in STEPS:
        out.append((answer(editor, step), snapshot(reader)))
    return out


# ed may use the base operations and write NACM and rampart-system, by
# three rules (not one permit-all)
EDITORS = cfg(f'<nacm xmlns="{NACM}"><groups><group><name>editors</name><user-name>ed</user-name>'
              "</group></groups>" + rl("editors", "<group>editors</group>"
                                       + rule("ops", "permit", "<module-name>ietf-netconf</module-name>")
                                       + rule("nacm", "permit", "<module-name>ietf-netconf-acm</module-name>")
                                       + rule("sys", "permit", "<module-name>rampart-system</module-name>"))
              + "</nacm>")


def test_incremental_equals_whole_validation(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    add_user(nc.state_dir, "ed", "ed-Pass-1")
    m = nc.wait()
    try:
        m.edit_config(target="running", config=EDITORS)
        in_place = run(m, m)
        # both ways were taken in place: by what changed, and whole (a
        # choice, a top-level removal, and every error)
        log = gw.cp_log()
        assert "validated by what changed" in log and "validated whole" in log
        in_place_edits = log.count("changed in place")
        with nc.connect("ed", "ed-Pass-1") as ed:
            copied = run(ed, m)
        assert gw.cp_log().count("changed in place") == in_place_edits  # all copies
    finally:
        m.close_session()
    # the steps did something: some succeeded, some failed
    answers = [a for a, _ in in_place[1:]]
    assert ("ok",) in answers and any(a[0] != "ok" for a in answers)
    for i, (a, b) in enumerate(zip(in_place, copied)):
        assert a == b, f"step {i} differs:\nin place {a!r}\ncopy     {b!r}"
