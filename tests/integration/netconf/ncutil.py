"""Helpers for the NETCONF tests: a gateway whose rampart-cp serves NETCONF
on 127.0.0.1 at a free port with its own state directory, and ncclient
sessions to it.

    gw, nc = start_netconf(gateway_factory, tmp_path)   # user admin / PASSWORD
    m = nc.connect()                                     # ncclient manager
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("ncclient", reason="needs Debian's python3-ncclient (/usr/bin/python3)")

from ncclient import manager  # noqa: E402
from ncclient.operations.rpc import RPCError  # noqa: E402,F401  (re-exported)

import rampart

NS = "urn:rampart:params:xml:ns:yang:rampart-dataplane"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
USER = "admin"
PASSWORD = "s3cret-Pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_user(state_dir: Path, name: str, password: str) -> None:
    subprocess.run([str(rampart.cp_binary()), "add-user", name, "--state-dir", str(state_dir)],
                   input=password + "\n", text=True, check=True, capture_output=True, timeout=30)


def config(inner: str, op: str | None = None) -> str:
    """An edit-config <config> with `inner` inside <dataplane>."""
    attr = f' xmlns:nc="{NC_NS}" nc:operation="{op}"' if op else ""
    return (f'<config xmlns="{NC_NS}"><dataplane xmlns="{NS}"{attr}>{inner}</dataplane></config>')


class Netconf:
    def __init__(self, port: int, state_dir: Path):
        self.port = port
        self.state_dir = state_dir

    def args(self) -> list[str]:
        return ["--netconf-port", str(self.port), "--netconf-address", "127.0.0.1",
                "--state-dir", str(self.state_dir)]

    def connect(self, user: str = USER, password: str = PASSWORD, timeout: float = 20):
        return manager.connect(host="127.0.0.1", port=self.port, username=user, password=password,
                               hostkey_verify=False, allow_agent=False, look_for_keys=False,
                               timeout=timeout)

    def wait(self, timeout: float = 20.0):
        """Connect, retrying until rampart-cp listens; returns the manager."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.connect()
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def start_netconf(gateway_factory, tmp_path: Path, state_dir: Path | None = None, **options):
    state = state_dir or tmp_path / "state"
    if not (state / "users.json").exists():
        add_user(state, USER, PASSWORD)
    nc = Netconf(free_port(), state)
    gw = gateway_factory(cp_args=nc.args(), **options)
    return gw, nc


def xml_text(data_xml: str, tag: str) -> list[str]:
    """Texts of every element named tag (any namespace) in a reply."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(data_xml.encode())
    return [e.text or "" for e in root.iter() if e.tag.split("}")[-1] == tag]


def port_names(data_xml: str) -> list[str]:
    """The names of the dataplane's ports in a reply (other modules, e.g. the
    NACM groups and rule-lists, have <name> elements too)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(data_xml.encode())
    return [n.text or "" for p in root.iter(f"{{{NS}}}ports") for n in p.findall(f"{{{NS}}}name")]


def dp_config(gw) -> dict:
    r = gw.get_config()
    assert r["ok"], r
    return r
