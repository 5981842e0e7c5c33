"""The TCP stack under impairment: byte-exact transfers (SHA-256) each way at
once through the echo service and through the relay to a kernel backend,
while the dataplane's impairment stage (port/impair.h) damages the traffic
of its ports in both directions:

  loss       2% of frames dropped
  dup        1% of frames sent twice
  reorder    25% of frames held back 10 ms
  corrupt    0.1% of frames with one byte flipped (the checksum catches it)
  combined   all four at once

plus an independent check with the kernel's own random drop (iptables
statistic, 2% each way) in the client namespace and no dataplane impairment.

16 MiB each way by default; 256 MiB with --full / RAMPART_FULL=1 (either:
RAMPART_IMPAIR_MIB=<n>). Every
rule's seed comes from RAMPART_IMPAIR_SEED (default: random) and is printed
with every result and failure: RAMPART_IMPAIR_SEED=<seed> replays the same
impairment decisions."""

import copy
import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_run, wait_until

HERE = Path(__file__).parent
CLIENT = str(HERE / "tcp_client.py")
PEER = str(HERE / "relay_peer.py")
BACKEND_PORT = 5002
MIB = 1 << 20

PROFILES = {
    "clean": {},
    "loss": {"loss-ppm": 20000},
    "dup": {"duplicate-ppm": 10000},
    "reorder": {"reorder-ppm": 250000, "reorder-delay-ms": 10},
    "corrupt": {"corrupt-ppm": 1000},
    "combined": {"loss-ppm": 20000, "duplicate-ppm": 10000, "reorder-ppm": 250000,
                 "reorder-delay-ms": 10, "corrupt-ppm": 1000},
}

# What each profile must visibly have done (dataplane counters).
EVIDENCE = {
    "clean": [],
    "loss": ["port.impair_lost"],
    "dup": ["port.impair_duplicated"],
    "reorder": ["port.impair_reordered", "tcp.ooo_queued"],
    "corrupt": ["port.impair_corrupted", "tcp.drop_bad_checksum"],
    "combined": ["port.impair_lost", "port.impair_duplicated", "port.impair_reordered",
                 "port.impair_corrupted"],
}

REPORTED = ["tcp.fast_retransmit", "tcp.sack_retransmit", "tcp.retransmit", "tcp.rto", "tcp.loss_probe",
            "tcp.partial_ack", "tcp.recovery", "tcp.recovery_undone", "tcp.ooo_queued", "tcp.drop_ooo_full",
            "tcp.drop_duplicate", "tcp.drop_bad_checksum", "port.impair_lost",
            "port.impair_duplicated", "port.impair_reordered", "port.impair_corrupted",
            "port.impair_queue_full", "tcp.rack_lost", "tcp.reorder_seen", "tcp.dsack_received",
            "tcp.spurious_retransmit", "tcp.persist_probe", "tcp.drop_rx_mbufs", "tcp.ooo_pruned"]


def base_config() -> dict:
    cfg = default_config()
    # Short TIME-WAIT: the relay's upstream side closes first and must be
    # released before the next test counts connections.
    cfg["tcp"] = {"max-connections-per-worker": 64, "time-wait-ms": 1000}
    cfg["test-services"] = [
        {"port": 7, "service": "echo"},
        {"port": 8, "service": "relay", "upstream": "10.10.2.2", "upstream-port": BACKEND_PORT},
    ]
    return cfg


GATEWAY = {"config": base_config(), "with_cp": False}


@pytest.fixture(scope="module")
def size(request) -> int:
    full = request.config.getoption("--full") or os.environ.get("RAMPART_FULL") == "1"
    return int(os.environ.get("RAMPART_IMPAIR_MIB", 256 if full else 16)) * MIB


@pytest.fixture(scope="module")
def seed() -> int:
    return int(os.environ.get("RAMPART_IMPAIR_SEED", random.randrange(1, 1 << 32)))


