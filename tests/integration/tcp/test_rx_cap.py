"""The worker's bound on received mbufs held by TCP (tcp.rx-mbufs-per-worker,
issue 4): with a low bound, clients that send to the echo service without
ever reading its replies fill their connections' receive queues (echo stops
reading once its send queue is full); past the bound their segments are
dropped unacknowledged and counted (tcp.drop_rx_mbufs), and the worker
keeps serving a fresh echo client meanwhile."""

import json
import subprocess

import pytest

from rampart import counters, counters_delta, default_config, wait_until

CAP = 64
HOGS = 16
HOG_BYTES = 512 * 1024


def cap_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"rx-mbufs-per-worker": CAP, "time-wait-ms": 1000}
    cfg["test-services"] = [{"port": 7, "service": "echo"}]
    return cfg


# Runs in the client namespace: HOGS connections that send HOG_BYTES each
# (non-blocking, as far as the windows let them) and never read, with a
# small receive buffer so the echo's replies back up at once. Prints one JSON
# line with how much each got out, then holds the sockets until stdin says.
HOGS_CLIENT = r"""
import json, selectors, socket, sys, time

host, port, n, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks, sent = [], []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((host, port))
    s.setblocking(False)
    socks.append(s)
    sent.append(0)
chunk = b"h" * 65536
deadline = time.monotonic() + 8
while time.monotonic() < deadline:
    moved = False
    for i, s in enumerate(socks):
        if sent[i] >= nbytes:
            continue
        try:
            k = s.send(chunk[:nbytes - sent[i]])
            sent[i] += k
            moved = moved or k > 0
        except BlockingIOError:
            pass
    if not moved:
        time.sleep(0.05)
print(json.dumps({"sent": sent}), flush=True)
sys.stdin.readline()
for s in socks:
    s.close()
"""

FRESH_CLIENT = r"""
import json, socket, sys, time
t0 = time.monotonic()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
msg = b"fresh-client-%d\n" % int(t0 * 1000)
s.sendall(msg)
got = b""
while len(got) < len(msg):
    b = s.recv(4096)
    if not b:
        break
    got += b
s.close()
print(json.dumps({"ok": got == msg, "seconds": round(time.monotonic() - t0, 3)}))
"""


@pytest.mark.gateway(config=cap_config(), with_cp=False)
def test_rx_mbufs_cap_drops_and_serves(gateway):
    gw = gateway
    before = counters(gw)
    hogs = subprocess.Popen(["ip", "netns", "exec", gw.topo.client, "/usr/bin/python3", "-c",
                             HOGS_CLIENT, "10.10.1.1", "7", str(HOGS), str(HOG_BYTES)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = hogs.stdout.readline()
        assert line, hogs.stderr.read() if hogs.poll() is not None else "hogs said nothing"
        out = json.loads(line)
        d = counters_delta(before, counters(gw))
        print(f"\n{HOGS} non-reading senders: {json.dumps(out)}; "
              f"{ {k: v for k, v in d.items() if k.startswith('tcp.')} }")
        # The bound was reached and enforced, counted as drops.
        assert d.get("tcp.drop_rx_mbufs", 0) > 0, d
        # What the worker's connections hold stays within the bound (plus
        # at most one mbuf per connection whose application keeps up).
        conns = gw.ctl({"type": "tcp-conns"})["conns"]
        held = sum(c["rx_mbufs"] for c in conns)
        print(f"received mbufs held: {held} by {len(conns)} connections (bound {CAP})")
        assert len(conns) >= HOGS, conns
        assert held <= CAP + len(conns), (held, conns)
        assert held >= CAP // 2, (held, conns)      # the hogs really hold their share
        # Telemetry shows the bound in force and what is held against it.
        mem = gw.telemetry("/rampart/tcp/memory")
        assert mem["rx_mbufs_cap_per_worker"] == CAP, mem
        assert CAP // 2 <= mem["rx_mbufs_held"] <= CAP + len(conns), (mem, held)
        # A fresh client is still served while the hogs hold their share.
        for _ in range(3):
            r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "/usr/bin/python3",
                                "-c", FRESH_CLIENT, "10.10.1.1", "7"],
                               capture_output=True, text=True, timeout=30,
                               stdin=subprocess.DEVNULL)
            assert r.returncode == 0, r.stderr
            fresh = json.loads(r.stdout.strip().splitlines()[-1])
            assert fresh["ok"], fresh
            assert fresh["seconds"] < 5, fresh
        drops = counters(gw)["tcp.drop_rx_mbufs"]
    finally:
        if hogs.poll() is None:
            hogs.stdin.write("\n")
            hogs.stdin.flush()
        try:
            hogs.wait(timeout=30)
        except subprocess.TimeoutExpired:
            hogs.kill()
            hogs.wait()
    # The hogs are gone: every connection closes, what they held is freed.
    wait_until(lambda: (c := counters(gw))["tcp.closed"] >= c["tcp.syn_received"] and c,
               timeout=30, what="every connection closed")
    assert drops > before.get("tcp.drop_rx_mbufs", 0)
