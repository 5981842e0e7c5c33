"""Real peers for the proxy tests: nginx (Debian) as a backend in the backend
namespace, curl and wrk as clients in the client namespace.

    with Nginx(topo.backend, workdir, port=8080) as ng:   # config, pid file, logs in workdir
        ng.www / "file.bin"                                 # its document root
        ng.access_log()                                     # parsed access-log lines
    out = wrk(topo.client, "http://10.10.1.1/small.txt", seconds=3, connections=8)
    out["requests"], out["errors"], out["non_2xx_3xx"]

Every process is started by us, bounded in time and stopped on exit.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

GW = "10.10.1.1"
BACKEND_ADDR = "10.10.2.2"

# One JSON object per request; $connection / $connection_requests show
# whether the gateway reused its upstream connections.
_LOG_FORMAT = ('escape=json \'{"conn":$connection,"conn_requests":$connection_requests,'
               '"method":"$request_method","uri":"$request_uri","status":$status,'
               '"body_bytes_sent":$body_bytes_sent,"request_length":$request_length,'
               '"xff":"$http_x_forwarded_for","request_id":"$http_x_request_id",'
               '"connection_hdr":"$http_connection"}\'')

# `user root`: the work dir is pytest's (mode 0700), and PUT writes into it.
_CONF = """
user root;
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    types {{ text/plain txt; application/json json; }}
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    log_format rampart {log_format};
    access_log {dir}/access.log rampart;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server_tokens on;
    server {{
        listen {port} reuseport backlog=1024;
        root {dir}/www;
        # Compressed answers have no length known in advance: chunked.
        location /gz/ {{
            gzip on;
            gzip_min_length 0;
            gzip_types text/plain application/octet-stream;
            gzip_http_version 1.0;  # for 1.0 clients: delimited by the close
        }}
        location = /nocontent {{ return 204; }}
        # PUT stores the body as a file under www/up/ (byte-exact uploads).
        location /up/ {{
            dav_methods PUT;
            create_full_put_path on;
            client_max_body_size 0;
            client_body_buffer_size 1m;
        }}
        # nginx answers 413 as soon as it sees the Content-Length, before
        # reading the body (an early response while the upload flows).
        location /limited/ {{
            dav_methods PUT;
            client_max_body_size 1k;
        }}
    }}
}}
"""


def nginx_upstream(name: str = "nginx", port: int = 8080) -> dict:
    """The upstream for an Nginx in the backend namespace. Idle pooled
    connections expire after 1 s, so a test can then see every connection
    released."""
    return {"name": name, "servers": [{"address": BACKEND_ADDR, "port": port}],
            "keepalive": {"idle-timeout-ms": 1000}}


class Nginx:
    """nginx with a generated configuration, run in the foreground (daemon
    off) inside netns `ns`, its pid file, logs, temp dirs and document root
    all under `workdir`."""

    def __init__(self, ns: str, workdir: Path, port: int = 8080):
        self.ns = ns
        self.dir = Path(workdir)
        self.port = port
        self.www = self.dir / "www"
        self.conf = self.dir / "nginx.conf"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> "Nginx":
        if shutil.which("nginx") is None:
            pytest.fail("nginx is not installed (scripts/setup installs it)", pytrace=False)
        for d in ("www/up", "tmp"):
            (self.dir / d).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(_CONF.format(dir=self.dir, port=self.port, log_format=_LOG_FORMAT))
        r = subprocess.run(["nginx", "-t", "-q", "-c", str(self.conf), "-p", str(self.dir)],
                           capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"nginx -t: {r.stderr}"
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "nginx", "-c", str(self.conf),
                                      "-p", str(self.dir)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.dir / "stderr.log", "wb"))
        deadline = time.monotonic() + timeout
        while not self.listening():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"nginx did not start: {self.error_log()}", pytrace=False)
            time.sleep(0.05)
        return self

    def listening(self) -> bool:
        r = subprocess.run(["ip", "netns", "exec", self.ns, "ss", "-Htln", f"sport = :{self.port}"],
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        return bool(r.stdout.strip())

    def stop(self, timeout: float = 10.0) -> None:
        """SIGQUIT (graceful), then SIGTERM, then SIGKILL: only our own master
        (the pid we started; `ip netns exec` execs nginx) and its worker."""
        p = self.proc
        if p is None:
            return
        for sig, wait in ((signal.SIGQUIT, timeout / 2), (signal.SIGTERM, timeout / 2),
                          (signal.SIGKILL, timeout)):
            if p.poll() is not None:
                break
            p.send_signal(sig)
            try:
                p.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        self.proc = None

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def error_log(self) -> str:
        out = ""
        for name in ("error.log", "stderr.log"):
            p = self.dir / name
            if p.exists():
                out += p.read_text(errors="replace")[-4000:]
        return out

    def access_log(self) -> list[dict]:
        p = self.dir / "access.log"
        if not p.exists():
            return []
        return [json.loads(l) for l in p.read_text().splitlines() if l.strip()]


def wrk(ns: str, url: str, seconds: int = 3, connections: int = 8, threads: int = 1,
        headers: tuple = (), timeout_s: int = 5) -> dict:
    """Run wrk for `seconds` in netns `ns` and return its figures: requests,
    rps, errors (connect+read+write+timeout), non_2xx_3xx, latency text."""
    argv = ["ip", "netns", "exec", ns, "wrk", "-t", str(threads), "-c", str(connections),
            "-d", f"{seconds}s", "--timeout", f"{timeout_s}s", "--latency"]
    for h in headers:
        argv += ["-H", h]
    r = subprocess.run(argv + [url], capture_output=True, text=True,
                       timeout=seconds + timeout_s + 30, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr + r.stdout
    return parse_wrk(r.stdout)


def parse_wrk(out: str) -> dict:
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    assert m, out
    secs = float(m.group(2)) * (1e-3 if m.group(3) == "ms" else 1)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    return {"requests": int(m.group(1)), "seconds": secs, "rps": int(m.group(1)) / secs,
            "errors": sum(int(x) for x in errs.groups()) if errs else 0,
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
            "p99": p99.group(1) if p99 else None, "text": out}


class WrkRun:
    """wrk in the background (for tests that do something else meanwhile);
    result() waits for it, bounded."""

    def __init__(self, ns: str, url: str, seconds: int, connections: int = 4,
                 headers: tuple = ()):
        argv = ["ip", "netns", "exec", ns, "wrk", "-t", "1", "-c", str(connections),
                "-d", f"{seconds}s", "--timeout", "5s", "--latency"]
        for h in headers:
            argv += ["-H", h]
        self.seconds = seconds
        self.proc = subprocess.Popen(argv + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, stdin=subprocess.DEVNULL)

    def result(self) -> dict:
        try:
            out, err = self.proc.communicate(timeout=self.seconds + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=10)
            raise
        assert self.proc.returncode == 0, err + out
        return parse_wrk(out)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


def curl(ns: str, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """curl -sS in netns `ns`; bytes output; the caller checks returncode."""
    return subprocess.run(["ip", "netns", "exec", ns, "curl", "-sS", "--max-time", str(timeout),
                           *args], capture_output=True, timeout=timeout + 15,
                          stdin=subprocess.DEVNULL)
