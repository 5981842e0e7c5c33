"""File mode is kept: with --config FILE rampart-cp serves no NETCONF, pushes
FILE, and SIGHUP re-reads it; the NETCONF options are refused with it."""

import json
import signal
import socket
import subprocess

from rampart import cp_binary, default_config, ping, wait_until

from .ncutil import free_port


def test_config_file_and_sighup(gateway_factory, tmp_path):
    cfg = default_config()
    path = tmp_path / "cp.json"
    path.write_text(json.dumps(cfg))
    port = free_port()
    gw = gateway_factory(cp_args=["--config", str(path)])
    assert "NETCONF" not in gw.cp_log()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0

    gen = gw.generation()
    cfg["ports"][0]["addresses"].append("10.10.1.6/24")
    path.write_text(json.dumps(cfg))
    gw.cp.send_signal(signal.SIGHUP)
    gw.wait_generation(gen + 1)
    assert ping(gw.topo.client, "10.10.1.6", count=2) == 2
    wait_until(lambda: f"configuration from {path} is now running" in gw.cp_log(), 5,
               what="SIGHUP reload logged")


def test_netconf_options_need_netconf_mode(tmp_path):
    for extra in (["--config", str(tmp_path / "x.json")], ["--no-netconf"]):
        r = subprocess.run([str(cp_binary()), *extra, "--netconf-port", "1830"],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 64, r.stderr
        assert "NETCONF mode" in r.stderr
