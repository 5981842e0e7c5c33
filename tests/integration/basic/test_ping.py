"""The gateway answers ICMP echo on its client-side addresses."""

import pytest

from rampart import ping


def test_ping_v4(gateway):
    assert ping(gateway.topo.client, "10.10.1.1", count=3) == 3


@pytest.mark.xfail(strict=False, reason="IPv6 lands later in this issue")
def test_ping_v6(gateway):
    assert ping(gateway.topo.client, "fd00:10:1::1", count=3) == 3
