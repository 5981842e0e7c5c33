/* SPDX-License-Identifier: Proprietary
 * rampart-cp's NETCONF server (RFC 6241) over SSH (RFC 6242) on
 * libnetconf2 2.x.
 *
 * Threading: netconf_start() starts one NETCONF thread. It accepts SSH
 * connections, polls every session and runs every RPC handler, so it is the
 * only user of the libyang context and the datastores after the start
 * (libyang is not safe for concurrent writers). It reaches the dataplane
 * only through the apply bridge (netconf/apply.h), served by the main
 * thread, which owns the dpclient session. netconf_stop() is called by the
 * main thread after apply_close(): the thread sees the stop flag within
 * NP_POLL_MS, frees its sessions and is joined.
 *
 * The thread loop: without sessions it waits in nc_accept() (NP_POLL_MS);
 * with sessions it alternates a non-blocking nc_accept() and a
 * non-blocking nc_ps_poll(), and between idle passes blocks up to 8 ms in
 * poll(2) on the NETCONF sockets, which it finds itself (netconf/sockwait.c:
 * libnetconf2 exposes no session fds).
 * One SSH handshake is served at a time (nc_accept blocks during it,
 * bounded by NETCONF_AUTH_TIMEOUT_S).
 *
 * Files (STATE_DIR, default /var/lib/rampart, created 0700):
 *   ssh_host_ecdsa_key   host key, generated at the first start
 *   users.json           users and their password hashes (netconf/users.h)
 *   startup.json         the startup datastore (datastore/datastore.h)
 */
#ifndef RAMPART_CP_NETCONF_H
#define RAMPART_CP_NETCONF_H

#include <stddef.h>
#include <stdint.h>

#include "datastore/datastore.h"
#include "netconf/apply.h"

#define NETCONF_DEFAULT_PORT      830
#define NETCONF_DEFAULT_ADDRESS   "0.0.0.0"
#define NETCONF_DEFAULT_STATE_DIR "/var/lib/rampart"
#define NETCONF_HOSTKEY           "ssh_host_ecdsa_key"
/* Defaults of /rampart-system:system/netconf-server (the model states the
 * same): sessions idle this long are dropped (libnetconf2's idle timeout),
 * at most this many sessions at a time. */
#define NETCONF_IDLE_TIMEOUT_S    3600
#define NETCONF_MAX_SESSIONS      16
/* A client has this long and this many tries to authenticate. The NETCONF
 * thread serves one SSH handshake at a time (nc_accept blocks during it),
 * so the timeout also bounds how long a stalled client delays the others. */
#define NETCONF_AUTH_TIMEOUT_S    10
#define NETCONF_AUTH_ATTEMPTS     3

struct netconf_opts {
	const char *address;
	uint16_t port;
	const char *state_dir;
};

/* Create STATE_DIR and the host key if needed, start listening and the
 * NETCONF thread. ds is taken over (left closed) on success and on failure.
 * A port that cannot be bound is not an error: the thread retries every 5 s
 * and logs it. Returns 0 or -1 with err. */
int netconf_start(const struct netconf_opts *o, struct datastore *ds,
		  struct apply_bridge *bridge, char *err, size_t errlen);

/* Stop and join the thread, close every session, free the datastores and
 * libnetconf2. Accepts a server that was never started. */
void netconf_stop(void);

/* Make sure STATE_DIR exists (mode 0700). Returns 0 or -1 with err. */
int netconf_state_dir(const char *dir, char *err, size_t errlen);

/* Send a notification to every session subscribed to the NETCONF stream
 * (RFC 5277 create-subscription), e.g. a dataplane security event. json is
 * one notification of a module of rampart-cp's YANG context in libyang's
 * JSON encoding, e.g.
 *   {"rampart-dataplane:security-event": {"layer": "http", ...}}
 * (the notification statement must exist in the model). Any thread may call
 * it: the text is copied, queued (at most 1024 pending; more are dropped
 * with a warning) and parsed and sent by the NETCONF thread between two
 * polls; eventTime is the time of this call. A text that is not a
 * notification of the model is dropped with a warning. Returns 0 when
 * queued, -1 when not (out of memory, queue full). */
int netconf_notify_event(const char *json);

#endif
