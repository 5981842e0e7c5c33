#!/usr/bin/python3
"""A chunked-upload client run inside the client namespace by the tests.

  upload_client.py JOB_JSON

JOB_JSON:
  {"host": "10.10.1.1", "port": 80, "path": "/api/upload",
   "content_type": "application/json",
   "body": {"kind": "json" | "bytes", "size": 2200000},
   "chunk": [997],          chunk sizes, used in turn (the last one repeats)
   "segment": 16384,        bytes per send() (TCP_NODELAY: one segment each, up to the MSS)
   "delay": 0.0,            seconds between sends
   "timeout": 30.0}         whole exchange bound
The body is deterministic (no randomness): JSON items or a byte pattern.
Sends the request with Transfer-Encoding: chunked while a reader thread
collects the response, then prints one JSON object:
  {"status": 200, "body": "...", "sent": n, "body_len": n, "body_sha256": "...",
   "seconds": 1.2, "error": null}
Bounded: everything ends within "timeout" seconds.
"""
import hashlib
import json
import socket
import sys
import threading
import time


def make_body(spec: dict) -> bytes:
    size = spec["size"]
    if spec.get("kind", "json") == "bytes":
        return (bytes(range(256)) * (size // 256 + 1))[:size]
    items, n, total = [], 0, 2
    while total < size:
        item = '{"id": %d, "name": "item number %d", "tags": ["a", "b"], "ok": true}' % (n, n)
        items.append(item)
        total += len(item) + 1
        n += 1
    return ('{"items": [' + ",".join(items) + "]}").encode()


def chunked(body: bytes, sizes: list) -> bytes:
    out, i, k = [], 0, 0
    while i < len(body):
        n = sizes[min(k, len(sizes) - 1)]
        k += 1
        piece = body[i:i + n]
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        i += n
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def main():
    job = json.loads(sys.argv[1])
    body = make_body(job["body"])
    wire = (f"POST {job['path']} HTTP/1.1\r\nHost: {job.get('hostname', 'api.test')}\r\n"
            f"Content-Type: {job.get('content_type', 'application/json')}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode() + chunked(body, job.get("chunk", [997]))
    seg, delay = job.get("segment", 16384), job.get("delay", 0.0)
    t0 = time.monotonic()
    deadline = t0 + job.get("timeout", 30.0)
    res = {"status": None, "body": "", "sent": 0, "body_len": len(body),
           "body_sha256": hashlib.sha256(body).hexdigest(), "seconds": 0.0, "error": None}
    got = bytearray()
    try:
        s = socket.create_connection((job["host"], job.get("port", 80)), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as e:
        res["error"] = f"connect: {e}"
        print(json.dumps(res))
        return
    done = threading.Event()

    def reader():
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, min(0.5, deadline - time.monotonic())))
            try:
                d = s.recv(65536)
            except socket.timeout:
                if complete(got):
                    break
                continue
            except OSError as e:
                res["error"] = f"recv: {e}"
                break
            if not d:
                break
            got.extend(d)
            if complete(got):
                break
        done.set()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        for i in range(0, len(wire), seg):
            if done.is_set() or time.monotonic() > deadline:
                break
            s.settimeout(max(0.01, deadline - time.monotonic()))
            s.sendall(wire[i:i + seg])
            res["sent"] = i + len(wire[i:i + seg])
            if delay:
                time.sleep(delay)
    except OSError as e:
        res["error"] = f"send: {e}"
    th.join(max(0.0, deadline - time.monotonic()) + 1)
    s.close()
    res["seconds"] = round(time.monotonic() - t0, 3)
    head, _, rest = bytes(got).partition(b"\r\n\r\n")
    if head.startswith(b"HTTP/1.1 "):
        res["status"] = int(head[9:12])
        res["body"] = rest.decode("latin-1")
    elif res["error"] is None:
        res["error"] = f"no response ({len(got)} bytes)"
    print(json.dumps(res))


def complete(buf: bytearray) -> bool:
    """A response head with Content-Length and that many body bytes."""
    head, sep, rest = bytes(buf).partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(rest) >= int(value.strip())
    return False


if __name__ == "__main__":
    main()
