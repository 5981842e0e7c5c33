"""Active opens through the relay and send test services, with kernel peers:
a kernel echo server in the backend namespace (relay_peer.py echo-server),
kernel clients in the client namespace (tcp_client.py, relay_peer.py).

- 16 MiB each way through the relay, byte-exact by SHA-256, with one worker,
  with two (software dispatcher: the upstream's local port is chosen so its
  replies come back to the worker that opened it) and over IPv6;
- the send service's pattern, compared by SHA-256;
- a closed backend port: the upstream open is refused and the client reset;
- keep-alive probes answered by live kernels, and a dead backend (iptables
  DROP in its namespace, removed after) detected and the pair reset."""

import json
import subprocess
import time
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_peer, netns_run, wait_until

HERE = Path(__file__).parent
CLIENT = str(HERE / "tcp_client.py")
PEER = str(HERE / "relay_peer.py")
BACKEND_PORT = 5001
SEND_BYTES = 8 << 20


def relay_config(**tcp) -> dict:
    cfg = default_config()
    # Upstream connections close first (the client half-closes): short TIME-WAIT.
    cfg["tcp"] = {"max-connections-per-worker": 256, "time-wait-ms": 1000, **tcp}
    cfg["test-services"] = [
        {"port": 8, "service": "relay", "upstream": "10.10.2.2", "upstream-port": BACKEND_PORT},
        {"port": 6, "service": "relay", "upstream": "fd00:10:2::2", "upstream-port": BACKEND_PORT},
        {"port": 18, "service": "relay", "upstream": "10.10.2.2", "upstream-port": 5999},
        {"port": 19, "service": "send", "bytes": SEND_BYTES},
    ]
    return cfg


KEEPALIVE = {"keepalive-idle-ms": 300, "keepalive-interval-ms": 200, "keepalive-probes": 3}


@pytest.fixture
def backend(gateway):
    """A kernel echo server on the backend's port BACKEND_PORT (v4 and v6)."""
    with netns_peer(gateway.topo.backend, ["/usr/bin/python3", PEER, "echo-server",
                                           str(BACKEND_PORT), "300"]) as proc:
        yield proc