@pytest.fixture(scope="module")
def backend(module_gateway):
    """A kernel echo server in the backend namespace for the relay."""
    proc = subprocess.Popen(["ip", "netns", "exec", module_gateway.topo.backend,
                             "/usr/bin/python3", PEER, "echo-server", str(BACKEND_PORT), "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def impair(gw, rules: list) -> None:
    cfg = copy.deepcopy(base_config())
    if rules:
        cfg["impairment"] = rules
    reply = gw.push_config(cfg)
    assert reply["ok"] is True, reply
    gw.wait_generation(reply["generation"])


def rules_for(profile: str, seed: int, ports=("client",)) -> list:
    return [{"port": p, "direction": "both", "seed": (seed + i) % (1 << 32), **PROFILES[profile]}
            for i, p in enumerate(ports)]


def settle(gw):
    def done():
        c = counters(gw)
        return c["tcp.closed"] >= c["tcp.syn_received"] + c.get("tcp.active_open", 0) and c
    return wait_until(done, timeout=30, what="no TCP connections left")


KERNEL = ["TcpRetransSegs", "TcpExtTCPTimeouts", "TcpExtTCPSackRecovery", "TcpInCsumErrors"]


def kernel_counters(ns: str) -> dict:
    """The client kernel's TCP counters (nstat, absolute)."""
    r = netns_run(ns, ["nstat", "-az", *KERNEL])
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] in KERNEL and f[1].isdigit():
            out[f[0]] = int(f[1])
    return out


STALL_SECONDS = 5      # no connection's SND.UNA or RCV.NXT moved for this long: a stall


def watch_progress(gw, proc, timeout: float) -> list:
    """Wait for proc (bounded by timeout); while it runs, read the state of
    every dataplane connection (ctl "tcp-conns") each second and keep it
    whenever no connection acknowledged or received a byte for
    STALL_SECONDS. Returns [(seconds since start, connections)], at most 4."""
    start = time.monotonic()
    last_moved, last = start, None
    stalls = []
    while proc.poll() is None:
        if time.monotonic() - start > timeout:
            proc.kill()
            break
        time.sleep(1)
        try:
            conns = gw.ctl({"type": "tcp-conns"}).get("conns", [])
        except OSError:
            continue
        progress = sorted((c["idx"], c["snd_una"], c["rcv_nxt"]) for c in conns)
        if progress != last or not conns:
            last, last_moved = progress, time.monotonic()
        elif time.monotonic() - last_moved >= STALL_SECONDS and len(stalls) < 4:
            stalls.append((time.monotonic() - start, conns))
            last_moved = time.monotonic()
    return stalls


def transfer(gw, port: int, nbytes: int, what: str, seed: int) -> tuple[dict, dict]:
    """One echo connection through dataplane port `port`, nbytes each way."""
    kbefore = kernel_counters(gw.topo.client)
    before = counters(gw)
    # The client's per-operation timeout is 50 s; the whole run scales with
    # size (about 2 s per MiB under the worst profile, doubled).
    total = 60 + nbytes // MIB * 4
    proc = subprocess.Popen(["ip", "netns", "exec", gw.topo.client, "env",
                             f"TCP_CLIENT_TOTAL_SECONDS={total}", "/usr/bin/python3", CLIENT,
                             "echo", "10.10.1.1", str(port), str(nbytes), "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    stalls = watch_progress(gw, proc, total + 30)
    stdout, stderr = proc.communicate()
    d = counters_delta(before, counters(gw))
    ctx = f"{what}, RAMPART_IMPAIR_SEED={seed}"
    # A stall explains itself: the connections' state while nothing moved.
    if stalls:
        print(f"\nSTALL {ctx}: connection states while no byte moved:")
        for t, conns in stalls:
            print(f"  at {t:.0f} s: {json.dumps(conns)}")
    assert proc.returncode == 0, (ctx, stderr, d, stalls)
    out = json.loads(stdout.strip().splitlines()[-1])
    report = {k: d.get(k, 0) for k in REPORTED if d.get(k, 0)}
    kafter = kernel_counters(gw.topo.client)
    kernel = {k: kafter[k] - kbefore.get(k, 0) for k in kafter if kafter[k] != kbefore.get(k, 0)}
    print(f"\n{ctx}: {nbytes // MIB} MiB each way in {out['seconds']} s; "
          f"dataplane {report}; client kernel {kernel}")
    if out["ok"] != 1:
        print(f"FAILED {ctx}: {json.dumps(out['failures'])}\n{ {k: v for k, v in d.items() if v} }")
    assert out["ok"] == 1, (ctx, out, {k: v for k, v in d.items() if v})
    return out, counters_delta(before, settle(gw))


@pytest.mark.parametrize("profile", list(PROFILES))
def test_echo_impaired(module_gateway, size, seed, profile):
    gw = module_gateway
    impair(gw, rules_for(profile, seed))
    try:
        _, d = transfer(gw, 7, size, f"echo, {profile}", seed)
    finally:
        impair(gw, [])
    for name in EVIDENCE[profile]:
        assert d.get(name, 0) > 0, (name, f"RAMPART_IMPAIR_SEED={seed}", d)
    if profile == "dup":
        # A copy arriving after its original is old news: refused, counted.
        assert d.get("tcp.drop_duplicate", 0) + d.get("tcp.drop_out_of_window", 0) > 0, d
    assert d["tcp.opened"] == 1 and d["tcp.closed"] == 1, d
    if profile in ("loss", "combined"):
        # Losses were repaired by retransmission, not by luck.
        assert d.get("tcp.fast_retransmit", 0) + d.get("tcp.sack_retransmit", 0) + \
            d.get("tcp.retransmit", 0) > 0, d


@pytest.mark.parametrize("profile", ["loss", "combined"])
def test_relay_impaired(module_gateway, backend, size, seed, profile):
    """The relay's two connections, each side impaired: the client's (port
    0) and the upstream one to the kernel backend (port 1)."""
    gw = module_gateway
    impair(gw, rules_for(profile, seed, ports=("client", "backend")))
    try:
        _, d = transfer(gw, 8, size, f"relay, {profile}", seed)
    finally:
        impair(gw, [])
    assert d.get("tcp.active_established", 0) == 1, d
    assert d.get("port.impair_lost", 0) > 0, d


def iptables(ns: str, op: str, chain: str, match: list) -> None:
    r = netns_run(ns, ["iptables", op, chain, "-p", "tcp", *match, "-m", "statistic",
                       "--mode", "random", "--probability", "0.02", "-j", "DROP"])
    assert r.returncode == 0 or op == "-D", r.stderr


def test_echo_kernel_random_drop(module_gateway, size):
    """Independent of our impairment stage: the client kernel drops 2% of
    the connection's segments each way (iptables statistic)."""
    gw = module_gateway
    ns = gw.topo.client
    rules = [("OUTPUT", ["--dport", "7"]), ("INPUT", ["--sport", "7"])]
    try:
        for chain, match in rules:
            iptables(ns, "-A", chain, match)
        _, d = transfer(gw, 7, size, "echo, kernel 2% drop", 0)
    finally:
        for chain, match in rules:
            iptables(ns, "-D", chain, match)
    assert d.get("tcp.fast_retransmit", 0) + d.get("tcp.sack_retransmit", 0) + \
        d.get("tcp.retransmit", 0) > 0, d
