"""Operational state: <get> returns /dataplane-state from the dataplane's
stats-get answer; a subtree filter on one layer returns that layer only; the
icmp counters move after a ping; with the dataplane down the <get> still
works and the state is left out."""

import time

from .ncutil import start_netconf
from rampart import ping

NS = "urn:rampart:params:xml:ns:yang:rampart-dataplane"
ICMP_FILTER = (f'<dataplane-state xmlns="{NS}"><layer><name>icmp</name></layer></dataplane-state>')


def icmp_counters(m) -> dict:
    import xml.etree.ElementTree as ET
    root = ET.fromstring(m.get(filter=("subtree", ICMP_FILTER)).data_xml.encode())
    layers = [e for e in root.iter() if e.tag == f"{{{NS}}}layer"]
    assert [lay.find(f"{{{NS}}}name").text for lay in layers] == ["icmp"]
    return {c.find(f"{{{NS}}}name").text: int(c.find(f"{{{NS}}}value").text)
            for c in layers[0].iter(f"{{{NS}}}counter")}


def test_icmp_counters_move_after_ping(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        before = icmp_counters(m)
        assert "rx_echo_request" in before and "tx_echo_reply" in before
        assert ping(gw.topo.client, "10.10.1.1", count=3) == 3
        after = icmp_counters(m)
        assert after["rx_echo_request"] >= before["rx_echo_request"] + 3
        assert after["tx_echo_reply"] >= before["tx_echo_reply"] + 3

        # no filter: every layer and the workers; config is there too
        x = m.get().data_xml
        assert "dataplane-state" in x and "busy-percent" in x and "rx_echo_request" in x

        # a filter on other data does not include the state
        x = m.get(filter=("subtree", f'<dataplane xmlns="{NS}"><ports/></dataplane>')).data_xml
        assert "dataplane-state" not in x


def test_get_without_dataplane(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        assert "dataplane-state" in m.get().data_xml
        assert gw.stop_dp() == 0
        t0 = time.monotonic()
        x = m.get().data_xml
        assert time.monotonic() - t0 < 3
        assert "dataplane-state" not in x
        assert "netconf-state" in x  # the rest of the state is there
