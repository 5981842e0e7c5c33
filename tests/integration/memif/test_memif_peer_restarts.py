"""The dataplane as a net_memif server outlives its peers: a traffic
generator (rampart-gen, the benchmark's DPDK client) connects, gets echo
replies, and goes away, cleanly or killed mid-traffic, again and again; the
dataplane answers each new peer and exits 0 at the end.

This is the failure the l2 benchmark found (docs/BENCHMARKS.md, "memif
teardown"): the PMD unmaps shared memory under a running burst when a peer
disconnects. port/memif_guard.c closes that race; the race is timing-
dependent, so this test is a regression check of the whole reconnect path
rather than a deterministic reproducer."""

import json
import os
import signal
import subprocess
import time

import pytest

import rampart
from rampart import build_dir, dp_binary, dpdk_prefix_cleanup, eal_mem_args, telemetry, wait_until

DUT_MAC = "02:52:4d:00:00:01"
GEN_MAC = "02:52:4d:00:00:02"
CYCLES = 6


def gen_binary():
    return build_dir() / "tools" / "gen" / "rampart-gen"


def gen_command(sock, prefix, duration):
    return [str(gen_binary()), "-l", "0", "--no-pci", "--no-telemetry", "--file-prefix", prefix,
            *(eal_mem_args() or ["-m", "128"]),
            "--vdev", f"net_memif0,role=client,id=0,socket={sock},socket-abstract=no,mac={GEN_MAC}",
            "--", "--profile", "icmp-echo", "--dst-mac", DUT_MAC, "--src-ip", "198.18.0.2",
            "--dst-ip", "198.18.0.1", "--duration", str(duration), "--warmup", "0.2",
            "--rate", "200000", "--link-timeout", "10"]


@pytest.fixture
def memif_dut(tmp_path):
    if not os.access(gen_binary(), os.X_OK):
        pytest.fail(f"{gen_binary()} is not built", pytrace=False)
    prefix = f"rtm{os.getpid()}"
    sock = tmp_path / "memif.sock"
    cfg = tmp_path / "dp.json"
    cfg.write_text(json.dumps({"schema": 1, "ports": [{"port": 0, "addresses": ["198.18.0.1/15"]}]}))
    cmd = [str(dp_binary()), "-l", "0,1", "--no-pci", "--file-prefix", prefix, *eal_mem_args(),
           "--vdev", f"net_memif0,role=server,id=0,socket={sock},socket-abstract=no,mac={DUT_MAC}",
           "--", "--config", str(cfg), "--ctl-socket", str(tmp_path / "dp.sock"),
           "--idle-sleep-us", "50"]
    log = tmp_path / "dp.log"
    env = dict(os.environ, **rampart.ASAN_ENV)
    with open(log, "wb") as out:
        dp = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=env, start_new_session=True)
    try:
        wait_until(lambda: dp.poll() is None and sock.exists(), timeout=30, what="memif socket")
        yield dp, sock, prefix, log
    finally:
        if dp.poll() is None:
            dp.send_signal(signal.SIGTERM)
            try:
                dp.wait(10)
            except subprocess.TimeoutExpired:
                dp.kill()
                dp.wait(10)
        dpdk_prefix_cleanup(prefix)


def test_peers_come_and_go(memif_dut):
    dp, sock, prefix, log = memif_dut
    for i in range(CYCLES):
        gprefix = f"{prefix}g{i}"
        killed = i % 2 == 1
        g = subprocess.Popen(gen_command(sock, gprefix, 4 if killed else 1),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            if killed:
                # mid-traffic: wait until the dataplane answers, then SIGKILL
                before = telemetry(prefix, "/rampart/icmp/stats")["tx_echo_reply"]
                wait_until(lambda: telemetry(prefix, "/rampart/icmp/stats")["tx_echo_reply"]
                           > before + 1000, timeout=15, what=f"cycle {i}: replies flowing")
                g.kill()
                g.wait(10)
            else:
                out, _ = g.communicate(timeout=30)
                assert g.returncode == 0, out
                report = json.loads(out)
                assert report["rx_matched"] > 0, report
        finally:
            if g.poll() is None:
                g.kill()
                g.wait(10)
            dpdk_prefix_cleanup(gprefix)
        assert dp.poll() is None, f"rampart-dp died in cycle {i}:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    dp.send_signal(signal.SIGTERM)
    assert dp.wait(10) == 0, log.read_text()[-3000:]
    reports = rampart.Gateway.sanitizer_reports(log)
    assert not reports, reports
