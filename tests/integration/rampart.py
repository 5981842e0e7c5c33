"""Helpers for Rampart's integration tests.

Everything here is bounded in time: every wait has a timeout, every process we
start is killed on teardown even when a test fails.

    ctl(sock, {"type": "config-get"})          framed control protocol (common/ctl/frame.h)
    telemetry("rt-1234", "/ethdev/stats,0")   DPDK telemetry socket of a dp
    netns_run("rt-client", "ping -c 1 10.10.1.1")
    ping("rt-client", "10.10.1.1")            -> number of echo replies received
    Gateway(...)                              one rampart-dp (+ rampart-cp) under test
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
DPDK_RUN = Path("/var/run/dpdk")
HUGE_MNT = Path("/dev/hugepages")
HUGE_MIN_FREE = int(os.environ.get("RAMPART_HUGEPAGES_MIN", "256"))

SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|LeakSanitizer|runtime error:")

ASAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=0",
}


def build_dir() -> Path:
    """The build under test: $RAMPART_BUILD (default build-asan), relative to the repo."""
    b = Path(os.environ.get("RAMPART_BUILD", "build-asan"))
    return b if b.is_absolute() else REPO / b


def dp_binary() -> Path:
    return build_dir() / "dataplane" / "rampart-dp"


def cp_binary() -> Path:
    return build_dir() / "controlplane" / "rampart-cp"


# --------------------------------------------------------------------------
# control channel (common/ctl/frame.h)

CTL_MAGIC = b"RMPC"
CTL_VERSION = 1
CTL_HDR = struct.Struct("!4sHHII")  # magic, version, flags, json_len, blob_len
CTL_JSON_MAX = 4 << 20
CTL_BLOB_MAX = 256 << 20


class CtlError(Exception):
    pass


def ctl_encode(msg: dict, blob: bytes = b"", *, version: int = CTL_VERSION,
               flags: int = 0) -> bytes:
    """One frame. version/flags are parameters so tests can send bad frames."""
    body = json.dumps(msg, separators=(",", ":")).encode()
    return CTL_HDR.pack(CTL_MAGIC, version, flags, len(body), len(blob)) + body + blob


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"control socket: timed out with {len(buf)}/{n} bytes")
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            continue
        if not chunk:
            raise CtlError(f"control socket: peer closed the connection ({len(buf)}/{n} bytes)")
        buf += chunk
    return bytes(buf)


def ctl_read_frame(sock: socket.socket, timeout: float = 5.0) -> tuple[dict, bytes]:
    deadline = time.monotonic() + timeout
    hdr = _recv_exact(sock, CTL_HDR.size, deadline)
    magic, version, flags, jlen, blen = CTL_HDR.unpack(hdr)
    if magic != CTL_MAGIC:
        raise CtlError(f"bad magic {magic!r}")
    if version != CTL_VERSION:
        raise CtlError(f"bad version {version}")
    if flags != 0:
        raise CtlError(f"unknown flags {flags:#x}")
    if not 2 <= jlen <= CTL_JSON_MAX or blen > CTL_BLOB_MAX:
        raise CtlError(f"bad sizes json={jlen} blob={blen}")
    body = _recv_exact(sock, jlen, deadline)
    blob = _recv_exact(sock, blen, deadline) if blen else b""
    msg = json.loads(body)
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise CtlError(f"message without a type: {body[:200]!r}")
    return msg, blob


class CtlClient:
    """A connection to rampart-dp's control socket.

        with CtlClient(path) as c:
            c.hello()
            reply = c.request({"type": "config-get"})
    """

    def __init__(self, path: str | os.PathLike, timeout: float = 5.0):
        self.path = str(path)
        self.timeout = timeout
        self._id = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(self.path)
        except OSError:
            self.sock.close()
            raise

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "CtlClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def send(self, msg: dict, blob: bytes = b"") -> None:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(ctl_encode(msg, blob))

    def send_raw(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def recv(self, timeout: float | None = None) -> tuple[dict, bytes]:
        return ctl_read_frame(self.sock, self.timeout if timeout is None else timeout)

    def request_full(self, msg: dict, blob: bytes = b"",
                     timeout: float | None = None) -> tuple[dict, bytes]:
        """Send a request (an "id" is added when missing) and return the reply
        with the same id and its blob; other messages in between are skipped."""
        msg = dict(msg)
        if "id" not in msg:
            self._id += 1
            msg["id"] = self._id
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self.send(msg, blob)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to {msg['type']} id {msg['id']} within {timeout}s")
            reply, rblob = self.recv(left)
            if reply.get("type") == "reply" and reply.get("id") == msg["id"]:
                return reply, rblob

    def request(self, msg: dict, blob: bytes = b"", timeout: float | None = None) -> dict:
        return self.request_full(msg, blob, timeout)[0]

    def hello(self, role: str = "tool") -> dict:
        return self.request({"type": "hello", "role": role, "version": 1})


def ctl(sock_path: str | os.PathLike, msg: dict, blob: bytes = b"",
        timeout: float = 5.0) -> dict:
    """One request on a fresh connection; returns the reply object."""
    with CtlClient(sock_path, timeout) as c:
        return c.request(msg, blob, timeout)


# --------------------------------------------------------------------------
# DPDK telemetry

def telemetry_socket(file_prefix: str) -> Path:
    return DPDK_RUN / file_prefix / "dpdk_telemetry.v2"


def telemetry(file_prefix: str, cmd: str, timeout: float = 5.0, raw: bool = False) -> Any:
    """Run one telemetry command ("/ethdev/list", "/rampart/stats", ...) on the
    DPDK process with this --file-prefix. Returns the command's value (the
    reply is {"<cmd>": value}), or the whole reply with raw=True."""
    path = telemetry_socket(file_prefix)
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        greeting = json.loads(s.recv(4096))
        maxlen = int(greeting.get("max_output_len", 16384))
        s.send(cmd.encode())
        reply = json.loads(s.recv(maxlen + 1024))
    if raw:
        return reply
    key = cmd.split(",", 1)[0]
    if isinstance(reply, dict) and key in reply:
        return reply[key]
    return reply


# --------------------------------------------------------------------------
# network namespaces

def netns_run(ns: str, cmd: str | Sequence[str], timeout: float = 30.0, check: bool = False,
              input: str | None = None) -> subprocess.CompletedProcess:
    """Run cmd inside netns ns (text output captured; killed after timeout)."""
    argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                          timeout=timeout, check=check, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)


def ping(ns: str, addr: str, count: int = 3, wait: float = 2.0, interval: float = 0.2,
         timeout: float | None = None) -> int:
    """Ping addr from netns ns; returns how many echo replies came back."""
    argv = ["ping", "-n", "-c", str(count), "-W", str(wait), "-i", str(interval)]
    if ":" in addr:
        argv.insert(1, "-6")
    argv.append(addr)
    budget = timeout if timeout is not None else count * (interval + wait) + 5
    try:
        r = netns_run(ns, argv, timeout=budget)
    except subprocess.TimeoutExpired:
        return 0
    m = re.search(r"(\d+) (?:packets )?received", r.stdout)
    return int(m.group(1)) if m else 0


def neigh_flush(ns: str, dev: str = "eth0") -> None:
    for fam in ("-4", "-6"):
        netns_run(ns, ["ip", fam, "neigh", "flush", "dev", dev], timeout=10)


# --------------------------------------------------------------------------
# topology (scripts/topology)

class Topology:
    def __init__(self, prefix: str = "rt", queues: int = 1):
        self.prefix = prefix
        self.queues = queues
        self.client = f"{prefix}-client"
        self.backend = f"{prefix}-backend"
        self.client_if = f"{prefix}-c0"
        self.backend_if = f"{prefix}-b0"
        self.eal_vdev: list[str] = []

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPTS / "topology"), *args, "--prefix", self.prefix],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def up(self) -> "Topology":
        r = self._run("up", "--queues", str(self.queues))
        if r.returncode != 0:
            raise RuntimeError(f"scripts/topology up failed ({r.returncode}):\n{r.stderr}{r.stdout}")
        self.eal_vdev = r.stdout.split()
        return self

    def down(self) -> None:
        self._run("down")

    def vdev_args(self, queues: int | None = None) -> list[str]:
        """EAL --vdev arguments for the two ports (what `scripts/topology eal-args` prints)."""
        q = queues or self.queues
        return ["--vdev", f"net_af_packet0,iface={self.client_if},qpairs={q}",
                "--vdev", f"net_af_packet1,iface={self.backend_if},qpairs={q}"]


def lcore_count(lcores: str) -> int:
    """How many lcores an EAL --lcores value declares ("0@0,1@1,2@1" -> 3,
    "(0-2)@0,3@1" -> 4, "0-3" -> 4)."""
    groups, depth, cur = [], 0, ""
    for ch in lcores:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            groups.append(cur)
            cur = ""
        else:
            cur += ch
    groups.append(cur)
    n = 0
    for g in groups:
        ids = g.split("@", 1)[0].strip("()")
        for part in ids.split(","):
            if "-" in part:
                a, b = part.split("-", 1)
                n += int(b) - int(a) + 1
            elif part:
                n += 1
    return n


# --------------------------------------------------------------------------
# hugepages and DPDK leftovers

def _hugetlbfs_mounted() -> bool:
    with open("/proc/mounts") as f:
        return any(l.split()[1:3] == [str(HUGE_MNT), "hugetlbfs"] for l in f)


def eal_mem_args() -> list[str]:
    """[] when hugepages are usable, else --no-huge -m 512 (RAMPART_NO_HUGE overrides)."""
    forced = os.environ.get("RAMPART_NO_HUGE")
    if forced == "1":
        return ["--no-huge", "-m", "512"]
    if forced == "0":
        return []
    free = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                free = int(line.split()[1])
    if _hugetlbfs_mounted() and free >= HUGE_MIN_FREE:
        return []
    return ["--no-huge", "-m", "512"]


def dpdk_prefix_cleanup(file_prefix: str) -> None:
    """Remove the runtime dir and hugepage files a DPDK primary left behind."""
    if not file_prefix or "/" in file_prefix:
        return
    d = DPDK_RUN / file_prefix
    if d.is_dir():
        for p in d.iterdir():
            try:
                p.unlink()
            except OSError:
                pass
        try:
            d.rmdir()
        except OSError:
            pass
    if HUGE_MNT.is_dir():
        for p in HUGE_MNT.glob(f"{file_prefix}map_*"):
            try:
                p.unlink()
            except OSError:
                pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


STALE_RE = re.compile(r"(?:--file-prefix |/)rt-(\d+)\b")


def kill_stale(tag: str = "rt") -> list[str]:
    """Kill rampart-dp / rampart-cp processes and remove DPDK leftovers of earlier
    test sessions (file prefix / work dir rt-<pid> whose pytest <pid> is gone)."""
    me = os.getpid()
    done: list[str] = []

    def owner_gone(owner: int) -> bool:
        return owner != me and (not _pid_alive(owner) or "pytest" not in _cmdline(owner))

    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        cmd = _cmdline(int(p.name))
        if "rampart-dp" not in cmd and "rampart-cp" not in cmd:
            continue
        m = STALE_RE.search(cmd)
        if m and owner_gone(int(m.group(1))):
            try:
                os.kill(int(p.name), signal.SIGKILL)
                done.append(f"killed {p.name}: {cmd[:120]}")
            except ProcessLookupError:
                pass
    if DPDK_RUN.is_dir():
        for d in DPDK_RUN.glob(f"{tag}-*"):
            m = re.fullmatch(rf"{tag}-(\d+)(?:-\d+)?", d.name)
            if m and owner_gone(int(m.group(1))):
                dpdk_prefix_cleanup(d.name)
                done.append(f"removed {d}")
    return done


# --------------------------------------------------------------------------
# configuration

def default_config() -> dict:
    """The configuration rampart-cp pushes by default (controlplane/config/default_config.json)."""
    return copy.deepcopy({
        "schema": 1,
        "ports": [
            {"port": 0, "name": "client", "addresses": ["10.10.1.1/24", "fd00:10:1::1/64"]},
            {"port": 1, "name": "backend", "addresses": ["10.10.2.1/24", "fd00:10:2::1/64"]},
        ],
        "neighbour": {"reachable-ms": 30000, "retrans-ms": 1000, "probes": 3,
                      "pending-max": 8, "entries-max": 1024},
        "icmp": {"echo": True},
    })


# --------------------------------------------------------------------------
# the gateway under test

def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout: float, interval: float = 0.1, what: str = "condition",
               retry_on: tuple = (OSError, CtlError, ValueError)):
    """Poll pred() until it returns a truthy value (returned) or timeout
    (TimeoutError). Exceptions in retry_on (a socket not there yet, ...) are
    retried; any other exception propagates at once."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except retry_on as e:
            last_exc = e
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not reached within {timeout}s"
                               + (f" (last error: {last_exc})" if last_exc else ""))
        time.sleep(interval)


