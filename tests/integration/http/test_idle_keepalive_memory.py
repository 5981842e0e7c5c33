"""Memory per idle keep-alive client connection: a connection idling between
requests gives its request context (parser state and session buffers, about
130 KiB with default limits) back to the worker's cache, and the cache is
trimmed once a second to the last second's peak, so N idle connections hold
no context at all; their next requests take contexts again and are answered.
Reports the context bytes per connection while the requests ran and once
they idle. Bounded: about 10 s."""

import json
import subprocess
import time

from rampart import counters, default_config, wait_until

GW = "10.10.1.1"
N = 200

# In the client namespace: N keep-alive connections, one request each; then
# idle until a line on stdin, then one more request each. Prints JSON lines.
PEER = r"""
import json, socket, sys, time
N, gw = int(sys.argv[1]), sys.argv[2]
req = b"GET /idle HTTP/1.1\r\nHost: idle.test\r\n\r\n"

def answer(s):
    buf = b""
    s.settimeout(5)
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += s.recv(4096)
    return int(head.split(b" ")[1])

socks = []
for _ in range(N):
    s = socket.create_connection((gw, 80), timeout=5)
    s.sendall(req)
    socks.append(s)
print(json.dumps({"round": 1, "statuses": [answer(s) for s in socks]}), flush=True)
sys.stdin.readline()
for s in socks:
    s.sendall(req)
print(json.dumps({"round": 2, "statuses": [answer(s) for s in socks]}), flush=True)
for s in socks:
    s.close()
"""


def config() -> dict:
    cfg = default_config()
    # keep-alive idle well beyond the trim; no route: every answer is our 404
    cfg["http"] = {"max-sessions-per-worker": 1024, "timeouts": {"keepalive-idle-ms": 30000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    return cfg


def held(c: dict) -> tuple[int, int]:
    """Contexts and their bytes the dataplane holds (in sessions or cached)."""
    return (c.get("http.ctx_alloc", 0) - c.get("http.ctx_freed", 0),
            c.get("http.ctx_bytes_alloc", 0) - c.get("http.ctx_bytes_freed", 0))


def test_idle_keepalive_connections_hold_no_context(gateway_factory):
    gw = gateway_factory(config=config(), with_cp=False)
    base = counters(gw)
    peer = subprocess.Popen(["ip", "netns", "exec", gw.topo.client, "/usr/bin/python3", "-c", PEER,
                             str(N), GW], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(peer.stdout.readline() or "{}")
        assert first.get("statuses") == [404] * N, (first, peer.stderr.read() if peer.poll() else "")
        busy = counters(gw)
        n_busy, b_busy = held(busy)
        assert busy["http.sessions_opened"] - base.get("http.sessions_opened", 0) == N
        # idle: every connection released its context; after two trims
        # (one second apart) the cache holds none either
        wait_until(lambda: counters(gw).get("http.ctx_idle_released", 0) >= N, 5,
                   what="every idle connection released its context")
        time.sleep(2.5)
        idle = counters(gw)
        n_idle, b_idle = held(idle)
        assert idle.get("http.sessions_closed", 0) == base.get("http.sessions_closed", 0), \
            "an idle connection was closed"
        per_ctx = b_busy / max(n_busy, 1)
        print(f"{N} keep-alive connections: {n_busy} contexts ({b_busy / N / 1024:.1f} KiB per "
              f"connection, {per_ctx / 1024:.1f} KiB each) after their requests; idle: {n_idle} "
              f"contexts, {b_idle / N:.0f} bytes per connection")
        assert n_busy >= 1 and per_ctx > 64 * 1024, (n_busy, b_busy)
        assert n_idle == 0 and b_idle == 0, (n_idle, b_idle)

        # the next request on every idle connection takes a context again
        peer.stdin.write("go\n")
        peer.stdin.flush()
        second = json.loads(peer.stdout.readline() or "{}")
        assert second.get("statuses") == [404] * N, second
        after = counters(gw)
        assert after["http.keepalive_reused"] - busy.get("http.keepalive_reused", 0) == N
        assert after["http.ctx_alloc"] > idle["http.ctx_alloc"]
        assert after.get("http.err_alloc", 0) == base.get("http.err_alloc", 0)
        peer.wait(timeout=20)
        assert peer.returncode == 0, peer.stderr.read()
    finally:
        if peer.poll() is None:
            peer.kill()
            peer.wait(timeout=10)
