#!/usr/bin/python3
"""A kernel TCP client for the dataplane's test services, run inside the
client namespace by the tests: prints one JSON line with what it saw.

  tcp_client.py echo HOST PORT BYTES CONNS   send BYTES on each of CONNS
        connections at once, read them back, compare SHA-256, close
  tcp_client.py discard HOST PORT BYTES      send, half-close, wait for EOF
  tcp_client.py reset HOST PORT              connect, send, abort (RST)
"""
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import time

TIMEOUT = 50.0   # per socket operation
# Whole echo run (long impaired transfers raise it through the environment).
TOTAL = float(os.environ.get("TCP_CLIENT_TOTAL_SECONDS", TIMEOUT + 5))


def payload(n: int, seed: int) -> bytes:
    r = random.Random(seed)
    return b"".join(r.randbytes(min(1 << 20, n - i)) for i in range(0, n, 1 << 20))


def echo_one(host, port, data, result, i):
    want = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256()
    received = 0
    err = None
    try:
        s = socket.create_connection((host, port), timeout=TIMEOUT)
        s.settimeout(TIMEOUT)

        def sender():
            # sendall's timeout covers the whole call (Python >= 3.5): send
            # in 1 MiB pieces so TIMEOUT bounds a stall, not the transfer.
            view = memoryview(data)
            for off in range(0, len(data), 1 << 20):
                s.sendall(view[off:off + (1 << 20)])
            s.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            got.update(b)
            received += len(b)
        t.join(TIMEOUT)
        s.close()
    except OSError as e:
        err = repr(e)
        try:
            import subprocess
            port_ = s.getsockname()[1]
            err += " | " + subprocess.run(["ss", "-tnio", f"sport = :{port_}"],
                                          capture_output=True, text=True).stdout
        except Exception:
            pass
    result[i] = {"ok": err is None and got.hexdigest() == want and received == len(data),
                 "received": received, "error": err}


def echo(host, port, nbytes, conns):
    result = [None] * conns
    start = time.monotonic()
    threads = []
    for i in range(conns):
        t = threading.Thread(target=echo_one,
                             args=(host, port, payload(nbytes, i), result, i), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(TOTAL)
    elapsed = time.monotonic() - start
    ok = sum(1 for r in result if r and r["ok"])
    bad = [r for r in result if not (r and r["ok"])][:3]
    return {"ok": ok, "conns": conns, "seconds": round(elapsed, 3), "failures": bad}


def discard(host, port, nbytes):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    start = time.monotonic()
    s.sendall(payload(nbytes, 99))
    s.shutdown(socket.SHUT_WR)
    rest = s.recv(4096)      # b"": the service closed after our FIN
    s.close()
    return {"eof": rest == b"", "extra": len(rest), "seconds": round(time.monotonic() - start, 3)}


def reset(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.sendall(b"x" * 100)
    time.sleep(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                # linger 0: RST
    return {"reset": True}


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "echo":
        out = echo(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "discard":
        out = discard(host, port, int(sys.argv[4]))
    else:
        out = reset(host, port)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