class GatewayError(Exception):
    pass


class Gateway:
    """One rampart-dp (and by default one rampart-cp) on the test topology.

    lcores: EAL --lcores value (e.g. "0@0,1@1,2@1": main + 2 workers on 2 CPUs);
            default is -l 0,1 (main + 1 worker).
    queues: af_packet qpairs per port; default one per worker (lcores - 1).
    config: dict written to a file and passed as --config.
    with_cp: start rampart-cp, which pushes its default config.
    cp_args: extra rampart-cp arguments (e.g. --netconf-port, --state-dir).
    """

    START_TIMEOUT = 30.0
    STOP_TIMEOUT = 5.0

    def __init__(self, topo: Topology, workdir: Path, file_prefix: str, *,
                 lcores: str | None = None, queues: int | None = None,
                 config: dict | None = None, with_cp: bool = True,
                 dp_args: Iterable[str] = (), eal_args: Iterable[str] = (),
                 env: dict | None = None, cp_args: Iterable[str] = ()):
        self.topo = topo
        self.workdir = Path(workdir)
        self.file_prefix = file_prefix
        self.lcores = lcores
        self.queues = queues or (max(1, lcore_count(lcores) - 1) if lcores else 1)
        self.config = config
        self.with_cp = with_cp
        self.dp_args = list(dp_args)
        self.eal_args = list(eal_args)
        self.cp_args = list(cp_args)
        self.ctl_socket = self.workdir / "dp.sock"
        self.dp_log_path = self.workdir / "dp.log"
        self.cp_log_path = self.workdir / "cp.log"
        self.env = dict(os.environ)
        self.env.update(ASAN_ENV)
        supp = REPO / "tests" / "lsan.supp"
        if supp.is_file() and "LSAN_OPTIONS" not in self.env:
            self.env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
        if env:
            self.env.update(env)
        self.dp: subprocess.Popen | None = None
        self.cp: subprocess.Popen | None = None
        self.dp_rc: int | None = None
        self.cp_rc: int | None = None

    # -- commands

    def dp_command(self) -> list[str]:
        cpus = ["--lcores", self.lcores] if self.lcores else ["-l", "0,1"]
        # --no-pci: never touch the machine's own NICs
        cmd = [str(dp_binary()), *cpus, "--file-prefix", self.file_prefix, "--no-pci",
               *self.topo.vdev_args(self.queues), *eal_mem_args(), *self.eal_args,
               "--", "--ctl-socket", str(self.ctl_socket), "--idle-sleep-us", "50"]
        if self.config is not None:
            cfg = self.workdir / "config.json"
            cfg.write_text(json.dumps(self.config, indent=2))
            cmd += ["--config", str(cfg)]
        return cmd + self.dp_args

    def cp_command(self) -> list[str]:
        args = list(self.cp_args)
        # Each gateway keeps its own NETCONF state and port, so tests never
        # touch /var/lib/rampart or meet on port 830.
        if "--config" not in args and "--no-netconf" not in args:
            if "--state-dir" not in args:
                args += ["--state-dir", str(self.workdir / "cp-state")]
            if "--netconf-port" not in args:
                args += ["--netconf-address", "127.0.0.1", "--netconf-port", str(free_tcp_port())]
        return [str(cp_binary()), "--dp-socket", str(self.ctl_socket),
                "--pidfile", str(self.workdir / "cp.pid"), *args]

    # -- lifecycle

    def start(self) -> "Gateway":
        for b in (dp_binary(), *( [cp_binary()] if self.with_cp else [])):
            if not os.access(b, os.X_OK):
                raise GatewayError(f"{b} is not built (RAMPART_BUILD={build_dir().name}); "
                                   "run scripts/setup build")
        self.workdir.mkdir(parents=True, exist_ok=True)
        dpdk_prefix_cleanup(self.file_prefix)
        for ns in (self.topo.client, self.topo.backend):
            neigh_flush(ns)
        self.start_dp()
        if self.with_cp:
            self.start_cp()
            self.wait_generation(1)
        return self

    def start_dp(self) -> None:
        self.dp_rc = None
        try:
            self.ctl_socket.unlink()
        except FileNotFoundError:
            pass
        with open(self.dp_log_path, "ab") as log:
            self.dp = subprocess.Popen(self.dp_command(), stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=self.env,
                                       start_new_session=True)
        try:
            wait_until(lambda: self._dp_check() and self.ctl_socket.exists(),
                       self.START_TIMEOUT, what="rampart-dp control socket")
        except (TimeoutError, GatewayError) as e:
            raise GatewayError(f"rampart-dp did not come up: {e}\n{self.logs()}") from None

    def start_cp(self) -> None:
        self.cp_rc = None
        with open(self.cp_log_path, "ab") as log:
            self.cp = subprocess.Popen(self.cp_command(), stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=self.env,
                                       start_new_session=True)

    def _dp_check(self) -> bool:
        if self.dp is not None and self.dp.poll() is not None:
            raise GatewayError(f"rampart-dp exited with {self.dp.returncode}")
        return True

    def generation(self) -> int:
        return int(self.ctl({"type": "hello", "role": "tool", "version": 1}).get("generation", 0))

    def wait_generation(self, minimum: int = 1, timeout: float | None = None) -> int:
        def check():
            self._dp_check()
            if self.cp is not None and self.cp.poll() is not None:
                raise GatewayError(f"rampart-cp exited with {self.cp.returncode}")
            g = self.generation()
            return g if g >= minimum else 0
        try:
            return wait_until(check, timeout or self.START_TIMEOUT, interval=0.2,
                              what=f"config generation >= {minimum}")
        except (TimeoutError, GatewayError) as e:
            raise GatewayError(f"gateway not configured: {e}\n{self.logs()}") from None

    @staticmethod
    def _stop(proc: subprocess.Popen | None, timeout: float) -> int | None:
        """SIGTERM, wait timeout, SIGKILL. Returns the exit code (negative = signal)."""
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                return -signal.SIGKILL
        return proc.returncode

    def stop_cp(self, timeout: float | None = None) -> int | None:
        if self.cp is not None and self.cp_rc is None:
            self.cp_rc = self._stop(self.cp, timeout or self.STOP_TIMEOUT)
        return self.cp_rc

    def stop_dp(self, timeout: float | None = None) -> int | None:
        if self.dp is not None and self.dp_rc is None:
            self.dp_rc = self._stop(self.dp, timeout or self.STOP_TIMEOUT)
        return self.dp_rc

    def stop(self) -> None:
        try:
            self.stop_cp()
        finally:
            self.stop_dp()

    def teardown(self) -> list[str]:
        """Stop everything (always) and return the problems found: non-zero exit
        codes and sanitizer reports. Cleans DPDK leftovers of this prefix."""
        problems: list[str] = []
        try:
            self.stop()
        finally:
            for p in (self.cp, self.dp):  # never leave a process behind
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait(10)
            dpdk_prefix_cleanup(self.file_prefix)
        if self.cp is not None and self.cp_rc != 0:
            problems.append(f"rampart-cp exited with {self.cp_rc} (expected 0)")
        if self.dp is not None and self.dp_rc != 0:
            problems.append(f"rampart-dp exited with {self.dp_rc} (expected 0)")
        for name, lines in (("rampart-dp", self.sanitizer_reports(self.dp_log_path)),
                            ("rampart-cp", self.sanitizer_reports(self.cp_log_path))):
            if lines:
                problems.append(f"{name} sanitizer reports:\n  " + "\n  ".join(lines[:20]))
        if problems:
            problems.append(self.logs())
        return problems

    # -- logs

    @staticmethod
    def _read(path: Path) -> str:
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def dp_log(self) -> str:
        return self._read(self.dp_log_path)

    def cp_log(self) -> str:
        return self._read(self.cp_log_path)

    @classmethod
    def sanitizer_reports(cls, path: Path) -> list[str]:
        return [l for l in cls._read(path).splitlines() if SANITIZER_RE.search(l)]

    def logs(self, tail: int = 200) -> str:
        out = []
        for name, path in (("rampart-dp", self.dp_log_path), ("rampart-cp", self.cp_log_path)):
            if path.exists():
                lines = self._read(path).splitlines()
                out.append(f"----- {name} log {path} (last {min(tail, len(lines))} of {len(lines)} lines) -----")
                out.extend(lines[-tail:])
        return "\n".join(out)

    # -- talking to it

    def ctl(self, msg: dict, blob: bytes = b"", timeout: float = 5.0) -> dict:
        return ctl(self.ctl_socket, msg, blob, timeout)

    def ctl_client(self, timeout: float = 5.0) -> CtlClient:
        return CtlClient(self.ctl_socket, timeout)

    def push_config(self, config: dict, timeout: float = 10.0) -> dict:
        return self.ctl({"type": "config-push", "config": config}, timeout=timeout)

    def get_config(self) -> dict:
        return self.ctl({"type": "config-get"})

    def telemetry(self, cmd: str, timeout: float = 5.0, raw: bool = False) -> Any:
        return telemetry(self.file_prefix, cmd, timeout, raw)


