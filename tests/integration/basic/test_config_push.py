"""config-push is all-or-nothing: a bad document changes nothing, a good one
takes effect (addresses answer or stop answering)."""

import copy

from rampart import ping


def test_bad_then_good_config(gateway):
    client = gateway.topo.client
    before = gateway.get_config()
    assert before["ok"], before
    gen0 = before["generation"]
    assert gen0 >= 1
    good = copy.deepcopy(before["config"])

    bad = copy.deepcopy(good)
    bad["ports"][0]["addresses"][0] = "10.10.1.300/24"
    reply = gateway.push_config(bad)
    assert reply["ok"] is False, reply
    assert reply["error"]["path"] == "/ports/0/addresses/0", reply

    # the active configuration is untouched and still answers
    after_bad = gateway.get_config()
    assert after_bad["generation"] == gen0
    assert ping(client, "10.10.1.1", count=3) == 3

    new = copy.deepcopy(good)
    new["ports"][0]["addresses"][0] = "10.10.1.5/24"
    reply = gateway.push_config(new)
    assert reply["ok"] is True, reply
    assert reply["generation"] > gen0, reply

    assert ping(client, "10.10.1.5", count=3) == 3
    assert ping(client, "10.10.1.1", count=3, wait=1) == 0
