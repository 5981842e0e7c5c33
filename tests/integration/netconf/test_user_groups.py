"""Users added by `rampart-cp add-user NAME --groups G` after NACM is
configured get their rights from the rule-lists of group G: the groups in
the users file are the user's external groups (RFC 8341 3.2.3), honoured
while /nacm/enable-external-groups is true (its default). A user added
without groups has only NACM's defaults (no writes)."""

import subprocess

import pytest

import rampart
from .ncutil import NC_NS, RPCError, add_user, config, start_netconf

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
OPS_RULES = (f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}"><rule-list><name>ops</name>'
             "<group>operators</group><rule><name>dataplane</name>"
             "<module-name>rampart-dataplane</module-name><access-operations>*</access-operations>"
             "<action>permit</action></rule></rule-list></nacm></config>")
PROBES = config("<neighbour><probes>4</probes></neighbour>")


def add_user_groups(state_dir, name: str, password: str, groups: str) -> str:
    r = subprocess.run([str(rampart.cp_binary()), "add-user", name, "--groups", groups,
                        "--state-dir", str(state_dir)],
                       input=password + "\n", text=True, capture_output=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


def test_add_user_with_groups_gets_the_group_rules(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as admin:
        admin.edit_config(target="running", config=OPS_RULES)
        rc, out = add_user_groups(nc.state_dir, "bob", "bob-Pass-1", "operators,auditors")
        assert rc == 0 and "NACM groups operators,auditors" in out, out
        add_user(nc.state_dir, "carol", "carol-Pass-1")
        # a bad group name is refused, the file unchanged
        rc, out = add_user_groups(nc.state_dir, "dave", "dave-Pass-1", "ops,*all")
        assert rc != 0 and "bad group name" in out, out

        with nc.connect("bob", "bob-Pass-1") as bob:
            bob.edit_config(target="running", config=PROBES)
            assert gw.get_config()["config"]["neighbour"]["probes"] == 4
            # NACM's own configuration is not in the operators' rules
            with pytest.raises(RPCError) as ei:
                bob.edit_config(target="running", config=OPS_RULES.replace("ops<", "ops2<"))
            assert ei.value.tag == "access-denied", ei.value.xml

            with nc.connect("carol", "carol-Pass-1") as carol:
                with pytest.raises(RPCError) as ei:
                    carol.edit_config(target="running", config=config(
                        "<neighbour><probes>6</probes></neighbour>"))
                assert ei.value.tag == "access-denied", ei.value.xml

            # external groups switched off: bob is like carol now
            admin.edit_config(target="running", config=(
                f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}">'
                "<enable-external-groups>false</enable-external-groups></nacm></config>"))
            with pytest.raises(RPCError) as ei:
                bob.edit_config(target="running", config=config(
                    "<neighbour><probes>5</probes></neighbour>"))
            assert ei.value.tag == "access-denied", ei.value.xml
        assert gw.get_config()["config"]["neighbour"]["probes"] == 4


def test_groups_only_with_add_user(gateway_factory, tmp_path):
    r = subprocess.run([str(rampart.cp_binary()), "stats", "--groups", "x"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 64 and "--groups belongs to add-user" in r.stderr, r.stderr
