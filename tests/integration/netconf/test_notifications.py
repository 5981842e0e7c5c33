"""Notifications (RFC 5277 + RFC 6470): a session subscribed to the NETCONF
stream gets a netconf-config-change, naming who changed running and what,
after a commit from another session, an edit of running, and a confirmed
commit's rollback; RPCs keep working on a subscribed session (:interleave);
subtree and XPath filters select what each subscriber gets."""

import pytest

from .ncutil import RPCError, config, start_netconf, xml_text

NOTIF_CAP = "urn:ietf:params:netconf:capability:notification:1.0"
INTERLEAVE_CAP = "urn:ietf:params:netconf:capability:interleave:1.0"
CFG = config("<ports><port>0</port><addresses>10.10.1.9/24</addresses></ports>")


def take(m, timeout=10):
    n = m.take_notification(block=True, timeout=timeout)
    assert n is not None, "no notification arrived"
    return n.notification_xml


def test_config_change_notifications(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as sub:
        assert NOTIF_CAP in sub.server_capabilities
        assert INTERLEAVE_CAP in sub.server_capabilities
        sub.create_subscription()
        with pytest.raises(RPCError) as e:
            sub.create_subscription()  # one per session
        assert e.value.tag == "in-use"
        sub_sid = sub.session_id

        with nc.connect() as other:
            other.edit_config(target="candidate", config=CFG)
            other.commit()
            x = take(sub)
            assert "netconf-config-change" in x
            assert xml_text(x, "username") == ["admin"]
            assert xml_text(x, "session-id") == [str(other.session_id)]
            assert xml_text(x, "datastore") == ["running"]
            targets = xml_text(x, "target")
            assert any("addresses" in t and "10.10.1.9/24" in t for t in targets), x
            assert "create" in xml_text(x, "operation")

            # edit-config on running: a delete
            other.edit_config(target="running", config=config(
                '<ports><port>0</port><addresses xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
                'nc:operation="delete">10.10.1.9/24</addresses></ports>'))
            x = take(sub)
            assert "delete" in xml_text(x, "operation")

        # interleave: the subscribed session still runs RPCs, and is notified of its own
        sub.edit_config(target="candidate", config=CFG)
        sub.commit(confirmed=True, timeout="1")
        x = take(sub)
        assert "netconf-config-change" in x
        assert xml_text(x, "session-id") == [str(sub_sid)]
        x = take(sub)
        assert "netconf-confirmed-commit" in x
        assert xml_text(x, "confirm-event") == ["start"]
        assert xml_text(x, "timeout") == ["1"]
        # the rollback on timeout is made by the server
        x = take(sub)
        assert "netconf-config-change" in x
        assert xml_text(x, "server") == [""], x
        assert "delete" in xml_text(x, "operation")
        x = take(sub)
        assert xml_text(x, "confirm-event") == ["timeout"]
        assert xml_text(x, "session-id") == []

        # confirmed, then confirmed: start, then complete
        sub.edit_config(target="candidate", config=CFG)
        sub.commit(confirmed=True, timeout="30")
        sub.commit()
        events = [xml_text(take(sub), "confirm-event") for _ in range(3)]
        assert [e for e in events if e] == [["start"], ["complete"]], events


def test_subscription_errors(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        with pytest.raises(RPCError):
            m.create_subscription(stream_name="NOPE")
        # RFC 5277 2.1.1: no startTime in the future, no stopTime before it
        # or without it (replay itself: test_replay.py)
        with pytest.raises(RPCError) as e:
            m.create_subscription(start_time="2099-01-01T00:00:00Z")
        assert e.value.tag == "bad-element"
        with pytest.raises(RPCError) as e:
            m.create_subscription(start_time="2020-01-02T00:00:00Z",
                                  stop_time="2020-01-01T00:00:00Z")
        assert e.value.tag == "bad-element"
        m.create_subscription(stream_name="NETCONF")



NOTIF_YANG_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
NOTIF_RPC_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"
NACM_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NACM_EDIT = (f'<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><nacm xmlns="{NACM_NS}">'
             "<rule-list><name>filter-test</name><group>nobody</group></rule-list></nacm></config>")


def subscribe(m, filter_xml: str):
    """create-subscription with RFC 5277's <filter> in the notification
    namespace (ncclient's create_subscription puts it in no namespace)."""
    from ncclient.xml_ import to_ele
    return m.dispatch(to_ele(f'<create-subscription xmlns="{NOTIF_RPC_NS}" '
                             f'xmlns:ncn="{NOTIF_YANG_NS}">{filter_xml}</create-subscription>'))


def nothing(m, timeout=2):
    n = m.take_notification(block=True, timeout=timeout)
    assert n is None, "unexpected notification: " + n.notification_xml


def test_subscription_filters(gateway_factory, tmp_path):
    """create-subscription with a subtree filter (only confirmed-commit
    events) and an XPath filter (only changes of /nacm): each subscriber gets
    exactly what its filter selects; an unfiltered one gets everything."""
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as plain, nc.connect() as sub_tree, nc.connect() as sub_xpath, \
            nc.connect() as actor:
        plain.create_subscription()
        subscribe(sub_tree, f'<filter type="subtree"><netconf-confirmed-commit xmlns="{NOTIF_YANG_NS}"/>'
                            "</filter>")
        subscribe(sub_xpath, '<filter type="xpath" select="/ncn:netconf-config-change/ncn:edit'
                             "[contains(ncn:target, 'ietf-netconf-acm:nacm')]\"/>")

        actor.edit_config(target="running", config=CFG)   # dataplane change
        assert "netconf-config-change" in take(plain)
        nothing(sub_tree)
        nothing(sub_xpath)

        actor.edit_config(target="running", config=NACM_EDIT)  # NACM change
        assert "netconf-config-change" in take(plain)
        x = take(sub_xpath)
        assert "netconf-config-change" in x and "nacm" in "".join(xml_text(x, "target"))
        nothing(sub_tree, timeout=1)

        actor.discard_changes()  # candidate := running (edited directly above)
        actor.edit_config(target="candidate", config=config(
            "<ports><port>0</port><addresses>10.10.1.10/24</addresses></ports>"))
        actor.commit(confirmed=True, timeout="60")
        assert xml_text(take(sub_tree), "confirm-event") == ["start"]
        actor.commit()
        assert xml_text(take(sub_tree), "confirm-event") == ["complete"]
        nothing(sub_xpath, timeout=1)


def test_subscription_filter_errors(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        with pytest.raises(RPCError):
            subscribe(m, '<filter type="xpath" select="/ncn:netconf-config-change[["/>')
        with pytest.raises(RPCError) as e:
            subscribe(m, '<filter type="bogus"/>')
        assert "bogus" in str(e.value)  # refused by libnetconf2's parse (operation-failed)
        with pytest.raises(RPCError) as e:
            m.create_subscription(start_time="2099-01-01T00:00:00Z", stop_time="2099-01-02T00:00:00Z")
        assert e.value.tag == "bad-element"
        # the session can still subscribe after refused attempts
        subscribe(m, f'<filter type="subtree"><netconf-config-change xmlns="{NOTIF_YANG_NS}"/></filter>')
        with nc.connect() as other:
            other.edit_config(target="running", config=CFG)
        assert "netconf-config-change" in take(m)
