"""NACM (RFC 8341) enforced by rampart-cp: the bootstrap admin group, a
read-only group that cannot edit, cannot read the secrets and gets
access-denied with the right error-path, permit rules on a path, exec
denial of kill-session and delete-config, notification filtering, the
denied-* counters, users configured in rampart-system with a crypt hash,
and enable-nacm false."""

import subprocess
import time

import pytest

from .ncutil import NC_NS, NS, PASSWORD, USER, RPCError, add_user, config, start_netconf, xml_text

from ncclient.xml_ import to_ele  # noqa: E402  (after ncutil's importorskip)

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
SYS = "urn:rampart:params:xml:ns:yang:rampart-system"
NOTIF_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
VIEWER, VIEWER_PW = "viewer", "view-Only-1"
OPER, OPER_PW = "oper", "oper-Pass-2"
YUSER, YUSER_PW = "yuser", "yang-Pass-3"
ADDR = config("<ports><port>0</port><addresses>10.10.1.9/24</addresses></ports>")
# error-path in the XML form of RFC 6241 (prefixes declared on the element)
ADDR_PATH = "/rdp:dataplane/rdp:ports[rdp:port='0']/rdp:addresses[.='10.10.1.9/24']"


def crypt_hash(password: str) -> str:
    return subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password, text=True,
                          check=True, capture_output=True, timeout=10).stdout.strip()


def nacm_cfg(inner: str, op: str | None = None) -> str:
    attr = f' xmlns:nc="{NC_NS}" nc:operation="{op}"' if op else ""
    return f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}"{attr}>{inner}</nacm></config>'


# viewer: read-only on the dataplane, no config-change notifications;
# oper: may write the ports' addresses only
POLICY = nacm_cfg(f"""
  <groups>
    <group><name>readers</name><user-name>{VIEWER}</user-name></group>
    <group><name>operators</name><user-name>{OPER}</user-name></group>
  </groups>
  <rule-list>
    <name>readers</name><group>readers</group>
    <rule><name>no-change-notifications</name><module-name>ietf-netconf-notifications</module-name>
      <notification-name>netconf-config-change</notification-name>
      <access-operations>read</access-operations><action>deny</action></rule>
    <rule><name>read-dataplane</name><module-name>rampart-dataplane</module-name>
      <access-operations>read</access-operations><action>permit</action></rule>
  </rule-list>
  <rule-list>
    <name>operators</name><group>operators</group>
    <rule><name>addresses</name><module-name>rampart-dataplane</module-name>
      <path xmlns:rdp="{NS}">/rdp:dataplane/rdp:ports/rdp:addresses</path>
      <access-operations>create update delete</access-operations><action>permit</action></rule>
  </rule-list>""")


def rpc(m, body):
    return m.dispatch(to_ele(body))


def counters(m) -> dict:
    data = m.get(filter=("subtree", f'<nacm xmlns="{NACM}"/>')).data_xml
    return {k: int(xml_text(data, k)[0]) for k in
            ("denied-operations", "denied-data-writes", "denied-notifications")}


