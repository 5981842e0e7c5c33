/* SPDX-License-Identifier: Proprietary
 * The hand-off between the NETCONF thread, which owns the datastores, and
 * rampart-cp's main thread, which owns the dataplane session (dpclient).
 *
 * A change to running is pushed like this:
 *   NETCONF thread: apply_push(doc) ── queue, eventfd ──▶ main thread:
 *   apply_take() → dpclient_push() … push_done/lost → apply_finish()
 *   ──▶ condition variable ──▶ NETCONF thread returns the outcome.
 * One request at a time (there is one NETCONF thread). The NETCONF thread
 * blocks while it waits: transactions are serialized, and other sessions'
 * RPCs wait for the dataplane's answer (bounded by DPCLIENT_TIMEOUT_MS).
 */
#ifndef RAMPART_CP_NETCONF_APPLY_H
#define RAMPART_CP_NETCONF_APPLY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct apply_result {
	bool ok;               /* the dataplane took the document */
	uint64_t generation;   /* ok: its new generation */
	bool refused;          /* !ok: the dataplane answered with an error;
				* false: it could not be asked (not connected,
				* session lost, shutting down) */
	char path[256];        /* refused: JSON pointer into the document */
	char message[512];     /* !ok: the reason */
	json_t *reply;         /* APPLY_REQUEST ok: the dataplane's reply (owned) */
};

enum apply_kind {
	APPLY_PUSH,      /* doc is a configuration: config-push */
	APPLY_REQUEST,   /* doc is a whole request, e.g. {"type": "stats-get"} */
};

enum apply_state {
	APPLY_IDLE,      /* no request */
	APPLY_QUEUED,    /* waiting for the main thread */
	APPLY_INFLIGHT,  /* taken by the main thread */
	APPLY_DONE,      /* answered, the NETCONF thread has not looked yet */
};

struct apply_bridge {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int efd;                 /* eventfd, readable when a request is queued */
	enum apply_state state;
	bool closed;             /* main thread stopping: refuse everything */
	json_t *doc;             /* the document of the current request */
	enum apply_kind kind;    /* what doc is */
	struct apply_result res;
};

/* Returns 0 or -errno. */
int apply_bridge_init(struct apply_bridge *b);
void apply_bridge_fini(struct apply_bridge *b);

/* NETCONF thread: push doc (borrowed) and wait for the outcome in *res.
 * Blocks until the main thread answers. */
void apply_push(struct apply_bridge *b, json_t *doc, struct apply_result *res);

/* NETCONF thread: send req (borrowed; gets an "id") to the dataplane as it
 * is and wait for the outcome: res->ok with res->reply (the caller
 * json_decref()s it), or !ok with the reason (not connected, lost, reply
 * timeout of DPCLIENT_TIMEOUT_MS). */
void apply_request(struct apply_bridge *b, json_t *req, struct apply_result *res);

/* Main thread: the kind of the request apply_take() returned. */
enum apply_kind apply_taken_kind(struct apply_bridge *b);

/* Main thread: after the eventfd polled readable (or any time), return the
 * queued document (borrowed, valid until apply_finish) and mark it in
 * flight, or NULL when nothing is queued. */
json_t *apply_take(struct apply_bridge *b);

/* Main thread: true when a request is queued and not taken yet. */
bool apply_queued(struct apply_bridge *b);

/* Main thread: answer the request in flight. */
void apply_finish(struct apply_bridge *b, const struct apply_result *res);

/* Main thread, at shutdown: answer a queued or in-flight request with an
 * error and refuse later ones. */
void apply_close(struct apply_bridge *b);

#endif
