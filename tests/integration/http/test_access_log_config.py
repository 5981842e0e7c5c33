"""The access log's path comes from the configuration (http/access-log) and
follows it: a pushed config naming another file closes the first and opens
the second (each request logged once, in the file named when it was
answered), a path that cannot be opened is logged, counted
(http.log_open_fail) and leaves the log off while requests are still served, removing the leaf falls back to the
--access-log file, and a relative path is refused by config-push with its
JSON pointer. No backend: every request is a 404 from the gateway."""

import json
import os
from pathlib import Path

from rampart import counters, default_config, netns_run, wait_until

GW = "10.10.1.1"
TAG = f"{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-{os.getpid()}"
FLAG_LOG = Path(f"/tmp/rampart-alog-flag-{TAG}.log")
LOG_A = Path(f"/tmp/rampart-alog-a-{TAG}.log")
LOG_B = Path(f"/tmp/rampart-alog-b-{TAG}.log")


def config(path: str | None) -> dict:
    cfg = default_config()
    cfg["http"] = {"max-sessions-per-worker": 64}
    if path:
        cfg["http"]["access-log"] = path
    cfg["listeners"] = [{"name": "web", "port": 80}]
    return cfg


for p in (FLAG_LOG, LOG_A, LOG_B):
    if p.exists():
        p.unlink()
GATEWAY = {"config": config(str(LOG_A)), "with_cp": False, "dp_args": ["--access-log", str(FLAG_LOG)]}


def get(gw, path: str) -> None:
    r = netns_run(gw.topo.client, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                   "--max-time", "5", f"http://{GW}{path}"], timeout=15)
    assert r.stdout == "404", (r.stdout, r.stderr)


def paths(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [json.loads(line)["path"] for line in log.read_text().splitlines() if line.strip()]


def logged(log: Path, path: str) -> bool:
    return path in paths(log)


def test_access_log_follows_config(gateway_factory):
    gw = gateway_factory(**GATEWAY)
    try:
        get(gw, "/first")
        wait_until(lambda: logged(LOG_A, "/first"), 5, what="/first in the configured log")
        # the config's path wins over --access-log
        assert paths(FLAG_LOG) == []

        assert gw.push_config(config(str(LOG_B)))["ok"] is True
        get(gw, "/second")
        wait_until(lambda: logged(LOG_B, "/second"), 5, what="/second in the new log")
        assert paths(LOG_A) == ["/first"] and paths(LOG_B) == ["/second"]

        # a file that cannot be opened: logged, counted, no access log, the
        # worker still serving (several requests, each answered)
        fails = counters(gw).get("http.log_open_fail", 0)
        assert fails == 0
        assert gw.push_config(config(f"/nonexistent-{TAG}/access.log"))["ok"] is True
        for _ in range(3):
            get(gw, "/lost")
        wait_until(lambda: "no access log until the path changes" in gw.dp_log(), 5,
                   what="the open failure in rampart-dp's log")
        wait_until(lambda: counters(gw).get("http.log_open_fail") == 1, 5,
                   what="http.log_open_fail counted once")
        # a directory is not a file either: the next push fails again, counted
        assert gw.push_config(config("/tmp"))["ok"] is True
        get(gw, "/lost")
        wait_until(lambda: counters(gw).get("http.log_open_fail") == 2, 5,
                   what="the second open failure counted")
        assert counters(gw).get("http.resp_4xx", 0) >= 6

        # no path in the config: back to --access-log
        assert gw.push_config(config(None))["ok"] is True
        get(gw, "/third")
        wait_until(lambda: logged(FLAG_LOG, "/third"), 5, what="/third in the --access-log file")
        for log in (LOG_A, LOG_B, FLAG_LOG):
            assert "/lost" not in paths(log)
        assert paths(LOG_A) == ["/first"] and paths(LOG_B) == ["/second"]

        # refused before anything changes: a relative path
        rep = gw.push_config(config("relative.log"))
        assert rep["ok"] is False and rep["error"]["path"] == "/http/access-log", rep
        get(gw, "/fourth")
        wait_until(lambda: logged(FLAG_LOG, "/fourth"), 5, what="/fourth still in the --access-log file")
    finally:
        for p in (FLAG_LOG, LOG_A, LOG_B):
            if p.exists():
                p.unlink()