def test_bootstrap_readonly_secrets_and_denials(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as admin:
        # the first user got the bootstrap admin group and its permit-all rule-list
        boot = admin.get_config("running", filter=("subtree", f'<nacm xmlns="{NACM}"/>')).data_xml
        assert xml_text(boot, "user-name") == [USER]
        assert "permit-all" in xml_text(boot, "name")
        assert "put in group 'admin'" in gw.cp_log()

        add_user(nc.state_dir, VIEWER, VIEWER_PW)  # the users file, read at every login
        add_user(nc.state_dir, OPER, OPER_PW)
        admin.edit_config(target="running", config=POLICY)
        # a user configured in running, with a crypt hash (a secret: default-deny-all)
        yhash = crypt_hash(YUSER_PW)
        admin.edit_config(target="running", config=(
            f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><authentication><user>'
            f'<name>{YUSER}</name><password>{yhash}</password></user></authentication>'
            f'</system></config>'))
        # a plain password is refused by the model
        with pytest.raises(RPCError) as ei:
            admin.edit_config(target="running", config=(
                f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><authentication><user>'
                f'<name>plain</name><password>not-a-hash</password></user></authentication>'
                f'</system></config>'))
        assert ei.value.tag == "invalid-value", ei.value.xml
        # the administrator reads the hash (its permit-all rule overrides default-deny-all)
        full = admin.get_config("running").data_xml
        assert xml_text(full, "password") == [yhash]
        before = counters(admin)

        with nc.connect(VIEWER, VIEWER_PW) as viewer:
            # cannot edit: access-denied naming the node it tried to create
            with pytest.raises(RPCError) as ei:
                viewer.edit_config(target="running", config=ADDR)
            assert ei.value.tag == "access-denied", ei.value.xml
            assert ei.value.path.strip() == ADDR_PATH, ei.value.xml
            with pytest.raises(RPCError) as ei:
                viewer.edit_config(target="candidate", config=ADDR)
            assert ei.value.tag == "access-denied", ei.value.xml
            assert "10.10.1.9/24" not in xml_text(admin.get_config("candidate").data_xml,
                                                   "addresses")
            # reads the dataplane, not the secrets nor the access rules
            got = viewer.get_config("running").data_xml
            assert xml_text(got, "addresses")[0] == "10.10.1.1/24"
            assert xml_text(got, "password") == []
            assert YUSER in xml_text(got, "name")  # the user entry is readable, its hash not
            assert xml_text(got, "rule-list") == [] and "nacm" not in got
            assert xml_text(viewer.get().data_xml, "password") == []
            assert "denied-operations" not in viewer.get().data_xml
            # a filter cannot test a hidden value either
            probe = viewer.get_config("running", filter=(
                "xpath", ({"s": SYS}, "/s:system/s:authentication/s:user[s:password]"))).data_xml
            assert xml_text(probe, "name") == []
            # nor can an edit tell whether a hidden node exists: access-denied,
            # not data-exists / data-missing
            for name, op in ((YUSER, "create"), ("ghost", "delete")):
                with pytest.raises(RPCError) as ei:
                    viewer.edit_config(target="running", config=(
                        f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><authentication><user>'
                        f'<name>{name}</name><password xmlns:nc="{NC_NS}" nc:operation="{op}">'
                        f'{yhash}</password></user></authentication></system></config>'))
                assert ei.value.tag == "access-denied", ei.value.xml
            # kill-session and delete-config: nacm:default-deny-all in ietf-netconf
            with pytest.raises(RPCError) as ei:
                rpc(viewer, f'<kill-session xmlns="{NC_NS}"><session-id>{admin.session_id}'
                            '</session-id></kill-session>')
            assert ei.value.tag == "access-denied", ei.value.xml
            assert ei.value.path.strip() == "/nc:kill-session", ei.value.xml
            with pytest.raises(RPCError) as ei:
                viewer.delete_config(target="startup")
            assert ei.value.tag == "access-denied", ei.value.xml
            # other operations stay permitted (exec-default permit)
            viewer.lock("candidate")
            viewer.unlock("candidate")
            # copy-config: running to startup needs only exec (RFC 8341); any
            # other copy needs read access to all of the source
            viewer.copy_config(source="running", target="startup")
            assert (nc.state_dir / "startup.json").exists()
            with pytest.raises(RPCError) as ei:
                viewer.copy_config(source="running", target="candidate")
            assert ei.value.tag == "access-denied", ei.value.xml
            assert ei.value.path.strip() == "/nacm:nacm", ei.value.xml

        after = counters(admin)
        assert after["denied-data-writes"] == before["denied-data-writes"] + 5, after
        assert after["denied-operations"] == before["denied-operations"] + 2, after
        log = gw.cp_log()
        assert "access denied to user viewer" in log

        # the administrator may kill another session
        victim = nc.connect(VIEWER, VIEWER_PW)
        rpc(admin, f'<kill-session xmlns="{NC_NS}"><session-id>{victim.session_id}'
                   '</session-id></kill-session>')
        assert f"session {victim.session_id} killed by session {admin.session_id}" in gw.cp_log()

        # a permit rule on a path: oper may add an address, nothing else
        with nc.connect(OPER, OPER_PW) as oper:
            oper.edit_config(target="running", config=ADDR)
            assert "10.10.1.9/24" in gw.get_config()["config"]["ports"][0]["addresses"]
            with pytest.raises(RPCError) as ei:
                oper.edit_config(target="running", config=config("<icmp><echo>false</echo></icmp>"))
            assert ei.value.tag == "access-denied", ei.value.xml
            assert ei.value.path.strip() == "/rdp:dataplane/rdp:icmp/rdp:echo", ei.value.xml
            with pytest.raises(RPCError) as ei:  # not in its rules: write-default deny
                oper.edit_config(target="running", config=POLICY.replace("readers</name>",
                                                                            "x</name>", 1))
            assert ei.value.tag == "access-denied", ei.value.xml

        # the user from rampart-system logs in with its hash; no group: defaults
        with nc.connect(YUSER, YUSER_PW) as y:
            assert xml_text(y.get_config("running").data_xml, "port") == ["0", "1"]
            with pytest.raises(RPCError) as ei:
                y.edit_config(target="running", config=ADDR.replace(".9/", ".8/"))
            assert ei.value.tag == "access-denied", ei.value.xml
        with pytest.raises(Exception):
            nc.connect(YUSER, YUSER_PW + "x")

        # enable-nacm false: everyone may do everything
        admin.edit_config(target="running", config=nacm_cfg("<enable-nacm>false</enable-nacm>"))
        with nc.connect(VIEWER, VIEWER_PW) as viewer:
            viewer.edit_config(target="running", config=ADDR.replace(".9/", ".7/"))
            assert xml_text(viewer.get_config("running").data_xml, "password") == [yhash]


def user_cfg(password_hash: str, extra: str = "") -> str:
    return (f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><authentication><user>'
            f'<name>{YUSER}</name><password>{password_hash}</password></user></authentication>'
            f'</system>{extra}</config>')


def test_notifications_filtered(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as admin:
        add_user(nc.state_dir, VIEWER, VIEWER_PW)
        add_user(nc.state_dir, OPER, OPER_PW)
        admin.edit_config(target="running", config=POLICY)
        admin.edit_config(target="running", config=user_cfg(crypt_hash(YUSER_PW)))
        before = counters(admin)
        with nc.connect(VIEWER, VIEWER_PW) as viewer, nc.connect() as watcher, \
                nc.connect(OPER, OPER_PW) as oper:
            viewer.create_subscription()
            watcher.create_subscription()
            oper.create_subscription()
            # one change of a password (a secret) and of an address
            addr = f'<dataplane xmlns="{NS}"><ports><port>0</port><addresses>10.10.1.9/24</addresses></ports></dataplane>'
            admin.edit_config(target="running", config=user_cfg(crypt_hash("other-Pass-4"), addr))
            n = watcher.take_notification(block=True, timeout=10)
            assert n is not None and "netconf-config-change" in n.notification_xml
            targets = xml_text(n.notification_xml, "target")
            assert any("password" in t for t in targets) and any("10.10.1.9" in t for t in targets), targets
            # oper may read the address, not the password: that edit is left out
            n = oper.take_notification(block=True, timeout=10)
            assert n is not None and "netconf-config-change" in n.notification_xml
            targets = xml_text(n.notification_xml, "target")
            assert any("10.10.1.9" in t for t in targets), targets
            assert not any("password" in t for t in targets), targets
            # the viewer's rule denies netconf-config-change: nothing arrives
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                assert viewer.take_notification(block=True, timeout=0.5) is None
        assert counters(admin)["denied-notifications"] == before["denied-notifications"] + 1


def test_access_config_without_dataplane(gateway_factory, tmp_path):
    """NACM and users are rampart-cp's own configuration: changing them
    pushes nothing, so it works while rampart-dp is down; a change of the
    dataplane's part is still refused then."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as admin:
        gen = gw.generation()
        admin.edit_config(target="running", config=POLICY)
        assert gw.generation() == gen  # nothing was pushed
        assert gw.stop_dp() == 0
        admin.edit_config(target="running", config=nacm_cfg(
            f"<groups><group><name>readers</name><user-name>{OPER}</user-name></group></groups>"))
        got = admin.get_config("running", filter=("subtree", f'<nacm xmlns="{NACM}"><groups/></nacm>'))
        assert OPER in xml_text(got.data_xml, "user-name")
        with pytest.raises(RPCError) as ei:
            admin.edit_config(target="running", config=ADDR)
        assert ei.value.tag == "operation-failed", ei.value.xml
        assert "not connected" in ei.value.message, ei.value.xml
    assert "dataplane part unchanged" in gw.cp_log()


def test_yang_user_public_key(gateway_factory, tmp_path):
    """A public key under /system/authentication/user/authorized-key logs
    the user in (no restart: keys are looked up at every attempt); another
    key does not; writing keys needs an explicit rule
    (nacm:default-deny-write)."""
    from ncclient import manager
    from ncclient.transport.errors import AuthenticationError

    keys = {}
    for name in ("good", "bad"):
        path = tmp_path / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "",
                        "-f", str(path)], check=True, timeout=60)
        keys[name] = path
    algo, blob = (tmp_path / "good.pub").read_text().split()[:2]

    def key_login(key: str):
        return manager.connect(host="127.0.0.1", port=nc.port, username="keyuser",
                               key_filename=str(keys[key]), hostkey_verify=False,
                               allow_agent=False, look_for_keys=False, timeout=20)

    gw, nc = start_netconf(gateway_factory, tmp_path)
    key_cfg = (f'<config xmlns="{NC_NS}"><system xmlns="{SYS}"><authentication><user>'
               f'<name>keyuser</name><authorized-key><name>laptop</name><algorithm>{algo}</algorithm>'
               f'<key-data>{blob}</key-data></authorized-key></user></authentication></system></config>')
    with nc.wait() as admin:
        add_user(nc.state_dir, VIEWER, VIEWER_PW)
        with nc.connect(VIEWER, VIEWER_PW) as viewer:
            with pytest.raises(RPCError) as ei:
                viewer.edit_config(target="running", config=key_cfg)
            assert ei.value.tag == "access-denied", ei.value.xml
        admin.edit_config(target="running", config=key_cfg)
        with key_login("good") as m:
            assert xml_text(m.get_config("running").data_xml, "port") == ["0", "1"]
            # no group: the defaults (no writes)
            with pytest.raises(RPCError) as ei:
                m.edit_config(target="running", config=ADDR)
            assert ei.value.tag == "access-denied", ei.value.xml
        with pytest.raises(AuthenticationError):
            key_login("bad")
    assert "public key refused for user keyuser" in gw.cp_log()
