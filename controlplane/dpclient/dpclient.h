/* SPDX-License-Identifier: Proprietary
 * rampart-cp's connection to rampart-dp's control socket
 * (docs/CONTROL-CHANNEL.md, common/ctl/frame.h).
 *
 * Two users:
 *
 * - The daemon drives a struct dpclient from its poll() loop. The client
 *   connects, says hello (role "cp"), and then carries one request at a time.
 *   When the connection fails or is lost it reconnects with exponential
 *   backoff: 100 ms doubling to 5 s. The backoff only starts again from
 *   100 ms after a session that stayed ready for 1 s, so a dataplane that
 *   accepts and drops us at once is not hammered. Connection failures are
 *   logged once per backoff step; once at the 5 s ceiling, repeats of the same
 *   failure are logged at debug level with a warning summary every minute.
 *   What to push after a (re)connect is the caller's policy: ops->ready says
 *   when the session can take requests.
 *
 * - One-shot tools (rampart-cp push/get-config/stats) use struct dp_tool:
 *   connect, hello (role "tool"), then blocking request/reply with timeouts.
 *
 * Sends are blocking, bounded by SO_SNDTIMEO (DPCLIENT_TIMEOUT_MS per send
 * call); replies are awaited for DPCLIENT_TIMEOUT_MS, after which the session
 * is considered dead and dropped.
 */
#ifndef RAMPART_CP_DPCLIENT_H
#define RAMPART_CP_DPCLIENT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ctl/frame.h"

#define DPCLIENT_DEFAULT_SOCKET "/run/rampart/dp.sock"
#define DPCLIENT_BACKOFF_MIN_MS 100
#define DPCLIENT_BACKOFF_MAX_MS 5000
#define DPCLIENT_TIMEOUT_MS     5000
#define DPCLIENT_PROTO_VERSION  1

/* The dataplane's answer to a config-push. */
struct dp_push_result {
	bool ok;
	uint64_t generation;     /* ok: the dataplane's new active generation */
	const char *err_path;    /* !ok: JSON pointer into the config, "" if none */
	const char *err_message; /* !ok: the dataplane's reason */
};

/* Callbacks, all called from dpclient_process() only. They may call
 * dpclient_push(). Strings in results are valid during the call only. */
struct dpclient_ops {
	/* hello was answered: the session takes requests now.
	 * dp_generation: the dataplane's active generation (0 = none). */
	void (*ready)(void *arg, uint64_t dp_generation);
	/* The answer to the request started by dpclient_push(). */
	void (*push_done)(void *arg, const struct dp_push_result *res);
	/* A session that had been ready ended (EOF, I/O or protocol error, reply
	 * timeout). A push in flight gets no answer. A reconnect is scheduled. */
	void (*lost)(void *arg);
	/* The reply to a request started by dpclient_request() (optional). */
	void (*reply)(void *arg, const json_t *reply);
};

struct dpclient;

/* Create a client for the socket at sock_path; the first connection attempt
 * happens at the first dpclient_process(). ops must outlive the client.
 * Returns NULL with errno ENAMETOOLONG (path does not fit sun_path) or
 * ENOMEM. */
struct dpclient *dpclient_new(const char *sock_path,
			      const struct dpclient_ops *ops, void *arg);

/* Close the connection and free. Accepts NULL. Calls no callback. */
void dpclient_free(struct dpclient *c);

/* Fill *pfd with the fd to poll and its events. Returns true when there is
 * one, false when not connected (then only the timeout matters). */
bool dpclient_pollfd(const struct dpclient *c, struct pollfd *pfd);

/* Milliseconds until dpclient_process() has timer work (reconnect attempt,
 * reply deadline), 0 if due, -1 if none. For poll()'s timeout. */
int dpclient_timeout_ms(const struct dpclient *c);

/* Do whatever is due: connect when the backoff expired, read and handle what
 * the dataplane sent (revents from poll() for the fd of dpclient_pollfd(), 0
 * if it was not polled), enforce the reply deadline. Never blocks on reads;
 * may block on a send for up to DPCLIENT_TIMEOUT_MS. */
void dpclient_process(struct dpclient *c, short revents);

/* True when hello succeeded and no request is in flight. */
bool dpclient_idle(const struct dpclient *c);

/* True when hello succeeded (a request may be in flight). */
bool dpclient_ready(const struct dpclient *c);

/* Send config-push with config (borrowed). The answer comes through
 * ops->push_done, or ops->lost if the session ends first.
 * Returns 0; -ENOTCONN (no ready session) or -EBUSY (a request is in flight):
 * nothing happened, try again later; -EMSGSIZE / -EINVAL: the config cannot
 * be framed, the session is untouched; any other -errno: sending failed, the
 * session was closed and a reconnect scheduled (ops->lost is not called, the
 * caller knows from the return value). */
int dpclient_push(struct dpclient *c, json_t *config);

/* The same with a blob in the frame (the WAF program, controlplane/waf/cp_waf.h). */
int dpclient_push_blob(struct dpclient *c, json_t *config, const void *blob, size_t blob_len);

/* Send any other request, e.g. {"type": "stats-get"}: req (borrowed) gets
 * an "id". The reply comes through ops->reply, or ops->lost if the session
 * ends first. Returns like dpclient_push(). */
int dpclient_request(struct dpclient *c, json_t *req);

/* ---- one-shot tool sessions ------------------------------------------- */

struct dp_tool {
	int fd;
	uint64_t next_id;
	struct ctl_decoder dec;
};

/* Connect to sock_path and exchange hello as role ("tool"). Blocks for at
 * most about 2 * timeout_ms. Returns 0, or -errno with err saying what
 * failed (the tool is then closed). */
int dp_tool_open(struct dp_tool *t, const char *sock_path, const char *role,
		 int timeout_ms, char *err, size_t errlen);

/* Send req (its "id" is set here) and wait up to timeout_ms for the reply
 * with that id; other messages are skipped. *reply is a new reference.
 * Returns 0 or -errno: -ETIMEDOUT, -ECONNRESET (closed by the dataplane),
 * -EPROTO (framing), or a send error, with err saying what failed. */
int dp_tool_call(struct dp_tool *t, json_t *req, int timeout_ms,
		 json_t **reply, char *err, size_t errlen);

/* Accepts a tool that failed to open or was closed already. */
void dp_tool_close(struct dp_tool *t);

/* "path: message" or "message" of a refused reply's "error" object, for
 * logs. Writes into buf and returns it. */
const char *dp_reply_error(const json_t *reply, char *buf, size_t len);

#endif
