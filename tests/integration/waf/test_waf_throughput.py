"""WAF on vs off through the gateway (slow: run with --full or RAMPART_FULL=1,
on a build without sanitizers for a meaningful figure):

rampart-cp compiles CRS 3.3.4 (Debian's modsecurity-crs) plus our API sets
(rules/rampart-api) and ships them; nginx serves the backend; wrk sends the
same benign API GET (query string, ordinary headers) for a few seconds with
the WAF in block mode at paranoia 1, then with the WAF off (a SIGHUP commit
of rampart-cp), and prints both rates and their ratio. The target is 80%;
the test checks that every request was inspected, none was blocked or
failed, and prints the figure (a shared CI machine is too noisy to gate on
the ratio itself). Through the kernel and nginx this measures them as much
as the gateway; the per-core figure without them (rampart-load over
net_memif, WAF on vs off in the same run) is `scripts/bench waf`'s
"gateway" part (scripts/bench-waf-gateway)."""

import atexit
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from rampart import REPO, counters, counters_delta, default_config


def _peers():
    """tests/integration/http/peers.py (its package name shadows the stdlib's http)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "rampart_http_peers", Path(__file__).parent.parent / "http" / "peers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_p = _peers()
GW, Nginx, wrk = _p.GW, _p.Nginx, _p.wrk

CRS = Path("/usr/share/modsecurity-crs/rules")
API = REPO / "rules" / "rampart-api"
WORK = Path(tempfile.mkdtemp(prefix=f"wf-wafbench-{os.environ.get('RAMPART_TOPO_PREFIX', 'rt')}-"))
CONFIG = WORK / "cp-config.json"
atexit.register(shutil.rmtree, WORK, True)   # also when the module is only collected
SECONDS = int(os.environ.get("WAF_BENCH_SECONDS", "5"))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CRS.is_dir(), reason="modsecurity-crs is not installed")]


def bench_config(mode: str) -> dict:
    cfg = default_config()
    cfg["tcp"] = {"time-wait-ms": 1000}
    cfg["http"] = {"max-sessions-per-worker": 512,
                   "timeouts": {"upstream-connect-ms": 2000, "upstream-response-ms": 5000}}
    cfg["listeners"] = [{"name": "web", "port": 80}]
    cfg["upstreams"] = [{"name": "nginx", "servers": [{"address": "10.10.2.2", "port": 8080}]}]
    cfg["routes"] = [{"name": "all", "listener": "web", "path-prefix": "/", "upstream": "nginx"}]
    sets = [str(CRS)] + ([str(API)] if API.is_dir() else [])
    # off first without rule sets: the gateway comes up at once; the CRS is
    # compiled by rampart-cp on the commit that turns the WAF on
    cfg["waf"] = {"mode": mode, "paranoia": 1, "rule-sets": sets if mode != "off" else []}
    return cfg


CONFIG.write_text(json.dumps(bench_config("off")))
GATEWAY = {"with_cp": True, "cp_args": ["--config", str(CONFIG)]}


@pytest.fixture(scope="module")
def nginx(module_gateway, tmp_path_factory):
    ng = Nginx(module_gateway.topo.backend, tmp_path_factory.mktemp("nginx"), 8080)
    (ng.dir / "www" / "api").mkdir(parents=True, exist_ok=True)
    (ng.dir / "www" / "api" / "items").write_bytes(b'{"items":[1,2,3]}\n')
    with ng:
        yield ng
    shutil.rmtree(WORK, ignore_errors=True)


# A host name, as real clients send: wrk's default Host is the URL's
# address, and a numeric Host is CRS 920350's warning on every request.
HEADERS = ("Host: api.example.com", "User-Agent: bench/1.0", "Accept: application/json",
           "Accept-Language: en-US", "Authorization: Bearer abc.def.ghi")
URL = f"http://{GW}/api/items?page=2&size=50&sort=name&q=running%20shoes"


def run(gw) -> dict:
    before = counters(gw)
    r = wrk(gw.topo.client, URL, seconds=SECONDS, connections=8, headers=HEADERS)
    assert r["errors"] == 0 and r["non_2xx_3xx"] == 0, r["text"]
    r["delta"] = counters_delta(before, counters(gw))
    return r


def test_waf_on_vs_off(module_gateway, nginx):
    gw = module_gateway
    off = run(gw)
    assert "waf.inspected" not in off["delta"], off["delta"]
    gen = gw.generation()
    CONFIG.write_text(json.dumps(bench_config("block")))
    gw.cp.send_signal(signal.SIGHUP)
    gw.wait_generation(gen + 1, timeout=600)   # rampart-cp compiles the CRS first
    on = run(gw)
    d = on["delta"]
    assert d.get("waf.inspected", 0) >= on["requests"], d
    assert "waf.blocked" not in d, d
    assert "waf.detected" not in d, d   # a benign request with a host name matches no rule
    ratio = on["rps"] / off["rps"]
    print(f"\nWAF detections below the threshold: {d.get('waf.detected', 0)} "
          f"of {d.get('waf.inspected', 0)} inspected")
    print(f"WAF on (CRS PL1 + rampart-api, block): {on['rps']:.0f} req/s, p99 {on['p99']}; "
          f"WAF off: {off['rps']:.0f} req/s, p99 {off['p99']}; ratio {ratio:.2f} (target 0.80)")
