"""Zero windows through the relay (issue 4, the CI stall of
test_relay_impaired[combined]): a client that stops reading for a while
backs the relay up all the way to the kernel backend (its echo blocks on
sending, stops reading, closes its window to our upstream connection, which
goes into persist, or sees a small window the kernel, short of memory,
does not honour). When the client reads again the whole chain must resume
at once. Before the fix it stalled until the backend's 60 s socket timeout
reset it: a segment the receiver dropped for want of memory was
retransmitted by an RTO backed off to 12.8 s, and once SACKs showed it lost
again, fast recovery refused to repair it (SND.UNA below RFC 6582's
recover), so only that timer could; see tests/unit/test_tcp_persist.c."""

import json
import subprocess
from pathlib import Path

import pytest

from rampart import counters, counters_delta, default_config, netns_peer

HERE = Path(__file__).parent
PEER = str(HERE / "relay_peer.py")
BACKEND_PORT = 5003
NBYTES = 8 << 20
PAUSE = 14.0


def config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 30000}   # FIN-WAIT-2 outlasts the pause
    cfg["test-services"] = [{"port": 8, "service": "relay", "upstream": "10.10.2.2",
                             "upstream-port": BACKEND_PORT}]
    return cfg


# Client: sends NBYTES in a thread; reads 1 MiB, pauses PAUSE s, reads the
# rest; prints how long the rest took after the pause and whether the bytes
# match.
CLIENT = r"""
import hashlib, json, os, socket, sys, threading, time
host, port, n, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
data = os.urandom(n)
s = socket.create_connection((host, port), timeout=60)
s.settimeout(60)
def sender():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=sender, daemon=True)
t.start()
got = bytearray()
while len(got) < (1 << 20):
    b = s.recv(65536)
    if not b:
        break
    got += b
time.sleep(pause)
t0 = time.monotonic()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
after = time.monotonic() - t0
t.join(60)
s.close()
print(json.dumps({"ok": hashlib.sha256(got).digest() == hashlib.sha256(data).digest(),
                  "received": len(got), "after_pause_s": round(after, 3)}))
"""


@pytest.mark.gateway(config=config(), with_cp=False)
def test_relay_resumes_after_zero_window(gateway):
    with netns_peer(gateway.topo.backend, ["/usr/bin/python3", PEER, "echo-server",
                                           str(BACKEND_PORT), "300"]):
        before = counters(gateway)
        proc = subprocess.Popen(["ip", "netns", "exec", gateway.topo.client, "/usr/bin/python3",
                                 "-c", CLIENT, "10.10.1.1", "8", str(NBYTES), str(PAUSE)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        # The connections' state during the pause and after it, for a
        # failure to explain itself.
        states = []
        for wait in (PAUSE - 2, 6.0, 6.0):
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                states.append(gateway.ctl({"type": "tcp-conns"})["conns"])
        try:
            stdout, stderr = proc.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        d = counters_delta(before, counters(gateway))
        if proc.returncode != 0:
            print({k: v for k, v in d.items() if k.startswith("tcp.")})
            for st in states:
                print(json.dumps(st))
        assert proc.returncode == 0, stderr
        out = json.loads(stdout.strip().splitlines()[-1])
        print(f"\nrelay, {NBYTES >> 20} MiB each way, reader paused {PAUSE} s: {json.dumps(out)};"
              f" { {k: v for k, v in d.items() if k.startswith('tcp.')} }")
        assert out["ok"], out
        # The backend really closed its window and we probed it.
        assert d.get("tcp.persist_probe", 0) > 0, d
        # 7 MiB after the pause on a clean path: seconds, not a backed-off
        # timer (before the fix: a stall until the backend gave up, 60 s).
        assert out["after_pause_s"] < 8, out
