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
