"""The gateway answers ICMP echo on its client-side addresses."""

from rampart import ping


def test_ping_v4(gateway):
    assert ping(gateway.topo.client, "10.10.1.1", count=3) == 3


def test_ping_v6(gateway):
    assert ping(gateway.topo.client, "fd00:10:1::1", count=3) == 3
