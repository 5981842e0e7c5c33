"""pytest fixtures for Rampart's integration tests (run as root, with /usr/bin/python3).

Fixtures:
    topology        session: netns rt-client / rt-backend wired to rt-c0 / rt-b0
    gateway         function: rampart-dp + rampart-cp, configured (generation >= 1).
                    Options with a marker:  @pytest.mark.gateway(lcores="0@0,1@1,2@1",
                    config={...}, with_cp=False, dp_args=[...], eal_args=[...])
    module_gateway  module: the same, shared by a module; options in a module-level
                    dict GATEWAY = {...}
    gateway_factory function: start(**options) -> Gateway, for tests that need
                    several gateways in a row (each is stopped and checked at the end)

Every gateway is stopped on teardown (SIGTERM, then SIGKILL), and teardown fails
the test if a process did not exit 0 or its log has sanitizer reports.

Environment: RAMPART_BUILD (build dir, default build-asan), RAMPART_NO_HUGE
(1 forces --no-huge), RAMPART_FULL=1 or --full (also run @pytest.mark.slow).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rampart  # noqa: E402

# RAMPART_TOPO_PREFIX lets two runs share a machine without meeting.
TOPO_PREFIX = os.environ.get("RAMPART_TOPO_PREFIX", "rt")


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="also run tests marked slow (RAMPART_FULL=1 does the same)")


def pytest_configure(config):
    config.addinivalue_line("markers", "gateway(**options): options for the gateway fixture")
    config.addinivalue_line("markers", "slow: long test, run only with --full / RAMPART_FULL=1")
    # Debian's ncclient still uses deprecated threading names; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:ncclient.*")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full") or os.environ.get("RAMPART_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with scripts/test --full")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    b = rampart.build_dir()
    mem = " ".join(rampart.eal_mem_args()) or "hugepages"
    return [f"rampart: build {b} (dp {'present' if rampart.dp_binary().exists() else 'MISSING'}), "
            f"memory: {mem}"]


# ----------------------------------------------------------------- topology

@pytest.fixture(scope="session")
def topology():
    if os.geteuid() != 0:
        pytest.fail("integration tests need root (network namespaces, DPDK)", pytrace=False)
    for line in rampart.kill_stale(TOPO_PREFIX):
        print(f"stale from an earlier run: {line}", file=sys.stderr)
    topo = rampart.Topology(TOPO_PREFIX)
    topo.down()  # a previous run may have left it, maybe half-built
    try:
        topo.up()
        yield topo
    finally:
        topo.down()


# ----------------------------------------------------------------- gateways

class _Prefixes:
    """File prefixes: rt-<pid> for the first gateway alive, rt-<pid>-<n> when
    several are alive at once."""

    def __init__(self):
        self.alive: set[str] = set()
        self.n = 0

    def take(self) -> str:
        base = f"{TOPO_PREFIX}-{os.getpid()}"
        name = base
        while name in self.alive:
            self.n += 1
            name = f"{base}-{self.n}"
        self.alive.add(name)
        return name

    def give(self, name: str) -> None:
        self.alive.discard(name)


_prefixes = _Prefixes()


class _Gateways:
    def __init__(self, topo, tmp_path_factory):
        self.topo = topo
        self.tmp = tmp_path_factory
        self.started: list[rampart.Gateway] = []

    def start(self, **options) -> rampart.Gateway:
        prefix = _prefixes.take()
        workdir = self.tmp.mktemp(f"{prefix}-", numbered=True)
        gw = rampart.Gateway(self.topo, workdir, prefix, **options)
        self.started.append(gw)  # before start(): a failed start is still cleaned up
        failure = None
        try:
            gw.start()
        except rampart.GatewayError as e:
            failure = str(e)
        if failure is not None:
            pytest.fail(failure, pytrace=False)
        return gw

    def finish(self, report: bool = True) -> None:
        """Stop and check every gateway; fail the test with what went wrong."""
        problems: list[str] = []
        for gw in reversed(self.started):
            try:
                problems += gw.teardown()
            finally:
                _prefixes.give(gw.file_prefix)
        self.started.clear()
        if problems and report:
            pytest.fail("\n".join(problems), pytrace=False)

    def start_or_clean(self, **options) -> rampart.Gateway:
        try:
            return self.start(**options)
        except BaseException:
            self.finish(report=False)  # the start failure is the error to show
            raise


# Teardown after `yield` runs whether the test passed or failed.

@pytest.fixture
def gateway_factory(topology, tmp_path_factory):
    gws = _Gateways(topology, tmp_path_factory)
    yield gws.start
    gws.finish()


@pytest.fixture
def gateway(request, topology, tmp_path_factory):
    marker = request.node.get_closest_marker("gateway")
    options = dict(marker.kwargs) if marker else {}
    gws = _Gateways(topology, tmp_path_factory)
    yield gws.start_or_clean(**options)
    gws.finish()


@pytest.fixture(scope="module")
def module_gateway(request, topology, tmp_path_factory):
    options = dict(getattr(request.module, "GATEWAY", {}))
    gws = _Gateways(topology, tmp_path_factory)
    yield gws.start_or_clean(**options)
    gws.finish()
