/* SPDX-License-Identifier: Proprietary
 * Test services served by rampart-dp itself, enabled only by the config's
 * "test-services" list: echo (RFC 862: every byte back, close after the
 * peer's FIN), discard (RFC 863: read and drop), send (N bytes of a fixed
 * pattern, then close) and relay (connect upstream and pipe both ways: the
 * skeleton of the proxy). They are the stack's first users of the
 * socket-like API.
 *
 * Relay: the client connection's app points at the upstream connection and
 * the other way round; nothing else is allocated, so a pair holds at most
 * the two connections' receive and send buffers. Echo and relay move the
 * received mbufs themselves into the send queue (tcp_read_mbuf /
 * tcp_write_mbuf: no copy), only as far as the other side's send queue has
 * room (the rest waits in the receive queue, closing the window, until
 * on_writable); a FIN is passed on once
 * every byte before it was (half-close); a reset, abort or timeout of
 * either side aborts the other; a failed connect resets the client.
 */
#include "config/config_types.h"
#include "tcp/tcp_p.h"

#define CHUNK 4096

/* Move received mbufs from src's receive queue to dst's send queue, no
 * copy, as far as dst's send space goes. Returns false when dst was aborted
 * (it refused what it had room for: cannot happen, bytes would be lost). */
static bool
move_mbufs(struct tcp_conn *src, struct tcp_conn *dst)
{
	struct rte_mbuf *m;

	while ((m = tcp_read_mbuf(src, tcp_send_space(dst))) != NULL) {
		if (tcp_write_mbuf(dst, m) != 0) {
			rte_pktmbuf_free(m);
			tcp_abort(dst);
			return false;
		}
	}
	/* What is left waits for ACKs to free space: resume on on_writable. */
	if (tcp_rx_avail(src))
		dst->flags |= TF_WANT_WRITE;
	return true;
}

static void
echo_pump(struct tcp_conn *c)
{
	if (move_mbufs(c, c) && tcp_rx_eof(c))
		tcp_close(c);
}

static int
accept_any(struct tcp_conn *c)
{
	(void)c;
	return 0;
}

static void
discard_read(struct tcp_conn *c)
{
	uint8_t buf[CHUNK];

	while (tcp_read(c, buf, sizeof(buf)))
		;
	if (tcp_rx_eof(c))
		tcp_close(c);
}

static const struct tcp_app_ops echo_ops = {
	.name = "echo",
	.on_accept = accept_any,
	.on_readable = echo_pump,
	.on_writable = echo_pump,
};

static const struct tcp_app_ops discard_ops = {
	.name = "discard",
	.on_accept = accept_any,
	.on_readable = discard_read,
};

/* The service configured on c's local port (NULL after a config change
 * removed it). */
static const struct cfg_test_svc *
service_of(const struct tcp_conn *c)
{
	const struct cfg_tcp *t = &c->tw->w->snap->tcp;
	uint16_t port = rte_be_to_cpu_16(c->key.lport);

	for (unsigned i = 0; i < t->nservices; i++)
		if (t->service[i].port == port)
			return &t->service[i];
	return NULL;
}

/* Send ------------------------------------------------------------------------ */

/* Byte i of the stream: little-endian 8-byte words, word j = SplitMix64's
 * output for state (j + 1) * golden ratio. Never repeats within 2^67 bytes,
 * so a segment delivered at the wrong offset cannot match by accident. */
static inline uint64_t
pattern_word(uint64_t j)
{
	uint64_t z = (j + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
pattern_fill(uint8_t *buf, uint64_t off, uint32_t n)
{
	uint64_t word = pattern_word(off >> 3);

	for (uint32_t i = 0; i < n; i++, off++) {
		if ((off & 7) == 0 && i != 0)
			word = pattern_word(off >> 3);
		buf[i] = (uint8_t)(word >> (8 * (off & 7)));
	}
}

/* c->app: the total to send; c->app_u64: bytes queued so far. */
static void
send_more(struct tcp_conn *c)
{
	uint64_t total = (uintptr_t)c->app;
	uint8_t buf[CHUNK];

	while (c->app_u64 < total) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)RTE_MIN(tcp_send_space(c), (uint32_t)CHUNK),
					       total - c->app_u64);
		size_t put;

		if (n == 0) {
			c->flags |= TF_WANT_WRITE;
			return;
		}
		pattern_fill(buf, c->app_u64, n);
		put = tcp_write(c, buf, n);
		c->app_u64 += put;
		if (put < n)
			return;         /* tcp_write asked for on_writable */
	}
	tcp_close(c);
}