def run(gateway, script, *args, timeout=120) -> dict:
    r = netns_run(gateway.topo.client, ["/usr/bin/python3", script, *map(str, args)],
                  timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def settle(gateway):
    """Every connection released: passive and active opens all closed."""
    def done():
        c = counters(gateway)
        return c["tcp.closed"] >= c["tcp.syn_received"] + c["tcp.active_open"] and c
    return wait_until(done, timeout=15, what="no TCP connections left")


def relay_echo(gateway, host, port, nbytes, conns):
    before = counters(gateway)
    out = run(gateway, CLIENT, "echo", host, port, nbytes, conns)
    d = counters_delta(before, counters(gateway))
    if out["ok"] != conns:
        print(json.dumps(out["failures"], indent=1))
        print({k: v for k, v in d.items() if k.startswith("tcp.")})
    assert out["ok"] == conns, (out, d)
    d = counters_delta(before, settle(gateway))
    assert d["tcp.active_open"] == conns and d["tcp.active_established"] == conns, d
    # (A late retransmission after TIME-WAIT may meet no connection and be
    # reset: drop_no_listener and rst_tx are not errors here. A SYN-ACK on
    # the wrong worker would be, and fails the open: active_established.)
    for bad in ("tcp.connect_no_port", "tcp.connect_refused", "tcp.connect_timeout",
                "tcp.err_sndbuf_pool"):
        assert d.get(bad, 0) == 0, (bad, {k: v for k, v in d.items() if k.startswith(("tcp", "port"))})
    return out, d


def pattern(n: int) -> bytes:
    """tcp_testsvc.c's send pattern: little-endian SplitMix64 words."""
    m = (1 << 64) - 1
    words = []
    for j in range((n + 7) // 8):
        z = ((j + 1) * 0x9E3779B97F4A7C15) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        words.append(z ^ (z >> 31))
    import struct
    return struct.pack(f"<{len(words)}Q", *words)[:n]


@pytest.mark.gateway(config=relay_config(), with_cp=False)
def test_relay_16mib_each_way(gateway, backend):
    out, _ = relay_echo(gateway, "10.10.1.1", 8, 16 << 20, 1)
    print(f"relay, 16 MiB each way, one worker: {out['seconds']} s "
          f"({2 * 16 / out['seconds']:.1f} MiB/s both directions)")
    assert out["seconds"] < 60, out


@pytest.mark.gateway(config=relay_config(), with_cp=False, lcores="0@0,1@1,2@1")
def test_relay_two_workers(gateway, backend):
    """af_packet has no RSS: every segment, the backend's replies included,
    goes to the worker its flow hashes to. Upstream ports are chosen so that
    is the worker holding the client's connection; otherwise SYN-ACKs would
    meet no connection (drop_no_listener) and the opens would time out."""
    out, _ = relay_echo(gateway, "10.10.1.1", 8, 16 << 20, 1)
    print(f"relay, 16 MiB each way, two workers: {out['seconds']} s")
    out, d = relay_echo(gateway, "10.10.1.1", 8, 1 << 20, 12)
    print(f"relay, 12 x 1 MiB each way, two workers: {out['seconds']} s;",
          {k: v for k, v in d.items() if k.startswith("tcp.") and ("drop" in k or "rst" in k)})
    workers = gateway.telemetry("/rampart/workers")
    assert len(workers) == 2 and all(w["tx"] > 0 for w in workers.values()), workers


@pytest.mark.gateway(config=relay_config(), with_cp=False)
def test_relay_ipv6(gateway, backend):
    out, _ = relay_echo(gateway, "fd00:10:1::1", 6, 16 << 20, 1)
    print(f"relay over IPv6, 16 MiB each way: {out['seconds']} s")


@pytest.mark.gateway(config=relay_config(), with_cp=False)
def test_send_service_pattern(gateway):
    import hashlib
    out = run(gateway, PEER, "sink", "10.10.1.1", 19)
    assert out["error"] is None, out
    assert out["bytes"] == SEND_BYTES, out
    assert out["sha256"] == hashlib.sha256(pattern(SEND_BYTES)).hexdigest(), out
    print(f"send service, {SEND_BYTES >> 20} MiB: {out['seconds']} s")
    settle(gateway)


@pytest.mark.gateway(config=relay_config(), with_cp=False)
def test_relay_closed_backend_port_resets_client(gateway, backend):
    before = counters(gateway)
    out = run(gateway, PEER, "refused", "10.10.1.1", 18)
    assert out["end"] == "reset", out
    d = counters_delta(before, settle(gateway))
    assert d["tcp.connect_refused"] == 1 and d["tcp.active_open"] == 1, d
    assert d.get("tcp.active_established", 0) == 0, d


@pytest.mark.gateway(config=relay_config(**KEEPALIVE), with_cp=False)
def test_keepalive_probes_answered(gateway, backend):
    """Idle 1.5 s on both connections of a relay pair: probes every 300 ms,
    each answered by the kernels, and the pair still echoes after."""
    before = counters(gateway)
    out = run(gateway, PEER, "hold", "10.10.1.1", 8, 1.5, 1)
    assert out.get("first") == "hello" and out.get("second") == "again", out
    d = counters_delta(before, counters(gateway))
    # Two connections, each idle about 1.5 s with idle time 300 ms.
    assert d.get("tcp.keepalive_probe", 0) >= 4, d
    assert d.get("tcp.keepalive_timeout", 0) == 0, d
    settle(gateway)


@pytest.mark.gateway(config=relay_config(**KEEPALIVE), with_cp=False)
def test_keepalive_dead_backend_aborts_pair(gateway, backend):
    """The backend goes silent (its kernel drops everything to port 5001):
    after 300 ms idle and 3 probes 200 ms apart the upstream connection is
    reset, and with it the client's."""
    ns = gateway.topo.backend
    rule = ["INPUT", "-p", "tcp", "--dport", str(BACKEND_PORT), "-j", "DROP"]
    before = counters(gateway)
    client = subprocess.Popen(["ip", "netns", "exec", gateway.topo.client, "/usr/bin/python3",
                               PEER, "hold", "10.10.1.1", "8", "-1", "10"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
    dropping = False
    try:
        first = json.loads(client.stdout.readline())
        assert first.get("first") == "hello", (first, client.stderr.read())
        r = netns_run(ns, ["iptables", "-I", *rule], timeout=10)
        assert r.returncode == 0, r.stderr
        dropping = True
        started = time.monotonic()
        out = json.loads(client.stdout.readline())
        client.wait(timeout=20)
        elapsed = time.monotonic() - started
    finally:
        if dropping:
            netns_run(ns, ["iptables", "-D", *rule], timeout=10)
        if client.poll() is None:
            client.kill()
            client.wait(timeout=10)
    assert out["end"] == "reset", out
    # 300 ms idle + 3 x 200 ms of probes, and timer granularity.
    assert 0.5 <= elapsed < 5, (elapsed, out)
    d = counters_delta(before, settle(gateway))
    assert d["tcp.keepalive_timeout"] == 1, d
    assert d["tcp.keepalive_probe"] >= 3, d


@pytest.mark.gateway(config=relay_config(), with_cp=False)
def test_relay_client_reset_aborts_upstream(gateway, backend):
    """The client aborts (RST): the relay resets its upstream connection."""
    before = counters(gateway)
    out = run(gateway, CLIENT, "reset", "10.10.1.1", 8)
    assert out["reset"], out
    d = counters_delta(before, settle(gateway))
    assert d["tcp.rst_rx"] == 1 and d["tcp.active_established"] == 1, d
    assert d["tcp.rst_tx"] >= 1, d     # to the backend
