"""5,000 concurrent client connections to the echo test service (issue 4),
all held open at once from the client namespace: one Python process with
non-blocking sockets and a selector connects them all, sends a small message
on each, then reads every echo back. While they are still open the test reads
/rampart/tcp/memory and prints the memory per connection (pytest -s)."""

import json
import subprocess

import pytest

from rampart import counters, counters_delta, default_config, wait_until

CONNS = 5000
BUDGET = 60.0    # seconds for connect + echo of all of them (ASan build included)


def many_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"max-connections-per-worker": 6000, "syn-backlog": 1024}
    cfg["test-services"] = [{"port": 7, "service": "echo"}]
    return cfg


# Runs in the client namespace. Prints one JSON line once every connection
# has echoed (or the budget ran out), keeps the sockets open until a line
# arrives on stdin, then closes them all.
CLIENT = r"""
import errno, json, resource, selectors, socket, sys, time

host, port, n, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = n + 256
if hard != resource.RLIM_INFINITY and hard < need:
    hard = need
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need) if hard == resource.RLIM_INFINITY
                                            else min(max(soft, need), hard), hard))
sel = selectors.DefaultSelector()
t0 = time.monotonic()
deadline = t0 + budget
socks = [None] * n
msgs = [b"conn-%05d-hello\n" % i for i in range(n)]
got = [b""] * n
errors = {}
MAX_PENDING = 256          # connects in flight at once
pending = 0
nxt = 0
connected = 0
t_connected = None

def start(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    rc = s.connect_ex((host, port))
    if rc not in (0, errno.EINPROGRESS):
        errors[i] = errno.errorcode.get(rc, str(rc))
        s.close()
        return False
    socks[i] = s
    sel.register(s, selectors.EVENT_WRITE, i)
    return True

# Phase 1: connect all (at most MAX_PENDING in progress).
while (nxt < n or pending) and time.monotonic() < deadline:
    while nxt < n and pending < MAX_PENDING:
        if start(nxt):
            pending += 1
        nxt += 1
    for key, _ in sel.select(timeout=0.5):
        i, s = key.data, key.fileobj
        sel.unregister(s)
        pending -= 1
        rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if rc:
            errors[i] = errno.errorcode.get(rc, str(rc))
            s.close()
            socks[i] = None
        else:
            connected += 1
t_connected = time.monotonic() - t0

# Phase 2: send on all, then read all.
live = [i for i in range(n) if socks[i] is not None]
for i in live:
    try:
        if socks[i].send(msgs[i]) != len(msgs[i]):
            errors[i] = "short send"
    except OSError as e:
        errors[i] = repr(e)
t_sent = time.monotonic() - t0
waiting = 0
for i in live:
    if i not in errors:
        sel.register(socks[i], selectors.EVENT_READ, i)
        waiting += 1
while waiting and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.5):
        i, s = key.data, key.fileobj
        try:
            b = s.recv(256)
        except BlockingIOError:
            continue
        except OSError as e:
            b = None
            errors[i] = repr(e)
        if not b:
            errors.setdefault(i, "EOF")
        else:
            got[i] += b
            if len(got[i]) < len(msgs[i]):
                continue
        sel.unregister(s)
        waiting -= 1
ok = sum(1 for i in range(n) if got[i] == msgs[i])
print(json.dumps({"ok": ok, "connected": connected, "connect_s": round(t_connected, 3),
                  "send_s": round(t_sent, 3), "seconds": round(time.monotonic() - t0, 3),
                  "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                  "errors": dict(list(errors.items())[:5]), "nerrors": len(errors)}), flush=True)
sys.stdin.readline()
for s in socks:
    if s is not None:
        s.close()
"""


@pytest.mark.gateway(config=many_config(), with_cp=False)
def test_5000_concurrent_echo_memory(gateway):
    before = counters(gateway)
    p = subprocess.Popen(["ip", "netns", "exec", gateway.topo.client, "/usr/bin/python3", "-c",
                          CLIENT, "10.10.1.1", "7", str(CONNS), str(BUDGET)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        line = p.stdout.readline()
        assert line, p.stderr.read() if p.poll() is not None else "client said nothing"
        out = json.loads(line)
        print(f"\n{CONNS} concurrent echo: {json.dumps(out)}")
        mem = gateway.telemetry("/rampart/tcp/memory")
        d = counters_delta(before, counters(gateway))
        if out["ok"] != CONNS:
            print({k: v for k, v in d.items() if k.startswith("tcp.")})
        assert out["ok"] == CONNS, (out, d)
        assert out["seconds"] < BUDGET, out
    finally:
        if p.poll() is None:
            p.stdin.write("\n")
            p.stdin.flush()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    active = mem["conns_active"]
    per_conn_struct = mem["conn_bytes"]
    # The echo service holds each message only until the client ACKs it:
    # send-buffer mbufs in use are whatever is still unacknowledged.
    per_conn_bufs = mem["sndbuf_bytes_in_use"] / active if active else 0
    print(f"TCP memory with {active} connections open: struct tcp_conn {per_conn_struct} B"
          f" x {active} = {mem['conns_bytes_in_use'] / 2**20:.1f} MiB"
          f" (pool preallocated: {mem['conn_pool_bytes'] / 2**20:.1f} MiB);"
          f" send buffers in use {mem['sndbuf_mbufs_in_use']} mbufs of {mem['sndbuf_mbufs']}"
          f" ({mem['sndbuf_bytes_in_use'] / 2**10:.0f} KiB, {per_conn_bufs:.0f} B/conn);"
          f" shared mbufs in use {mem.get('mbufs_in_use')} of {mem.get('mbufs')};"
          f" per connection {per_conn_struct + per_conn_bufs:.0f} B")
    print(f"memory: {json.dumps(mem)}")
    assert active >= CONNS, mem
    # Sane upper bound: the connection struct (with its out-of-order slots)
    # stays under 4 KiB, and buffers held while idle under one mbuf each.
    assert per_conn_struct <= 4096, mem
    assert mem["sndbuf_mbufs_in_use"] <= active + 512, mem

    d = counters_delta(before, wait_until(
        lambda: (c := counters(gateway))["tcp.closed"] >= c["tcp.syn_received"] and c,
        timeout=30, what="every connection closed"))
    assert d["tcp.opened"] == CONNS and d["tcp.closed"] == CONNS, d
    assert d.get("tcp.err_sndbuf_pool", 0) == 0 and d.get("tcp.err_no_mbuf", 0) == 0, d
