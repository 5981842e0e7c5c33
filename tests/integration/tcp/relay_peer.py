#!/usr/bin/python3
"""Kernel peers for the relay and send tests (test_relay.py), run inside the
topology's namespaces. Each prints one JSON line.

  relay_peer.py echo-server PORT SECONDS   (backend) echo every connection
        on [::]:PORT (IPv4 too) until SECONDS pass; prints "ready" first,
        then {"conns": N} when it stops (SIGTERM or time)
  relay_peer.py sink HOST PORT             (client) read until EOF, print
        the byte count and SHA-256
  relay_peer.py refused HOST PORT          (client) connect, send, read:
        print how the connection ended ("reset", "eof" or "data")
  relay_peer.py hold HOST PORT IDLE WAIT   (client) echo 5 bytes and print
        a first line, stay idle IDLE seconds, echo 5 more (IDLE < 0: not);
        then wait up to WAIT seconds for the connection to end and print
        how it did
"""
import hashlib
import json
import signal
import socket
import sys
import threading
import time

TIMEOUT = 60.0


def echo_server(port: int, seconds: float) -> dict:
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(64)
    srv.settimeout(0.2)
    conns = 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def serve(s: socket.socket) -> None:
        s.settimeout(TIMEOUT)
        try:
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                s.sendall(b)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            s.close()

    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            s, _ = srv.accept()
        except socket.timeout:
            continue
        conns += 1
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    srv.close()
    return {"conns": conns}


def sink(host: str, port: int) -> dict:
    start = time.monotonic()
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    h = hashlib.sha256()
    n = 0
    err = None
    try:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            h.update(b)
            n += len(b)
    except OSError as e:
        err = repr(e)
    s.close()
    return {"bytes": n, "sha256": h.hexdigest(), "error": err,
            "seconds": round(time.monotonic() - start, 3)}


def ending(s: socket.socket) -> str:
    try:
        b = s.recv(4096)
        return "data" if b else "eof"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"


def refused(host: str, port: int) -> dict:
    # The relay may reset us before connect() returns: with a timeout it is
    # a non-blocking connect whose SO_ERROR already holds the reset when the
    # upstream failed fast (an RST or ICMP error from a local backend).
    try:
        s = socket.create_connection((host, port), timeout=TIMEOUT)
    except ConnectionResetError:
        return {"end": "reset", "during": "connect"}
    s.settimeout(10)
    try:
        s.sendall(b"hello")
    except (ConnectionResetError, BrokenPipeError):
        return {"end": "reset"}
    end = ending(s)
    s.close()
    return {"end": end}


def hold(host: str, port: int, idle: float, wait: float) -> dict:
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.settimeout(10)
    out = {}
    try:
        s.sendall(b"hello")
        out["first"] = s.recv(5).decode()
        print(json.dumps(out), flush=True)
        if idle >= 0:
            time.sleep(idle)
            s.sendall(b"again")
            out["second"] = s.recv(5).decode()
    except OSError as e:
        out["error"] = repr(e)
    s.settimeout(wait)
    start = time.monotonic()
    out["end"] = ending(s)
    out["after"] = round(time.monotonic() - start, 3)
    s.close()
    return out


def main() -> None:
    mode = sys.argv[1]
    if mode == "echo-server":
        out = echo_server(int(sys.argv[2]), float(sys.argv[3]))
    elif mode == "sink":
        out = sink(sys.argv[2], int(sys.argv[3]))
    elif mode == "refused":
        out = refused(sys.argv[2], int(sys.argv[3]))
    else:
        out = hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
