"""Discard, orderly close and reset against the dataplane's TCP stack."""

import pytest

from rampart import counters, counters_delta, netns_run, wait_until

from .test_echo import run_client, settle, tcp_config


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_discard_then_orderly_close(gateway):
    before = counters(gateway)
    out = run_client(gateway, "discard", "10.10.1.1", 9, 4 << 20)
    assert out["eof"] and out["extra"] == 0, out
    d = counters_delta(before, settle(gateway))
    assert d["tcp.opened"] == 1 and d["tcp.closed"] == 1, d
    assert d.get("tcp.rst_tx", 0) == 0 and d.get("tcp.rst_rx", 0) == 0, d


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_client_reset_closes(gateway):
    before = counters(gateway)
    out = run_client(gateway, "reset", "10.10.1.1", 7)
    assert out["reset"]
    d = counters_delta(before, settle(gateway))
    assert d["tcp.rst_rx"] == 1 and d["tcp.closed"] == 1, d


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_closed_port_refused(gateway):
    before = counters(gateway)
    r = netns_run(gateway.topo.client, ["/usr/bin/python3", "-c",
                  "import socket\n"
                  "try:\n"
                  "    socket.create_connection(('10.10.1.1', 8080), timeout=5)\n"
                  "    print('connected')\n"
                  "except ConnectionRefusedError:\n"
                  "    print('refused')\n"], timeout=20)
    assert r.stdout.strip() == "refused", (r.stdout, r.stderr)
    d = wait_until(lambda: (c := counters_delta(before, counters(gateway))).get(
        "tcp.drop_no_listener", 0) >= 1 and c, timeout=5, what="no-listener counted")
    assert d["tcp.rst_tx"] >= 1, d


@pytest.mark.gateway(config=tcp_config(), with_cp=False)
def test_stop_with_open_connections(gateway):
    """rampart-dp stops cleanly (exit 0, no leak reports: checked at
    teardown) while connections hold data in their queues."""
    import subprocess
    code = ("import socket,time\n"
            "s=[socket.create_connection(('10.10.1.1',7),timeout=5) for _ in range(5)]\n"
            "[c.sendall(b'q'*300000) for c in s[:1]]\n"
            "[c.sendall(b'q'*1000) for c in s[1:]]\n"
            "print('sent',flush=True)\n"
            "time.sleep(30)\n")
    p = subprocess.Popen(["ip", "netns", "exec", gateway.topo.client, "/usr/bin/python3", "-c",
                          code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "sent"
        wait_until(lambda: counters(gateway)["tcp.opened"] >= 5, timeout=5, what="5 opened")
        gateway.stop()
    finally:
        p.kill()
        p.wait()
