/* SPDX-License-Identifier: Proprietary */
#include "dpclient/dpclient.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* A session that stayed ready this long restarts the backoff from its
 * minimum when it ends; a shorter one keeps escalating it. */
#define DPCLIENT_STABLE_MS 1000

/* At the backoff ceiling, one warning per this many repeated failures
 * (with a 5 s ceiling: one a minute). */
#define FAIL_SUMMARY_EVERY 12

/* Bytes taken from the socket per recv(). */
#define READ_CHUNK (64u << 10)

enum dp_state {
	DP_WAIT,   /* not connected; next attempt at retry_at */
	DP_HELLO,  /* connected, hello sent, waiting for its reply */
	DP_READY,  /* hello answered; requests may be sent */
};

enum dp_req {
	REQ_NONE,
	REQ_HELLO,
	REQ_PUSH,
	REQ_OTHER,   /* dpclient_request(): the reply goes to ops->reply */
};

static const char *const req_names[] = {
	[REQ_NONE]  = "(none)",
	[REQ_HELLO] = "hello",
	[REQ_PUSH]  = "config-push",
	[REQ_OTHER] = "request",
};

struct dpclient {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct dpclient_ops *ops;
	void *arg;

	enum dp_state state;
	int fd;                  /* -1 in DP_WAIT */
	struct ctl_decoder dec;
	unsigned session;        /* bumped whenever the connection is closed */
	int64_t ready_at;        /* when the current session became ready */

	uint64_t next_id;
	enum dp_req req;         /* the one request in flight */
	uint64_t req_id;
	int64_t req_deadline;

	int backoff_ms;          /* wait after the next failure */
	int64_t retry_at;        /* next connection attempt (DP_WAIT) */
	unsigned fails;          /* consecutive failed attempts */
	unsigned fails_at_cap;   /* of which at the backoff ceiling */
	char last_fail[192];     /* the previous failure, to spot repeats */
};

/* ---- shared by the daemon client and the tools -------------------------- */

/* Connect a blocking unix stream socket whose sends (and connect, when the
 * listener's backlog is full) time out after timeout_ms. */
