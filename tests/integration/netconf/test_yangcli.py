"""yangcli (Debian's yuma123 client) against rampart-cp over SSH, in batch
mode with a script file: get-config, edit-config (merge on the candidate),
commit that reaches the dataplane, and failing operations (create of an
existing node, NACM access-denied) reported as rpc-errors with nothing
changed.

yangcli 2.13 learns modules from the <hello> capabilities only, and RFC 7950
5.6.4 keeps YANG 1.1 modules (ours) out of the hello (they are in
ietf-yang-library); so it is given our modules from yang/ with --modpath /
--module, as an operator would."""

import shutil
import subprocess
from pathlib import Path

import pytest

from .ncutil import PASSWORD, USER, add_user, start_netconf

YANGCLI = shutil.which("yangcli")
REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(YANGCLI is None, reason="needs Debian's yangcli (scripts/setup)")


def yangcli(nc, tmp_path: Path, script: str, user: str = USER, password: str = PASSWORD) -> str:
    f = tmp_path / "script.yc"
    f.write_text(script)
    modpath = ":".join([str(REPO / "yang"), str(REPO / "yang" / "ietf"), "/usr/share/yuma/modules"])
    r = subprocess.run([YANGCLI, "--batch-mode", f"--run-script={f}", "--server=127.0.0.1",
                        f"--ncport={nc.port}", f"--user={user}", f"--password={password}",
                        f"--home={tmp_path / 'yangcli-home'}", f"--modpath={modpath}",
                        "--module=rampart-dataplane", "--timeout=20"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
    out = r.stdout + r.stderr
    assert "NETCONF session established" in out, out
    return out


def test_yangcli_get_edit_commit_and_errors(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    nc.wait().close_session()
    gen = gw.generation()

    out = yangcli(nc, tmp_path, "get-config source=running\n"
                                "merge /dataplane/neighbour/probes value=5\n"
                                "sget-config /dataplane/neighbour source=candidate\n"
                                "commit\n"
                                "sget-config /dataplane/neighbour/probes source=running\n")
    assert "canceled" not in out, out
    assert "name client" in out and "addresses 10.10.1.1/24" in out, out
    assert out.count("probes 5") >= 2, out
    assert "RPC OK Reply" in out, out
    gw.wait_generation(gen + 1)
    assert gw.get_config()["config"]["neighbour"]["probes"] == 5

    # create of an existing node: data-exists, the script stops, nothing changes
    gen = gw.generation()
    out = yangcli(nc, tmp_path, "create /dataplane/ports[port='0']/name value=other\n"
                                "commit\n")
    assert "RPC Error Reply" in out and "error-tag data-exists" in out, out
    # error-path in XML form with its namespaces: yangcli parses it
    assert "rdp:ports[rdp:port='0']/rdp:name" in out, out
    assert "invalid XPath" not in out, out
    assert "canceled" in out, out
    assert gw.generation() == gen
    assert gw.get_config()["config"]["ports"][0]["name"] == "client"

    # a user without write access: access-denied (write-default deny)
    add_user(nc.state_dir, "reader", "reader-Pass-1")
    out = yangcli(nc, tmp_path, "merge /dataplane/neighbour/probes value=7\n",
                  user="reader", password="reader-Pass-1")
    assert "error-tag access-denied" in out, out
    assert gw.get_config()["config"]["neighbour"]["probes"] == 5


def ok_replies(out: str) -> int:
    return out.count("RPC OK Reply")


def test_yangcli_every_operation(gateway_factory, tmp_path):
    """One yangcli session runs the operations of issue 6 that succeed:
    get (with a subtree and an XPath filter), get-config with with-defaults,
    get-schema, lock/unlock, edit-config merge/replace/create/delete/remove
    on the candidate, validate, discard-changes, commit, copy-config to
    startup, delete-config of startup and create-subscription.
    (Not confirmed-commit: yangcli 2.13 offers commit's confirmed
    parameters only to a server advertising :confirmed-commit:1.0, and
    rampart-cp, a base:1.1 server, advertises :confirmed-commit:1.1.)"""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    nc.wait().close_session()
    gen = gw.generation()
    out = yangcli(nc, tmp_path, "\n".join([
        "get",
        "sget /dataplane/ports",
        "xget /dataplane/neighbour",
        "get-config source=running with-defaults=report-all",
        "get-schema identifier=rampart-dataplane format=yang",
        "lock target=candidate",
        "merge /dataplane/neighbour/probes value=6",
        "create /dataplane/ports[port='0']/addresses value=10.10.1.20/24",
        "replace /dataplane/icmp/echo value=false",
        "validate source=candidate",
        "discard-changes",
        "sget-config /dataplane/icmp source=candidate",
        "merge /dataplane/neighbour/probes value=6",
        "create /dataplane/ports[port='0']/addresses value=10.10.1.20/24",
        "commit",
        "create /dataplane/listeners[name='yc']/port value=8081",
        "commit",
        "delete /dataplane/listeners[name='yc']",
        "remove /dataplane/listeners[name='none']",
        "commit",
        "unlock target=candidate",
        "copy-config source=running target=startup",
        "delete-config target=startup",
        "merge /dataplane/neighbour/probes value=7",
        "commit",
        "delete /dataplane/neighbour/probes",
        "commit",
        "create-subscription",
        "",
    ]))
    assert "canceled" not in out and "RPC Error Reply" not in out, out
    assert "module rampart-dataplane" in out, out          # get-schema
    assert "echo true" in out, out                         # with-defaults / discard
    assert gw.wait_generation(gen + 5) >= gen + 5
    dp = gw.get_config()["config"]
    assert dp["neighbour"].get("probes", 3) == 3   # merged to 7, then deleted
    assert "10.10.1.20/24" in dp["ports"][0]["addresses"]
    assert all(lst["name"] != "yc" for lst in dp.get("listeners", []))
    assert not (nc.state_dir / "startup.json").exists()   # deleted again


def yangcli_error(nc, tmp_path, script: str, tag: str, **kw) -> str:
    """Runs a script whose last RPC fails: yangcli reports the rpc-error
    with its error-tag and cancels the rest of the script."""
    out = yangcli(nc, tmp_path, script, **kw)
    assert "RPC Error Reply" in out and f"error-tag {tag}" in out, out
    return out


def test_yangcli_error_cases(gateway_factory, tmp_path):
    """The error cases of issue 6 through yangcli, each leaving running and
    the dataplane as they were: create of an existing node, delete of a
    missing one, a lock held by another session, the commit of an invalid
    candidate, a cancel-commit with nothing pending, kill-session of a
    session that does not exist; then a kill-session that ends another
    session and releases its lock."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    other = nc.wait()
    try:
        gen = gw.generation()
        before = other.get_config("running").data_xml

        yangcli_error(nc, tmp_path, "create /dataplane/ports[port='0']/name value=x\ncommit\n",
                      "data-exists")
        yangcli_error(nc, tmp_path, "delete /dataplane/ports[port='6']\ncommit\n", "data-missing")

        other.lock("running")
        out = yangcli_error(nc, tmp_path, "lock target=running\n", "lock-denied")
        assert str(other.session_id) in out, out
        other.unlock("running")

        # test-option set: the candidate takes a route naming nothing;
        # validate and commit refuse it
        bad = ("$$test-option = set\n"
               "create /dataplane/routes[name='ghost']/listener value=none\n"
               "merge /dataplane/routes[name='ghost']/upstream value=none\n")
        out = yangcli_error(nc, tmp_path, bad + "commit\n", "invalid-value")
        assert "ghost" in out, out
        yangcli_error(nc, tmp_path, bad + "validate source=candidate\n", "invalid-value")
        other.discard_changes()

        yangcli_error(nc, tmp_path, "cancel-commit\n", "operation-failed")
        yangcli_error(nc, tmp_path, "kill-session session-id=4242\n", "invalid-value")

        assert other.get_config("running").data_xml == before
        assert gw.generation() == gen

        # kill-session of a live session: it ends, its lock goes with it
        other.lock("candidate")
        out = yangcli(nc, tmp_path, f"kill-session session-id={other.session_id}\n"
                                    "lock target=candidate\nunlock target=candidate\n")
        assert "RPC Error Reply" not in out and ok_replies(out) >= 3, out
        assert f"session {other.session_id} killed by session" in gw.cp_log()
    finally:
        try:
            if other.connected:
                other.close_session()
        except Exception:
            pass