# --------------------------------------------------------------------------
# crafted frames on the wire

# Runs inside a namespace: sends the hex frames read from stdin on an
# interface, then prints (hex) every frame of the given EtherType (0 = all)
# the interface receives for `listen` seconds.
_WIRE = r"""
import select, socket, sys, time
ifc, listen, etype = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(etype or 3))
s.bind((ifc, 0))
for line in sys.stdin:
    if line.strip():
        s.send(bytes.fromhex(line.strip()))
end = time.monotonic() + listen
while True:
    left = end - time.monotonic()
    if left <= 0 or not select.select([s], [], [], left)[0]:
        break
    data, addr = s.recvfrom(65535)
    if addr[2] != socket.PACKET_OUTGOING:
        print(data.hex(), flush=True)
"""


def wire(ns: str, frames: Iterable[bytes], listen: float = 0.0, ethertype: int = 0,
         ifname: str = "eth0") -> list[bytes]:
    """Send raw frames (bytes, or anything bytes() accepts, such as scapy
    packets) from ns's interface; return the frames of `ethertype` (0: all)
    that arrived during `listen` seconds."""
    import sys
    data = "".join(bytes(f).hex() + "\n" for f in frames)
    r = netns_run(ns, [sys.executable, "-c", _WIRE, ifname, str(listen), str(ethertype)],
                  input=data, timeout=listen + 20, check=True)
    return [bytes.fromhex(line) for line in r.stdout.split()]


def mac_of(ns: str, ifname: str = "eth0") -> str:
    return netns_run(ns, ["cat", f"/sys/class/net/{ifname}/address"], check=True).stdout.strip()


def counters(gw: "Gateway") -> dict:
    """All rampart counters, flattened to {"layer.name": value}."""
    return {f"{layer}.{name}": v for layer, d in gw.telemetry("/rampart/stats").items()
            for name, v in d.items()}


def counters_delta(before: dict, after: dict) -> dict:
    """Counters that changed, with how much."""
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def gateway_mac(gw: "Gateway", port: int = 0) -> str:
    return gw.telemetry(f"/ethdev/info,{port}")["mac_addr"].lower()


@contextlib.contextmanager
def netns_peer(ns: str, argv: list):
    """A peer process in namespace ns that prints "ready" once it listens;
    stopped (TERM, then KILL) when the block ends."""
    proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv],
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
