"""SIGTERM stops the dataplane cleanly: exit 0 within 5 s, no sanitizer reports."""

import signal
import subprocess
import time

from rampart import Gateway


def test_sigterm_exits_cleanly(gateway):
    # rampart-cp stays connected: the dataplane must stop with a peer attached
    dp = gateway.dp
    t0 = time.monotonic()
    dp.send_signal(signal.SIGTERM)
    try:
        rc = dp.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    elapsed = time.monotonic() - t0
    gateway.dp_rc = rc if rc is not None else gateway.stop_dp()  # teardown kills it if needed
    assert rc is not None, f"rampart-dp still running 5 s after SIGTERM\n{gateway.logs()}"
    assert rc == 0, f"rampart-dp exited with {rc} after SIGTERM\n{gateway.logs()}"
    reports = Gateway.sanitizer_reports(gateway.dp_log_path)
    assert not reports, "sanitizer reports:\n" + "\n".join(reports) + "\n" + gateway.logs()
    print(f"rampart-dp stopped in {elapsed:.2f}s")
