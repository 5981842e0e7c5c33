"""rampart-load plays both sides of an HTTP/1.1 exchange over net_memif: one
process serves (--mode serve --http, a fixed response), the other is the
client (--request-file, --response-bytes, 5 keep-alive requests per
connection). Every request gets exactly its response, nothing is reset, and
the server answered at least every request the client counted. Bounded:
about 10 s."""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import rampart

REQUEST = b"GET /api/items HTTP/1.1\r\nHost: bench\r\nUser-Agent: rampart-load\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nhello world\n"


def load_cmd(cpu, prefix, vdev, *args):
    """Each side busy-polls: server and client get a CPU each."""
    binary = rampart.build_dir() / "tools" / "loadgen" / "rampart-load"
    assert binary.exists(), f"{binary} is not built"
    return ["taskset", "-c", str(cpu), str(binary), "-l", str(cpu), "--no-pci", "--no-telemetry",
            "--file-prefix", prefix, *rampart.eal_mem_args(), "--vdev", vdev, "--", *args]


def test_loadgen_http_keepalive_over_memif():
    run = f"ta{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="rampart-load-") as tmp:
        sock = f"{tmp}/memif.sock"
        Path(tmp, "req").write_bytes(REQUEST)
        Path(tmp, "resp").write_bytes(RESPONSE)
        server = subprocess.Popen(
            load_cmd(1, f"{run}-srv", f"net_memif0,role=server,id=0,socket={sock},socket-abstract=no",
                     "--mode", "serve", "--http", "--local", "198.18.0.1/24", "--listen-port", "80",
                     "--response-file", f"{tmp}/resp", "--duration", "5", "--warmup", "0",
                     "--link-timeout", "15"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 15
            while not os.path.exists(sock) and time.monotonic() < deadline and server.poll() is None:
                time.sleep(0.1)
            assert os.path.exists(sock), server.communicate(timeout=10)
            client = subprocess.run(
                load_cmd(0, f"{run}-cli", f"net_memif0,role=client,id=0,socket={sock},socket-abstract=no",
                         "--mode", "cps", "--local", "198.18.0.2/24", "--peer", "198.18.0.1",
                         "--port", "80", "--request-file", f"{tmp}/req",
                         "--response-bytes", str(len(RESPONSE)), "--requests", "5",
                         "--concurrency", "16", "--duration", "1", "--warmup", "0.2"),
                capture_output=True, text=True, timeout=40)
            assert client.returncode == 0, client.stderr[-3000:] + client.stdout
            cli = json.loads(client.stdout.strip().splitlines()[-1])
            out, err = server.communicate(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            for side in ("srv", "cli"):   # what a DPDK primary leaves behind
                shutil.rmtree(f"/var/run/dpdk/{run}-{side}", ignore_errors=True)
        assert server.returncode == 0, err[-3000:]
        for log in (err, client.stderr):
            assert "Sanitizer" not in log and "runtime error:" not in log, log[-3000:]
        srv = json.loads(out.strip().splitlines()[-1])
    print("client:", cli["window"], "rps", round(cli["rps"]), "server:", srv["window"])
    win = cli["window"]
    assert win["completed"] > 0 and win["rounds"] >= 5 * win["completed"] - 5 * 16, win
    for bad in ("short_reply", "long_reply", "closed_reset", "closed_timeout", "closed_refused",
                "connect_fail"):
        assert win[bad] == 0, (bad, win)
    # the server's window spans the client's whole run
    sw = srv["window"]
    assert sw["rounds"] >= win["rounds"] and sw["long_reply"] == 0, (sw, win)
    assert sw["bytes_tx"] == sw["rounds"] * len(RESPONSE), sw
    assert srv["mode"] == "serve" and cli["mode"] == "cps"
