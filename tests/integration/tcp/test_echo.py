"""The echo test service over the dataplane's TCP stack, with a kernel client
in the client namespace (tcp_client.py): one 16 MiB transfer compared by
SHA-256, 100 connections at once, IPv6, two workers behind the software
dispatcher, and (--full only) 256 MiB."""

import json
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_run, wait_until

CLIENT = str(Path(__file__).with_name("tcp_client.py"))


def tcp_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"max-connections-per-worker": 256}
    cfg["test-services"] = [{"port": 7, "service": "echo"}, {"port": 9, "service": "discard"}]
    return cfg


def run_client(gateway, *args, timeout=90) -> dict:
    r = netns_run(gateway.topo.client, ["/usr/bin/python3", CLIENT, *map(str, args)],
                  timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def settle(gateway, what="no TCP connections left"):
    """Every connection closed: opened == closed on the dataplane side."""
    def done():
        c = counters(gateway)
        return c["tcp.closed"] >= c["tcp.syn_received"] and c
    return wait_until(done, timeout=10, what=what)


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_echo_16mib_sha256(gateway):
    before = counters(gateway)
    out = run_client(gateway, "echo", "10.10.1.1", 7, 16 << 20, 1)
    print(f"16 MiB echo: {out['seconds']} s")
    assert out["ok"] == 1, out
    assert out["seconds"] < 60, out
    d = counters_delta(before, settle(gateway))
    assert d["tcp.opened"] == 1 and d["tcp.closed"] == 1, d
    assert d.get("tcp.drop_bad_checksum", 0) == 0, d


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_echo_100_concurrent(gateway):
    before = counters(gateway)
    out = run_client(gateway, "echo", "10.10.1.1", 7, 64 << 10, 100)
    print(f"100 x 64 KiB echo: {out['seconds']} s")
    if out["ok"] != 100 or out["seconds"] > 5:
        print(json.dumps(out["failures"], indent=1))
        print({k: v for k, v in counters_delta(before, counters(gateway)).items()
               if "drop" in k or "err" in k or k.startswith("tcp.")})
    assert out["ok"] == 100, (out, counters_delta(before, counters(gateway)))
    d = counters_delta(before, settle(gateway))
    assert d["tcp.opened"] == 100 and d["tcp.closed"] == 100, d


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_echo_ipv6(gateway):
    out = run_client(gateway, "echo", "fd00:10:1::1", 7, 1 << 20, 2)
    assert out["ok"] == 2, out
    settle(gateway)


@pytest.mark.gateway(config=tcp_config(), with_cp=False, lcores="0@0,1@1,2@1")
def test_echo_two_workers(gateway):
    """af_packet has no RSS: the software dispatcher hands each segment to
    the worker its flow hashes to, which owns the connection; both workers
    end up with some."""
    before = counters(gateway)
    out = run_client(gateway, "echo", "10.10.1.1", 7, 256 << 10, 20)
    assert out["ok"] == 20, (out, counters_delta(before, counters(gateway)))
    d = counters_delta(before, settle(gateway))
    assert d["tcp.opened"] == 20 and d["tcp.closed"] == 20, d
    workers = gateway.telemetry("/rampart/workers")
    assert len(workers) == 2 and all(w["tx"] > 0 for w in workers.values()), workers


@pytest.mark.slow
@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_echo_256mib_sha256(gateway):
    out = run_client(gateway, "echo", "10.10.1.1", 7, 256 << 20, 1, timeout=600)
    print(f"256 MiB echo: {out['seconds']} s")
    assert out["ok"] == 1, out
    settle(gateway)
