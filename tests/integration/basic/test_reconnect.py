"""Either process can restart. The dataplane keeps answering with its last
good configuration while the control plane is gone; the control plane
reconnects (with backoff) and re-pushes its running configuration to a
dataplane that restarted empty."""

from rampart import ping, wait_until


def test_dataplane_survives_control_plane_restart(gateway):
    client = gateway.topo.client
    gen = gateway.wait_generation(1)
    assert gateway.stop_cp() == 0
    assert ping(client, "10.10.1.1", count=3) == 3      # last good config still active
    gateway.start_cp()
    # the new control plane pushes again: a new generation, same addresses
    gateway.wait_generation(gen + 1)
    assert ping(client, "10.10.1.1", count=2) == 2


def test_control_plane_resyncs_restarted_dataplane(gateway):
    client = gateway.topo.client
    gateway.wait_generation(1)
    assert gateway.stop_dp() == 0
    gateway.start_dp()          # boots with no configuration at all
    # rampart-cp notices, reconnects within its backoff and re-pushes
    gateway.wait_generation(1, timeout=20)
    assert wait_until(lambda: ping(client, "10.10.1.1", count=1, wait=1) == 1,
                      timeout=10, what="ping after re-sync")
    cp_log = gateway.cp_log()
    assert "lost" in cp_log or "disconnect" in cp_log.lower(), cp_log[-2000:]
