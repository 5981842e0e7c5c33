#!/usr/bin/python3
"""An HTTP/1.1 backend for the proxy tests, run in the backend namespace:

  echo_backend.py PORT LOGFILE LIFETIME_S

Prints "ready" once listening. Every request it receives is appended to
LOGFILE as one JSON line (method, target, headers in order, body length and
SHA-256), so tests can assert exactly what was forwarded and that refused
requests never arrived. Answers by path:
  /.../chunked       the echo document as a chunked body (3 chunks)
  /.../close         the echo document without Content-Length, then close
  /.../cut           a head announcing 100 bytes, 10 of them, then close
  /.../stall         the same, then 8 s of silence before closing
  /.../status/NNN    status NNN with a small body
  /.../sleep/MS      200 after MS milliseconds
  /.../slow-read/MS  the request body is read only MS milliseconds after
                     its head (an upstream that stops taking the body)
  /.../http10        an HTTP/1.0 answer without keep-alive, then close
  /.../linger        200, and the connection stays open even when the
                     request said Connection: close (a misbehaving backend)
  /.../arm-drop      200; the next request on this connection is read,
                     logged with "dropped": true, and the connection
                     closed without an answer (a keep-alive race)
  anything else      200, the echo document with Content-Length
Every response carries Server and X-Powered-By (the gateway must drop them).
Each log line has "conn": the sequence number of the TCP connection it
came on (keep-alive reuse is counted from these).
Exits after LIFETIME_S seconds at the latest.
"""
import hashlib
import json
import socket
import sys
import threading
import time


def read_head(f):
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


def read_body(f, headers):
    h = {k.lower(): v for k, v in headers}
    if "chunked" in h.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(body)
            body.extend(f.read(size))
            f.readline()
    n = int(h.get("content-length", "0"))
    return f.read(n) if n else b""


def serve(conn, log, lock, conn_id):
    f = conn.makefile("rb")
    drop_next = False
    try:
        while True:
            head = read_head(f)
            if not head:
                return
            method, target, version = head[0].split(" ", 2)
            headers = [tuple(x.split(":", 1)) for x in head[1:]]
            headers = [(k, v.strip()) for k, v in headers]
            if "/slow-read/" in target:
                time.sleep(int(target.split("?", 1)[0].rsplit("/", 1)[1]) / 1000)
            body = read_body(f, headers)
            doc = {"method": method, "target": target, "version": version,
                   "headers": headers, "body_len": len(body),
                   "body_sha256": hashlib.sha256(body).hexdigest(), "conn": conn_id}
            if drop_next:
                doc["dropped"] = True
            with lock:
                log.write(json.dumps(doc) + "\n")
                log.flush()
            if drop_next:
                return
            data = json.dumps(doc).encode()
            path = target.split("?", 1)[0]
            common = b"Server: EchoBackend/1.0\r\nX-Powered-By: Python\r\nContent-Type: application/json\r\n"
            close = any(k.lower() == "connection" and v.lower() == "close" for k, v in headers)
            if path.endswith("/chunked"):
                third = len(data) // 3
                parts = [data[:third], data[third:2 * third], data[2 * third:]]
                out = b"HTTP/1.1 200 OK\r\n" + common + b"Transfer-Encoding: chunked\r\n\r\n"
                out += b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            elif path.endswith("/cut") or path.endswith("/stall"):
                # A head announcing 100 bytes, 10 of them, then a close
                # (cut) or silence (stall).
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + common + b"Content-Length: 100\r\n\r\n" +
                             b"0123456789")
                if path.endswith("/stall"):
                    time.sleep(8)
                return
            elif path.endswith("/close"):
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + common + b"Connection: close\r\n\r\n" + data)
                return
            elif "/sleep/" in path:
                time.sleep(int(path.rsplit("/", 1)[1]) / 1000)
                out = b"HTTP/1.1 200 OK\r\n" + common + b"Content-Length: %d\r\n\r\n" % len(data) + data
            elif path.endswith("/http10"):
                conn.sendall(b"HTTP/1.0 200 OK\r\n" + common + b"Content-Length: %d\r\n\r\n" % len(data) + data)
                return
            elif path.endswith("/arm-drop"):
                drop_next = True
                out = b"HTTP/1.1 200 OK\r\n" + common + b"Content-Length: %d\r\n\r\n" % len(data) + data
            elif "/status/" in path:
                code = int(path.rsplit("/", 1)[1])
                msg = b"backend says %d\n" % code
                out = (b"HTTP/1.1 %d Whatever\r\n" % code) + common + \
                    b"Content-Length: %d\r\n\r\n" % len(msg) + (b"" if method == "HEAD" else msg)
            else:
                out = b"HTTP/1.1 200 OK\r\n" + common + b"Content-Length: %d\r\n\r\n" % len(data)
                if method != "HEAD":
                    out += data
            conn.sendall(out)
            if close and not path.endswith("/linger"):
                return
    except (OSError, ValueError):
        return
    finally:
        conn.close()


def main():
    port, logfile, lifetime = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(128)
    srv.settimeout(0.5)
    lock = threading.Lock()
    deadline = time.monotonic() + lifetime
    conns = 0
    with open(logfile, "a") as log:
        print("ready", flush=True)
        while time.monotonic() < deadline:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            conn.settimeout(30)
            conns += 1
            threading.Thread(target=serve, args=(conn, log, lock, conns), daemon=True).start()


if __name__ == "__main__":
    main()
