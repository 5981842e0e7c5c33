#!/usr/bin/python3
"""A raw-socket HTTP client run inside the client namespace by the tests.

  http_client.py JOBS_JSON

JOBS_JSON is a list of jobs run at the same time, one thread each:
  {"host": "10.10.1.1", "port": 80,
   "chunks": [[delay_s, "text"], ...],   sent in order, each after its delay
   "read_timeout": 5.0,                  give up reading after this long
   "half_close": false}                  shut down writing after the chunks
Reads until the gateway closes (or read_timeout) and prints one JSON list:
  [{"data": "latin-1 text received", "closed": true, "seconds": 0.01,
    "error": null}, ...]
"seconds" runs from the connection to the close (or the give-up).
Bounded: every job ends within its delays + read_timeout.
"""
import json
import socket
import sys
import threading
import time


def run(job, out, i):
    t0 = time.monotonic()
    res = {"data": "", "closed": False, "seconds": 0.0, "error": None}
    buf = bytearray()
    try:
        s = socket.create_connection((job["host"], job["port"]), timeout=5)
        done = threading.Event()

        def reader():
            deadline = t0 + job.get("read_timeout", 5.0) + sum(c[0] for c in job["chunks"])
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    d = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    res["error"] = "reset"
                    res["closed"] = True
                    break
                if not d:
                    res["closed"] = True
                    break
                buf.extend(d)
            res["seconds"] = round(time.monotonic() - t0, 3)
            done.set()

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        for delay, text in job["chunks"]:
            if delay:
                time.sleep(delay)
            if done.is_set():
                break
            try:
                s.sendall(text.encode("latin-1"))
            except OSError as e:
                res["error"] = f"send: {e}"
                break
        if job.get("half_close") and not done.is_set():
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        th.join(job.get("read_timeout", 5.0) + sum(c[0] for c in job["chunks"]) + 2)
        s.close()
    except OSError as e:
        res["error"] = str(e)
        res["seconds"] = round(time.monotonic() - t0, 3)
    res["data"] = buf.decode("latin-1")
    out[i] = res


def main():
    jobs = json.loads(sys.argv[1])
    out = [None] * len(jobs)
    threads = [threading.Thread(target=run, args=(j, out, i)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
