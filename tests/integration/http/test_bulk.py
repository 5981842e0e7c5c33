"""Bulk transfers through the gateway to nginx, byte-exact by SHA-256, with
the dataplane's memory sampled from its own telemetry all along:

- download and upload (PUT by Content-Length and chunked) of SIZE bytes:
  128 MiB by default, 1 GiB with --full / RAMPART_FULL=1
  (RAMPART_HTTP_BULK_MIB overrides);
- a slow client (curl --limit-rate) downloading from a fast nginx: the
  gateway must push back on nginx, not buffer the difference.

Memory: /rampart/tcp/memory gives the send-buffer mbufs in use (per-connection
send queues) and the shared pool's mbufs in use (receive queues, packets in
flight); /mempool/info gives their element sizes. The sampled peak above the
idle baseline, divided over the two TCP connections of one proxied transfer,
is the dynamic memory per connection; each HTTP session also holds its fixed
slot (docs/ARCHITECTURE.md, "HTTP proxy"). Run with -s to see the figures.
"""

import hashlib
import os
import subprocess
import threading
import time

import pytest

from .peers import GW, Nginx, nginx_upstream
from rampart import counters, counters_delta, default_config, wait_until

MIB = 1 << 20
RCVBUF = SNDBUF = 128 << 10


def bulk_config() -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000, "receive-buffer": RCVBUF, "send-buffer": SNDBUF}
    cfg["http"] = {"limits": {"body": 2 ** 32 - 1},
                   "timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 5000,
                                "body-idle-ms": 5000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [nginx_upstream()]
    cfg["routes"] = [{"name": "all", "listener": "web", "path-prefix": "/", "upstream": "nginx"}]
    return cfg


GATEWAY = {"config": bulk_config(), "with_cp": False}

# 1 GiB under ASan takes about 100 s each way on a quiet machine; the
# suite's default per-test timeout (300 s) is too tight on a loaded one.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def size(request) -> int:
    full = request.config.getoption("--full") or os.environ.get("RAMPART_FULL") == "1"
    return int(os.environ.get("RAMPART_HTTP_BULK_MIB", 1024 if full else 128)) * MIB


@pytest.fixture(scope="module")
def nginx(module_gateway, tmp_path_factory, size):
    """nginx serving www/bulk.bin (SIZE pseudo-random bytes, hash known)."""
    ng = Nginx(module_gateway.topo.backend, tmp_path_factory.mktemp("nginx"), 8080)
    (ng.dir / "www").mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    # A 64 MiB random block with a per-block counter in front: every block
    # differs, so a reordered or repeated block changes the hash.
    block = os.urandom(64 * MIB)
    with open(ng.dir / "www" / "bulk.bin", "wb") as f:
        for i in range(size // len(block)):
            piece = i.to_bytes(8, "big") + block[8:]
            f.write(piece)
            h.update(piece)
        tail = block[:size % len(block)]
        f.write(tail)
        h.update(tail)
    ng.bulk_sha256 = h.hexdigest()
    with ng:
        yield ng


class MemorySampler:
    """Samples the dataplane's buffer memory every `interval` s in a thread;
    peak() is the highest (send-buffer bytes + shared-pool mbuf bytes)."""

    def __init__(self, gw, interval: float = 0.02):
        self.gw = gw
        self.interval = interval
        pools = {p: gw.telemetry(f"/mempool/info,{p}") for p in gw.telemetry("/mempool/list")}
        m = gw.telemetry("/rampart/tcp/memory")
        # the shared pool is the one whose size is the "mbufs" figure
        shared = [p for p in pools.values() if p["size"] == m["mbufs"]]
        assert shared, (pools, m)
        p = shared[0]
        self.mbuf_bytes = p["elt_size"] + p["header_size"] + p["trailer_size"]
        self.sndbuf_mbuf_bytes = m["sndbuf_mbuf_bytes"]
        self.baseline = self.bytes_now(m)
        self.max = self.baseline
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def bytes_now(self, m=None) -> int:
        m = m or self.gw.telemetry("/rampart/tcp/memory")
        return m["sndbuf_bytes_in_use"] + m["mbufs_in_use"] * self.mbuf_bytes

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                v = self.bytes_now()
            except OSError:
                continue
            self.samples += 1
            self.max = max(self.max, v)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)

    def peak_above_baseline(self) -> int:
        return self.max - self.baseline


# Two TCP connections per proxied transfer, each holding at most its
# receive window and its send buffer in payload; mbufs carry ~1.5 KiB of
# payload in ~2.3 KiB, and packets in flight on the rings add some.
BOUND_PER_TRANSFER = 2 * (RCVBUF + SNDBUF) * 2 + 2 * MIB


def report(what: str, nbytes: int, seconds: float, mem: MemorySampler):
    peak = mem.peak_above_baseline()
    print(f"\n{what}: {nbytes / MIB:.0f} MiB in {seconds:.1f} s "
          f"({nbytes / MIB / seconds:.1f} MiB/s); dataplane buffer memory peak "
          f"{peak / 1024:.0f} KiB above idle ({peak / 2 / 1024:.0f} KiB per TCP connection, "
          f"{mem.samples} samples)")


def curl_argv(gw, *args, max_time: float) -> list:
    return ["ip", "netns", "exec", gw.topo.client, "curl", "-sS", "--max-time", str(int(max_time)),
            *args]


def budget(nbytes: int) -> float:
    """Time allowed for a transfer: at least 2 MiB/s (ASan, two shared cores)."""
    return 60 + nbytes / (2 * MIB)


def test_download_byte_exact_bounded_memory(module_gateway, nginx, size):
    gw = module_gateway
    before = counters(gw)
    h = hashlib.sha256()
    got = 0
    t0 = time.monotonic()
    with MemorySampler(gw) as mem:
        p = subprocess.Popen(curl_argv(gw, f"http://{GW}/bulk.bin", max_time=budget(size)),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        try:
            while True:
                b = p.stdout.read(4 * MIB)
                if not b:
                    break
                h.update(b)
                got += len(b)
            p.wait(30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    secs = time.monotonic() - t0
    assert p.returncode == 0, p.stderr.read()
    assert got == size and h.hexdigest() == nginx.bulk_sha256
    report("download", size, secs, mem)
    assert mem.peak_above_baseline() <= BOUND_PER_TRANSFER, mem.peak_above_baseline()
    d = counters_delta(before, counters(gw))
    assert d.get("http.resp_2xx") == 1 and d.get("http.forwarded") == 1, d


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_upload_byte_exact_bounded_memory(module_gateway, nginx, size, framing):
    """PUT of the same bytes to nginx (WebDAV), which stores them as a file:
    by Content-Length (curl -T file) and chunked with Expect: 100-continue
    (curl -T - from a pipe)."""
    gw = module_gateway
    src = nginx.dir / "www" / "bulk.bin"
    dst = nginx.dir / "www" / "up" / f"{framing}.bin"
    if dst.exists():
        dst.unlink()
    url = f"http://{GW}/up/{framing}.bin"
    t0 = time.monotonic()
    with MemorySampler(gw) as mem:
        if framing == "content-length":
            argv = curl_argv(gw, "-T", str(src), "-H", "Expect:", "-w", "%{http_code}", url,
                             max_time=budget(size))
            r = subprocess.run(argv, capture_output=True, timeout=budget(size) + 30,
                               stdin=subprocess.DEVNULL)
        else:
            # curl's default Expect: 100-continue here (answered by the gateway)
            argv = curl_argv(gw, "-T", "-", "-H", "Transfer-Encoding: chunked",
                             "-w", "%{http_code}", url, max_time=budget(size))
            with open(src, "rb") as f:
                r = subprocess.run(argv, capture_output=True, timeout=budget(size) + 30, stdin=f)
    secs = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip()[-3:] == "201", r.stdout
    assert dst.stat().st_size == size
    h = hashlib.sha256()
    with open(dst, "rb") as f:
        for b in iter(lambda: f.read(16 * MIB), b""):
            h.update(b)
    assert h.hexdigest() == nginx.bulk_sha256
    dst.unlink()
    report(f"upload ({framing})", size, secs, mem)
    assert mem.peak_above_baseline() <= BOUND_PER_TRANSFER, mem.peak_above_baseline()


# A reader we pace ourselves (curl's --limit-rate let 8 MiB through in 0.9 s
# in CI): a small receive buffer, then 64 KiB per 25 ms (~2.5 MiB/s).
SLOW_READER = r"""
import socket, sys, time
host, n = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(30)
s.connect((host, 80))
s.sendall(b"GET /bulk.bin HTTP/1.1\r\nHost: gw\r\nRange: bytes=0-%d\r\n"
          b"Connection: close\r\n\r\n" % (n - 1))
head, got, deadline = b"", 0, time.monotonic() + 60
while b"\r\n\r\n" not in head:
    head += s.recv(4096)
head, _, body = head.partition(b"\r\n\r\n")
got = len(body)
while time.monotonic() < deadline:
    chunk = s.recv(65536)
    if not chunk:
        break
    got += len(chunk)
    time.sleep(0.025)
print(head.split(b"\r\n")[0].decode(), got)
"""


def test_slow_client_backpressure(module_gateway, nginx):
    """A client reading at ~2.5 MiB/s from an nginx that could send far
    faster: for ~3 s the gateway holds no more than its windows, so nginx
    is held back instead of the gateway buffering the difference."""
    gw = module_gateway
    n = 8 * MIB
    t0 = time.monotonic()
    with MemorySampler(gw) as mem:
        r = subprocess.run(["ip", "netns", "exec", gw.topo.client, "/usr/bin/python3", "-c",
                            SLOW_READER, GW, str(n)],
                           capture_output=True, timeout=90, stdin=subprocess.DEVNULL)
    secs = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["HTTP/1.1", "206", "Partial", "Content", str(n)], r.stdout
    assert secs >= 2.0, secs  # paced: 128 reads of 64 KiB, 25 ms apart
    report("slow-client download", n, secs, mem)
    assert mem.peak_above_baseline() <= BOUND_PER_TRANSFER, mem.peak_above_baseline()


def test_client_abort_mid_download_releases_upstream(module_gateway, nginx):
    """A client that goes away 1 s into a large download: the gateway drops
    the upstream connection too (counted), and nothing stays behind."""
    gw = module_gateway
    before = counters(gw)
    r = subprocess.run(curl_argv(gw, "-o", "/dev/null", f"http://{GW}/bulk.bin", max_time=1),
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 28, r.stderr  # curl: operation timed out
    # every session closed (earlier tests' ones may close in this window too)
    c = wait_until(lambda: (lambda c: c["http.sessions_closed"] == c["http.sessions_opened"] and c)(
        counters(gw)), timeout=10, what="every session closed")
    d = counters_delta(before, c)
    assert d.get("http.client_gone") == 1 and d.get("http.forwarded") == 1, d


def test_early_response_during_upload(module_gateway, nginx):
    """nginx answers 413 from the head, before the 8 MiB body it will not
    read: the client gets the 413 promptly, whatever happens to the rest
    of its upload, and the gateway keeps serving."""
    gw = module_gateway
    src = nginx.dir / "www" / "bulk.bin"
    t0 = time.monotonic()
    r = subprocess.run(curl_argv(gw, "-T", str(src), "-H", "Expect:", "-o", "/dev/null",
                                 "-w", "%{http_code}", f"http://{GW}/limited/x.bin", max_time=30),
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    secs = time.monotonic() - t0
    assert r.stdout.decode()[-3:] == "413", (r.stdout, r.stderr)
    assert secs < 10, secs
    r = subprocess.run(curl_argv(gw, "-o", "/dev/null", "-r", "0-99", "-w", "%{http_code}",
                                 f"http://{GW}/bulk.bin", max_time=10),
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.stdout == b"206", r


def test_connections_released(module_gateway, nginx):
    gw = module_gateway

    def done():
        c = counters(gw)
        return (c["tcp.closed"] >= c["tcp.syn_received"] + c["tcp.active_open"] and
                c["http.sessions_closed"] == c["http.sessions_opened"]) and c
    wait_until(done, timeout=15, what="every TCP connection and HTTP session released")
