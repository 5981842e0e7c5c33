"""NETCONF over SSH: password authentication, hello, get-config with
subtree and XPath filters, get, with-defaults."""

import pytest

from .ncutil import NS, PASSWORD, USER, RPCError, start_netconf, xml_text

from ncclient.transport.errors import AuthenticationError  # noqa: E402  (after importorskip)


def test_connect_capabilities_get_config(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        caps = set(m.server_capabilities)
        for c in ("urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1",
                  "urn:ietf:params:netconf:capability:candidate:1.0",
                  "urn:ietf:params:netconf:capability:startup:1.0",
                  "urn:ietf:params:netconf:capability:validate:1.1",
                  "urn:ietf:params:netconf:capability:xpath:1.0",
                  "urn:ietf:params:netconf:capability:writable-running:1.0"):
            assert c in caps, c
        # YANG 1.1 modules are announced through the YANG library (RFC 7950 5.6.4)
        assert any(c.startswith("urn:ietf:params:netconf:capability:yang-library:1.1") for c in caps)
        for c in ("urn:ietf:params:netconf:capability:confirmed-commit:1.1",
                  "urn:ietf:params:netconf:capability:notification:1.0",
                  "urn:ietf:params:netconf:capability:interleave:1.0"):
            assert c in caps, c

        data = m.get_config("running").data_xml
        assert xml_text(data, "addresses") == ["10.10.1.1/24", "fd00:10:1::1/64",
                                               "10.10.2.1/24", "fd00:10:2::1/64"]
        # the same document the dataplane runs
        dp = gw.get_config()["config"]
        assert dp["ports"][0]["addresses"] == ["10.10.1.1/24", "fd00:10:1::1/64"]

        sub = m.get_config("running", filter=("subtree",
                           f'<dataplane xmlns="{NS}"><ports><port>1</port></ports></dataplane>')).data_xml
        assert xml_text(sub, "port") == ["1"]
        assert xml_text(sub, "name") == ["backend"]
        assert xml_text(sub, "neighbour") == []

        sel = m.get_config("running", filter=("subtree",
                           f'<dataplane xmlns="{NS}"><ports><name/></ports></dataplane>')).data_xml
        assert xml_text(sel, "name") == ["client", "backend"]
        assert xml_text(sel, "addresses") == []

        xp = m.get_config("running", filter=("xpath", ({"r": NS}, "/r:dataplane/r:neighbour/r:probes"))).data_xml
        assert xml_text(xp, "probes") == ["3"]
        assert xml_text(xp, "ports") == []

        # explicit basic mode: the default mtu appears only when asked for
        assert xml_text(data, "mtu") == []
        full = m.get_config("running", with_defaults="report-all").data_xml
        assert xml_text(full, "mtu") == ["1500", "1500"]

        got = m.get().data_xml
        assert "1" in xml_text(got, "schema")
        assert "ietf-yang-library" in got
        assert "rampart-dataplane" in xml_text(got, "name")

        # clients find and download our modules (ietf-netconf-monitoring)
        ncm = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
        schemas = m.get(filter=("subtree", f'<netconf-state xmlns="{ncm}"><schemas/></netconf-state>')).data_xml
        assert "rampart-dataplane" in xml_text(schemas, "identifier")
        assert "module rampart-dataplane" in m.get_schema("rampart-dataplane").data
        with pytest.raises(RPCError) as ei:
            m.get_schema("no-such-module")
        assert ei.value.tag == "invalid-value", ei.value.xml


def test_wrong_password_refused(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    nc.wait().close_session()
    with pytest.raises(AuthenticationError):
        nc.connect(password=PASSWORD + "x")
    with pytest.raises(AuthenticationError):
        nc.connect(user="nobody", password=PASSWORD)
    users = (nc.state_dir / "users.json").read_text()
    assert PASSWORD not in users and USER in users
    assert "authentication failed for user nobody" in gw.cp_log()


def test_public_key_authentication(gateway_factory, tmp_path):
    """A key listed under the user's "authorized-keys" in users.json logs in
    without a password; another key does not."""
    import json
    import subprocess

    from .ncutil import add_user

    state = tmp_path / "state"
    add_user(state, USER, PASSWORD)
    keys = {}
    for name in ("good", "bad"):
        path = tmp_path / name
        subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "",
                        "-f", str(path)], check=True, timeout=60)
        keys[name] = path
    users = json.loads((state / "users.json").read_text())
    users["users"][USER]["authorized-keys"] = [(tmp_path / "good.pub").read_text().strip()]
    (state / "users.json").write_text(json.dumps(users))

    gw, nc = start_netconf(gateway_factory, tmp_path, state_dir=state)
    nc.wait().close_session()
    from ncclient import manager
    with manager.connect(host="127.0.0.1", port=nc.port, username=USER, key_filename=str(keys["good"]),
                         hostkey_verify=False, allow_agent=False, look_for_keys=False,
                         timeout=20) as m:
        assert "10.10.1.1/24" in xml_text(m.get_config("running").data_xml, "addresses")
    with pytest.raises(AuthenticationError):
        manager.connect(host="127.0.0.1", port=nc.port, username=USER, key_filename=str(keys["bad"]),
                        hostkey_verify=False, allow_agent=False, look_for_keys=False, timeout=20)
