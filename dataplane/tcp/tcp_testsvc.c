/* SPDX-License-Identifier: Proprietary
 * Test services served by rampart-dp itself, enabled only by the config's
 * "test-services" list: echo (RFC 862: every byte back, close after the
 * peer's FIN) and discard (RFC 863: read and drop). They are the stack's
 * first users of the socket-like API.
 */
#include "config/config_types.h"
#include "tcp/tcp_p.h"

#define CHUNK 4096

static void
echo_pump(struct tcp_conn *c)
{
	uint8_t buf[CHUNK];

	for (;;) {
		uint32_t n = RTE_MIN(RTE_MIN(tcp_rx_avail(c), tcp_send_space(c)), (uint32_t)CHUNK);
		size_t got, put;

		if (n == 0)
			break;
		got = tcp_read(c, buf, n);
		put = tcp_write(c, buf, got);
		if (put < got)          /* the send pool ran dry: bytes lost, give up */
			{ tcp_abort(c); return; }
	}
	if (tcp_rx_avail(c) && tcp_send_space(c) == 0)
		c->flags |= TF_WANT_WRITE;   /* resume when ACKs free space */
	if (tcp_rx_eof(c))
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
	for (i = 0; i < t->nservices && tw->nlisteners < TCP_MAX_LISTENERS; i++) {
		const struct tcp_app_ops *ops =
			t->service[i].kind == CFG_SVC_ECHO ? &echo_ops : &discard_ops;

		if (tcp_listen(w, t->service[i].port, ops) == 0)
			tw->listeners[tw->nlisteners - 1].from_config = true;
	}
	tw->services_gen = w->snap->generation;
}