static int
send_accept(struct tcp_conn *c)
{
	const struct cfg_test_svc *svc = service_of(c);

	if (svc == NULL)
		return -1;
	c->app = (void *)(uintptr_t)svc->bytes;
	c->app_u64 = 0;
	send_more(c);
	return 0;
}

static void
send_discard(struct tcp_conn *c)
{
	uint8_t buf[CHUNK];

	while (tcp_read(c, buf, sizeof(buf)))
		;
}

static const struct tcp_app_ops send_ops = {
	.name = "send",
	.on_accept = send_accept,
	.on_readable = send_discard,
	.on_writable = send_more,
};

/* Relay ----------------------------------------------------------------------- */

static const struct tcp_app_ops relay_up_ops;

/* Move from src to dst what dst's send queue takes; pass src's FIN on once
 * every byte before it went. */
static void
relay_pump(struct tcp_conn *src, struct tcp_conn *dst)
{
	if (src == NULL || dst == NULL || dst->state == TCP_SYN_SENT)
		return;
	if (!move_mbufs(src, dst))
		return;
	if (tcp_rx_eof(src) && !(dst->flags & TF_FIN_QUEUED))
		tcp_close(dst);
}

static void
relay_readable(struct tcp_conn *c)
{
	relay_pump(c, c->app);
}

static void
relay_writable(struct tcp_conn *c)
{
	relay_pump(c->app, c);
}

static int
relay_connected(struct tcp_conn *up)
{
	relay_pump(up->app, up);
	return 0;
}

/* Either side is gone for us: unpair, then pass a failure on as an abort
 * (a failed connect resets the client) and a normal close as a FIN. */
static void
relay_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct tcp_conn *peer = c->app;

	c->app = NULL;
	if (peer == NULL)
		return;
	peer->app = NULL;
	if (why != TCP_CLOSE_NORMAL)
		tcp_abort(peer);
	else if (!(peer->flags & TF_FIN_QUEUED))
		tcp_close(peer);        /* c's FIN came and every byte went on */
}

static int
relay_accept(struct tcp_conn *c)
{
	const struct cfg_test_svc *svc = service_of(c);
	struct tcp_conn *up;
	int err;

	if (svc == NULL || svc->kind != CFG_SVC_RELAY)
		return -1;
	up = tcp_connect(c->tw->w, svc->family, svc->addr, svc->uport, &relay_up_ops, c, &err);
	if (up == NULL)
		return err;             /* counted by tcp_connect; resets the client */
	c->app = up;
	return 0;
}

static const struct tcp_app_ops relay_client_ops = {
	.name = "relay",
	.on_accept = relay_accept,
	.on_readable = relay_readable,
	.on_writable = relay_writable,
	.on_closed = relay_closed,
};

static const struct tcp_app_ops relay_up_ops = {
	.name = "relay-upstream",
	.on_connect = relay_connected,
	.on_readable = relay_readable,
	.on_writable = relay_writable,
	.on_closed = relay_closed,
};

static const struct tcp_app_ops *
service_ops(uint8_t kind)
{
	switch (kind) {
	case CFG_SVC_ECHO:
		return &echo_ops;
	case CFG_SVC_SEND:
		return &send_ops;
	case CFG_SVC_RELAY:
		return &relay_client_ops;
	default:
		return &discard_ops;
	}
}

void
tcp_testsvc_sync(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;
	const struct cfg_tcp *t = &w->snap->tcp;
	unsigned i = 0;

	while (i < tw->nlisteners) {
		if (tw->listeners[i].from_config)
			tw->listeners[i] = tw->listeners[--tw->nlisteners];
		else
			i++;
	}
	for (i = 0; i < t->nservices && tw->nlisteners < TCP_MAX_LISTENERS; i++)
		if (tcp_listen(w, t->service[i].port, service_ops(t->service[i].kind)) == 0)
			tw->listeners[tw->nlisteners - 1].from_config = true;
	tw->services_gen = w->snap->generation;
}
