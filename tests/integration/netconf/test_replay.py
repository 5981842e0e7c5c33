"""Notification replay (RFC 5277 3.3, controlplane/netconf/notify.c): the
server keeps what it sent, also with nobody subscribed; create-subscription
with startTime gets the kept notifications from then on, in order, then
replayComplete, then live ones; with a stopTime in the past only the window
and then notificationComplete ends the subscription (the session may
subscribe again); a stopTime in the future ends it when it passes. The
NETCONF stream says replaySupport in /netconf/streams."""

import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from .ncutil import NC_NS, start_netconf

NACM = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
NOTIF = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
NCEVENT = "urn:ietf:params:xml:ns:netmod:notification"


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def change(m, name: str) -> None:
    m.edit_config(target="running", config=(
        f'<config xmlns="{NC_NS}"><nacm xmlns="{NACM}"><rule-list><name>{name}</name>'
        "<group>nobody</group></rule-list></nacm></config>"))


def take_all(m, until: str, limit: int = 20, timeout: float = 10) -> list[str]:
    """Names of the notifications (and rule-lists changed) up to and with
    `until` (a notification name)."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < limit and time.monotonic() < deadline:
        n = m.take_notification(block=True, timeout=1)
        if n is None:
            continue
        root = ET.fromstring(n.notification_xml.encode())
        body = [c for c in root if not c.tag.endswith("eventTime")][0]
        name = body.tag.split("}")[1]
        if name == "netconf-config-change":
            t = body.findtext(f"{{{NOTIF}}}edit/{{{NOTIF}}}target") or ""
            name += ":" + t.split("'")[1] if "'" in t else ""
        out.append(name)
        if name.startswith(until):
            return out
    raise AssertionError(f"no {until} within {timeout} s; got {out}")


def test_replay_window_and_completion(gateway_factory, tmp_path):
    gw, nc = start_netconf(gateway_factory, tmp_path)
    with nc.wait() as m:
        t0 = datetime.now(timezone.utc)
        time.sleep(0.05)
        for name in ("a", "b", "c"):
            change(m, name)  # nobody subscribed: kept for replay
            time.sleep(0.05)
        x = m.get(filter=("subtree", f'<netconf xmlns="{NCEVENT}"/>')).data_xml
        assert "<replaySupport>true</replaySupport>" in x.replace(" ", ""), x

        # everything since t0, replayComplete, then live
        with nc.connect() as sub:
            sub.create_subscription(start_time=iso(t0))
            got = take_all(sub, "replayComplete")
            assert got == ["netconf-config-change:a", "netconf-config-change:b",
                           "netconf-config-change:c", "replayComplete"], got
            change(m, "d")
            assert take_all(sub, "netconf-config-change") == ["netconf-config-change:d"]

        # a window that has ended: what it holds, then the subscription ends
        with nc.connect() as sub:
            t_end = datetime.now(timezone.utc)
            sub.create_subscription(start_time=iso(t0), stop_time=iso(t_end))
            got = take_all(sub, "notificationComplete")
            assert got[-2:] == ["replayComplete", "notificationComplete"], got
            assert got[:4] == ["netconf-config-change:a", "netconf-config-change:b",
                               "netconf-config-change:c", "netconf-config-change:d"], got
            # ended: the session may subscribe again, and gets live changes
            sub.create_subscription()
            change(m, "e")
            assert take_all(sub, "netconf-config-change") == ["netconf-config-change:e"]

        # startTime now, stopTime 2 s ahead: nothing to replay, a live
        # change, then notificationComplete when the time has passed
        with nc.connect() as sub:
            now = datetime.now(timezone.utc)
            sub.create_subscription(start_time=iso(now), stop_time=iso(now + timedelta(seconds=2)))
            assert take_all(sub, "replayComplete") == ["replayComplete"]
            change(m, "f")
            got = take_all(sub, "notificationComplete", timeout=10)
            assert got == ["netconf-config-change:f", "notificationComplete"], got