static int dp_connect_socket(const char *path, int timeout_ms,
			     char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a unix socket: %s", strerror(-rc));
		return rc;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set SO_SNDTIMEO: %s", strerror(-rc));
		close(fd);
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		if (rc == -EAGAIN)
			snprintf(err, errlen,
				 "cannot connect to the dataplane at %s: its backlog stayed full for %d ms",
				 path, timeout_ms);
		else
			snprintf(err, errlen, "cannot connect to the dataplane at %s: %s",
				 path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

/* Check a hello reply: ok, role "dp", our protocol version, a generation. */
static int dp_check_hello(const json_t *reply, uint64_t *generation,
			  char *err, size_t errlen)
{
	const json_t *role, *version, *gen;
	char why[256];

	if (!json_is_true(json_object_get(reply, "ok"))) {
		snprintf(err, errlen, "the dataplane refused hello: %s",
			 dp_reply_error(reply, why, sizeof(why)));
		return -EPROTO;
	}
	role = json_object_get(reply, "role");
	if (!json_is_string(role) || strcmp(json_string_value(role), "dp") != 0) {
		snprintf(err, errlen, "the hello reply's \"role\" is not \"dp\"");
		return -EPROTO;
	}
	version = json_object_get(reply, "version");
	if (!json_is_integer(version) ||
	    json_integer_value(version) != DPCLIENT_PROTO_VERSION) {
		snprintf(err, errlen,
			 "the dataplane speaks protocol version %lld, rampart-cp speaks %d",
			 json_is_integer(version) ? (long long)json_integer_value(version) : -1LL,
			 DPCLIENT_PROTO_VERSION);
		return -EPROTO;
	}
	gen = json_object_get(reply, "generation");
	if (!json_is_integer(gen) || json_integer_value(gen) < 0) {
		snprintf(err, errlen,
			 "the hello reply has no non-negative integer \"generation\"");
		return -EPROTO;
	}
	*generation = (uint64_t)json_integer_value(gen);
	return 0;
}

static json_t *dp_hello_new(const char *role)
{
	return json_pack("{s:s, s:s, s:i}", "type", "hello", "role", role,
			 "version", DPCLIENT_PROTO_VERSION);
}

const char *dp_reply_error(const json_t *reply, char *buf, size_t len)
{
	const json_t *error = json_object_get(reply, "error");
	const char *path = json_string_value(json_object_get(error, "path"));
	const char *message = json_string_value(json_object_get(error, "message"));

	if (!message)
		message = "(no error message)";
	if (path && *path)
		snprintf(buf, len, "%s: %s", path, message);
	else
		snprintf(buf, len, "%s", message);
	return buf;
}

/* ---- daemon client ---------------------------------------------------- */

struct dpclient *dpclient_new(const char *sock_path,
			      const struct dpclient_ops *ops, void *arg)
{
	struct dpclient *c;

	if (strlen(sock_path) >= sizeof(c->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->path, sock_path, strlen(sock_path) + 1);
	c->ops = ops;
	c->arg = arg;
	c->state = DP_WAIT;
	c->fd = -1;
	ctl_decoder_init(&c->dec);
	c->next_id = 1;
	c->backoff_ms = DPCLIENT_BACKOFF_MIN_MS;
	c->retry_at = 0; /* try at once */
	return c;
}

static void dp_close(struct dpclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ctl_decoder_fini(&c->dec);
	ctl_decoder_init(&c->dec);
	c->state = DP_WAIT;
	c->req = REQ_NONE;
	c->session++;
}

void dpclient_free(struct dpclient *c)
{
	if (!c)
		return;
	dp_close(c);
	ctl_decoder_fini(&c->dec);
	free(c);
}

/* Set the next attempt one backoff step away and double the step. */
static int dp_schedule_retry(struct dpclient *c)
{
	int wait_ms = c->backoff_ms;

	c->retry_at = cp_now_ms() + wait_ms;
	c->backoff_ms = wait_ms >= DPCLIENT_BACKOFF_MAX_MS / 2 ?
			DPCLIENT_BACKOFF_MAX_MS : wait_ms * 2;
	return wait_ms;
}

/* A connection attempt (connect or hello) failed: log it without flooding
 * the log, and schedule the next one. */
static void dp_attempt_failed(struct dpclient *c, const char *why)
{
	bool repeat = strcmp(why, c->last_fail) == 0;
	int wait_ms = dp_schedule_retry(c);

	c->fails++;
	if (wait_ms < DPCLIENT_BACKOFF_MAX_MS || !repeat) {
		c->fails_at_cap = 0;
		log_warn("%s; retrying in %d ms", why, wait_ms);
	} else if (++c->fails_at_cap == 1) {
		log_warn("%s; retrying every %d ms, repeats of this failure are logged at debug level",
			 why, wait_ms);
	} else if (c->fails_at_cap % FAIL_SUMMARY_EVERY == 0) {
		log_warn("%s; still failing after %u attempts, retrying every %d ms",
			 why, c->fails, wait_ms);
	} else {
		log_debug("%s; retrying in %d ms (attempt %u)", why, wait_ms, c->fails);
	}
	snprintf(c->last_fail, sizeof(c->last_fail), "%s", why);
}

/* Close the session and schedule a reconnect. notify: call ops->lost if the
 * session had been ready. */
__attribute__((format(printf, 3, 4)))
static void dp_drop(struct dpclient *c, bool notify, const char *fmt, ...)
{
	bool was_ready = c->state == DP_READY;
	char why[256];
	va_list ap;
	int wait_ms;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	dp_close(c);
	if (!was_ready) {
		dp_attempt_failed(c, why);
		return;
	}

	/* Only a session that lasted starts the backoff over; one dropped at
	 * once keeps escalating it. */
	if (cp_now_ms() - c->ready_at >= DPCLIENT_STABLE_MS)
		c->backoff_ms = DPCLIENT_BACKOFF_MIN_MS;
	wait_ms = dp_schedule_retry(c);
	log_warn("dataplane session lost: %s; reconnecting in %d ms", why, wait_ms);
	if (notify && c->ops->lost)
		c->ops->lost(c->arg);
}

/* Give req an id, send it and wait for its reply as the one in flight.
 * On a send failure the session is dropped (without notify). */
static int dp_send_request_blob(struct dpclient *c, enum dp_req kind, json_t *req,
				const void *blob, size_t blob_len)
{
	uint64_t id = c->next_id++;
	int rc;

	if (json_object_set_new(req, "id", json_integer((json_int_t)id)))
		return -ENOMEM;
	rc = ctl_send(c->fd, req, blob, blob_len);
	if (rc == -EMSGSIZE || rc == -EINVAL || rc == -ENOMEM)
		return rc; /* not framed: nothing was written */
	if (rc) {
		dp_drop(c, false, "cannot send %s to %s: %s",
			req_names[kind], c->path, strerror(-rc));
		return rc;
	}
	c->req = kind;
	c->req_id = id;
	c->req_deadline = cp_now_ms() + DPCLIENT_TIMEOUT_MS;
	log_debug("sent %s (id %llu) to the dataplane", req_names[kind],
		  (unsigned long long)id);
	return 0;
}

static int dp_send_request(struct dpclient *c, enum dp_req kind, json_t *req)
{
	return dp_send_request_blob(c, kind, req, NULL, 0);
}

static void dp_try_connect(struct dpclient *c)
{
	char err[256];
	json_t *hello;
	int fd, rc;

	fd = dp_connect_socket(c->path, DPCLIENT_TIMEOUT_MS, err, sizeof(err));
	if (fd < 0) {
		dp_attempt_failed(c, err);
		return;
	}
	c->fd = fd;
	c->state = DP_HELLO;

	hello = dp_hello_new("cp");
	if (!hello) {
		dp_drop(c, false, "cannot build hello: out of memory");
		return;
	}
	rc = dp_send_request(c, REQ_HELLO, hello);
	json_decref(hello);
	if (rc && c->state != DP_WAIT)
		dp_drop(c, false, "cannot send hello: %s", strerror(-rc));
}

static void dp_on_hello(struct dpclient *c, const json_t *reply)
{
	uint64_t generation;
	char err[256];

	if (dp_check_hello(reply, &generation, err, sizeof(err))) {
		dp_drop(c, true, "%s", err);
		return;
	}
	c->state = DP_READY;
	c->ready_at = cp_now_ms();
	if (c->fails)
		log_info("connected to the dataplane at %s after %u failed attempts (its active generation: %llu)",
			 c->path, c->fails, (unsigned long long)generation);
	else
		log_info("connected to the dataplane at %s (its active generation: %llu)",
			 c->path, (unsigned long long)generation);
	c->fails = 0;
	c->fails_at_cap = 0;
	c->last_fail[0] = '\0';
	if (c->ops->ready)
		c->ops->ready(c->arg, generation);
}

static void dp_on_push(struct dpclient *c, const json_t *reply)
{
	struct dp_push_result res = { .err_path = "", .err_message = "" };
	const json_t *ok = json_object_get(reply, "ok");

	if (!json_is_boolean(ok)) {
		dp_drop(c, true, "malformed config-push reply: no boolean \"ok\"");
		return;
	}
	res.ok = json_is_true(ok);
	if (res.ok) {
		const json_t *gen = json_object_get(reply, "generation");

		if (!json_is_integer(gen) || json_integer_value(gen) < 0) {
			dp_drop(c, true,
				"malformed config-push reply: no non-negative integer \"generation\"");
			return;
		}
		res.generation = (uint64_t)json_integer_value(gen);
	} else {
		const json_t *error = json_object_get(reply, "error");
		const char *path = json_string_value(json_object_get(error, "path"));
		const char *message = json_string_value(json_object_get(error, "message"));

		res.err_path = path ? path : "";
		res.err_message = message ? message : "(no error message)";
	}
	if (c->ops->push_done)
		c->ops->push_done(c->arg, &res);
}

static void dp_handle_msg(struct dpclient *c, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	const json_t *id = json_object_get(msg, "id");
	enum dp_req kind;

	if (strcmp(type, "reply") != 0) {
		log_debug("ignoring a \"%s\" message from the dataplane", type);
		return;
	}
	if (c->req == REQ_NONE || !json_is_integer(id) ||
	    (uint64_t)json_integer_value(id) != c->req_id) {
		log_warn("ignoring a reply from the dataplane that matches no request in flight (id %lld)",
			 json_is_integer(id) ? (long long)json_integer_value(id) : -1LL);
		return;
	}

	kind = c->req;
	c->req = REQ_NONE;
	switch (kind) {
	case REQ_HELLO:
		dp_on_hello(c, msg);
		break;
	case REQ_PUSH:
		dp_on_push(c, msg);
		break;
	case REQ_OTHER:
		if (c->ops->reply)
			c->ops->reply(c->arg, msg);
		break;
	case REQ_NONE:
		break;
	}
}

/* Read what is there, handle every whole message. Stops as soon as the
 * session is closed, by us or by a callback. */
static void dp_read(struct dpclient *c)
{
	unsigned session = c->session;
	uint8_t buf[READ_CHUNK];
	struct ctl_msg msg;
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			dp_drop(c, true, "cannot read from %s: %s", c->path, strerror(errno));
			return;
		}
		if (n == 0) {
			dp_drop(c, true, "the dataplane closed the connection");
			return;
		}
		rc = ctl_decoder_feed(&c->dec, buf, (size_t)n);
		if (rc) {
			dp_drop(c, true, "protocol error from the dataplane: %s", c->dec.err);
			return;
		}
		while ((rc = ctl_decoder_next(&c->dec, &msg)) > 0) {
			dp_handle_msg(c, msg.json);
			ctl_msg_free(&msg);
			if (c->session != session)
				return;
		}
		if (rc < 0) {
			dp_drop(c, true, "protocol error from the dataplane: %s", c->dec.err);
			return;
		}
		if ((size_t)n < sizeof(buf))
			return; /* drained; poll() says when there is more */
	}
}

bool dpclient_pollfd(const struct dpclient *c, struct pollfd *pfd)
{
	if (c->fd < 0)
		return false;
	pfd->fd = c->fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	return true;
}

int dpclient_timeout_ms(const struct dpclient *c)
{
	int64_t due, left;

	if (c->state == DP_WAIT)
		due = c->retry_at;
	else if (c->req != REQ_NONE)
		due = c->req_deadline;
	else
		return -1;
	left = due - cp_now_ms();
	if (left <= 0)
		return 0;
	return left > DPCLIENT_BACKOFF_MAX_MS + DPCLIENT_TIMEOUT_MS ?
	       DPCLIENT_BACKOFF_MAX_MS + DPCLIENT_TIMEOUT_MS : (int)left;
}

void dpclient_process(struct dpclient *c, short revents)
{
	if (c->state == DP_WAIT) {
		if (cp_now_ms() >= c->retry_at)
			dp_try_connect(c);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		dp_read(c);
	if (c->state != DP_WAIT && c->req != REQ_NONE &&
	    cp_now_ms() >= c->req_deadline)
		dp_drop(c, true, "no reply to %s within %d ms",
			req_names[c->req], DPCLIENT_TIMEOUT_MS);
}

bool dpclient_idle(const struct dpclient *c)
{
	return c->state == DP_READY && c->req == REQ_NONE;
}

bool dpclient_ready(const struct dpclient *c)
{
	return c->state == DP_READY;
}

int dpclient_request(struct dpclient *c, json_t *req)
{
	if (c->state != DP_READY)
		return -ENOTCONN;
	if (c->req != REQ_NONE)
		return -EBUSY;
	return dp_send_request(c, REQ_OTHER, req);
}

int dpclient_push(struct dpclient *c, json_t *config)
{
	return dpclient_push_blob(c, config, NULL, 0);
}

int dpclient_push_blob(struct dpclient *c, json_t *config, const void *blob, size_t blob_len)
{
	json_t *req;
	int rc;

	if (c->state != DP_READY)
		return -ENOTCONN;
	if (c->req != REQ_NONE)
		return -EBUSY;
	req = json_pack("{s:s, s:O}", "type", "config-push", "config", config);
	if (!req)
		return -ENOMEM;
	rc = dp_send_request_blob(c, REQ_PUSH, req, blob, blob_len);
	json_decref(req);
	return rc;
}

/* ---- one-shot tools ---------------------------------------------------- */

int dp_tool_open(struct dp_tool *t, const char *sock_path, const char *role,
		 int timeout_ms, char *err, size_t errlen)
{
	uint64_t generation;
	json_t *hello, *reply = NULL;
	int fd, rc;

	t->fd = -1;
	t->next_id = 1;
	ctl_decoder_init(&t->dec);

	fd = dp_connect_socket(sock_path, timeout_ms, err, errlen);
	if (fd < 0)
		return fd;
	t->fd = fd;

	hello = dp_hello_new(role);
	if (!hello) {
		snprintf(err, errlen, "cannot build hello: out of memory");
		rc = -ENOMEM;
		goto err;
	}
	rc = dp_tool_call(t, hello, timeout_ms, &reply, err, errlen);
	json_decref(hello);
	if (rc)
		goto err;
	rc = dp_check_hello(reply, &generation, err, errlen);
	json_decref(reply);
	if (rc)
		goto err;
	log_debug("connected to the dataplane at %s (its active generation: %llu)",
		  sock_path, (unsigned long long)generation);
	return 0;

err:
	dp_tool_close(t);
	return rc;
}

int dp_tool_call(struct dp_tool *t, json_t *req, int timeout_ms,
		 json_t **reply, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(req, "type"));
	uint64_t id = t->next_id++;
	int64_t deadline;
	struct ctl_msg msg;
	int rc;

	if (!type)
		type = "(untyped request)";
	if (json_object_set_new(req, "id", json_integer((json_int_t)id))) {
		snprintf(err, errlen, "cannot build %s: out of memory", type);
		return -ENOMEM;
	}
	rc = ctl_send(t->fd, req, NULL, 0);
	if (rc) {
		snprintf(err, errlen, "cannot send %s to the dataplane: %s",
			 type, strerror(-rc));
		return rc;
	}

	deadline = cp_now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - cp_now_ms();
		const json_t *mid;
		const char *mtype;

		rc = ctl_recv(t->fd, &t->dec, &msg, left > 0 ? (int)left : 0);
		if (rc == -ETIMEDOUT) {
			snprintf(err, errlen, "no reply to %s within %d ms", type, timeout_ms);
			return rc;
		}
		if (rc == -ECONNRESET) {
			snprintf(err, errlen,
				 "the dataplane closed the connection before replying to %s", type);
			return rc;
		}
		if (rc == -EPROTO || rc == -EMSGSIZE) {
			snprintf(err, errlen, "protocol error in the reply to %s: %s",
				 type, t->dec.err);
			return rc;
		}
		if (rc) {
			snprintf(err, errlen, "cannot read the reply to %s: %s",
				 type, strerror(-rc));
			return rc;
		}

		mtype = json_string_value(json_object_get(msg.json, "type"));
		mid = json_object_get(msg.json, "id");
		if (strcmp(mtype, "reply") == 0 && json_is_integer(mid) &&
		    (uint64_t)json_integer_value(mid) == id) {
			*reply = json_incref(msg.json);
			ctl_msg_free(&msg);
			return 0;
		}
		log_debug("ignoring a \"%s\" message while waiting for the reply to %s",
			  mtype, type);
		ctl_msg_free(&msg);
	}
}

void dp_tool_close(struct dp_tool *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	ctl_decoder_fini(&t->dec);
}
