/* SPDX-License-Identifier: Proprietary */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/frame.h"
#include "dataplane.h"
#include "config/snapshot.h"
#include "ctl/ctl_server.h"
#include "proxy/proxy_stats.h"
#include "proxy/waf_runtime.h"
#include "stats/telemetry.h"
#include "tcp/tcp_dump.h"

#define CTL_PEERS_MAX 4
#define CTL_SEND_TIMEOUT_S 1

struct peer {
	int fd;
	struct ctl_decoder dec;
};

static struct {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct peer peers[CTL_PEERS_MAX];
} ctl = { .listen_fd = -1 };

static void
count(enum cnt_id id)
{
	cnt_add(&main_counters, id, 1);
}

static void
peer_close(struct peer *p, const char *why)
{
	LOG(INFO, "control peer fd %d closed: %s", p->fd, why);
	close(p->fd);
	p->fd = -1;
	ctl_decoder_fini(&p->dec);
}

static json_t *
reply_ok(json_int_t id)
{
	return json_pack("{s:s, s:I, s:b}", "type", "reply", "id", id, "ok", 1);
}

static json_t *
reply_error(json_int_t id, const char *path, const char *message)
{
	return json_pack("{s:s, s:I, s:b, s:{s:s, s:s}}", "type", "reply", "id", id,
			 "ok", 0, "error", "path", path, "message", message);
}

static json_t *
handle(const json_t *req, const uint8_t *blob, size_t blob_len)
{
	const char *type = json_string_value(json_object_get(req, "type"));
	const json_t *jid = json_object_get(req, "id");
	json_int_t id = json_is_integer(jid) ? json_integer_value(jid) : -1;
	json_t *rep;

	if (!json_is_integer(jid)) {
		count(CNT_CTL_BAD_REQUEST);
		return reply_error(-1, "/id", "request has no integer 'id'");
	}
	if (strcmp(type, "hello") == 0) {
		rep = reply_ok(id);
		json_object_set_new(rep, "role", json_string("dp"));
		json_object_set_new(rep, "version", json_integer(CTL_FRAME_VERSION));
		json_object_set_new(rep, "generation", json_integer(dp.active->generation));
		{
			char hx[17];

			snprintf(hx, sizeof(hx), "%016llx",
				 (unsigned long long)waf_runtime_current_hash());
			json_object_set_new(rep, "waf-program", json_string(hx));
		}
		return rep;
	}
	if (strcmp(type, "config-push") == 0) {
		const json_t *doc = json_object_get(req, "config");
		struct config_error err;
		uint64_t gen;

		if (doc == NULL) {
			count(CNT_CTL_BAD_REQUEST);
			return reply_error(id, "", "config-push without 'config'");
		}
		/* The blob of a config-push is the WAF rule program (proxy/waf_runtime.h). */
		if (blob_len && waf_runtime_stage(blob, blob_len, err.message,
						  sizeof(err.message)) != 0) {
			count(CNT_CTL_PUSH_REFUSED);
			return reply_error(id, "/waf", err.message);
		}
		if (snapshot_apply(doc, &err, &gen) != 0) {
			waf_runtime_discard();
			count(CNT_CTL_PUSH_REFUSED);
			LOG(WARNING, "config push refused: %s: %s",
			    err.path[0] ? err.path : "(document)", err.message);
			return reply_error(id, err.path, err.message);
		}
		waf_runtime_commit();
		count(CNT_CTL_PUSH_APPLIED);
		LOG(INFO, "config generation %llu applied", (unsigned long long)gen);
		rep = reply_ok(id);
		json_object_set_new(rep, "generation", json_integer((json_int_t)gen));
		return rep;
	}
	if (strcmp(type, "config-get") == 0) {
		rep = reply_ok(id);
		json_object_set_new(rep, "generation",
				    json_integer((json_int_t)dp.active->generation));
		json_object_set_new(rep, "config", dp.active->source ?
				    json_loads(dp.active->source, 0, NULL) : json_null());
		return rep;
	}
	if (strcmp(type, "stats-get") == 0) {
		rep = reply_ok(id);
		json_object_set_new(rep, "counters", stats_json());
		json_object_set_new(rep, "workers", workers_json());
		json_object_set_new(rep, "upstreams", proxy_stats_upstreams_json());
		return rep;
	}
	if (strcmp(type, "tcp-conns") == 0) {
		/* Diagnostics: every connection's state (tcp/tcp_dump.h). */
		rep = reply_ok(id);
		json_object_set_new(rep, "conns", tcp_conns_json(TCP_DUMP_MAX));
		return rep;
	}
	count(CNT_CTL_BAD_REQUEST);
	return reply_error(id, "/type", "unknown request type");
}

static void
peer_read(struct peer *p)
{
	uint8_t buf[65536];
	struct ctl_msg msg;
	ssize_t n;
	int rc;

	n = read(p->fd, buf, sizeof(buf));
	if (n == 0) {
		peer_close(p, "end of stream");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			peer_close(p, strerror(errno));
		return;
	}
	if (ctl_decoder_feed(&p->dec, buf, n) != 0) {
		count(CNT_CTL_BAD_FRAME);
		LOG(WARNING, "control peer fd %d: frame too large, closing", p->fd);
		peer_close(p, "oversized frame");
		return;
	}
	while ((rc = ctl_decoder_next(&p->dec, &msg)) == 1) {
		json_t *rep;

		count(CNT_CTL_MESSAGES);
		rep = handle(msg.json, msg.blob, msg.blob_len);
		ctl_msg_free(&msg);
		if (rep == NULL || ctl_send(p->fd, rep, NULL, 0) != 0) {
			count(CNT_CTL_SEND_FAILED);
			json_decref(rep);
			peer_close(p, "reply could not be sent");
			return;
		}
		json_decref(rep);
	}
	if (rc < 0) {
		count(CNT_CTL_BAD_FRAME);
		LOG(WARNING, "control peer fd %d: bad frame: %s", p->fd, p->dec.err);
		peer_close(p, "protocol error");
	}
}

static void
accept_peer(void)
{
	struct timeval tv = { .tv_sec = CTL_SEND_TIMEOUT_S };
	int fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (unsigned i = 0; i < CTL_PEERS_MAX; i++) {
		struct peer *p = &ctl.peers[i];

		if (p->fd >= 0)
			continue;
		/* Reads are polled; a reply that cannot leave within the timeout
		 * closes the peer rather than stalling the main lcore. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		p->fd = fd;
		ctl_decoder_init(&p->dec);
		count(CNT_CTL_ACCEPTED);
		LOG(INFO, "control peer fd %d connected", fd);
		return;
	}
	count(CNT_CTL_REFUSED_BUSY);
	LOG(WARNING, "control peer refused: %d peers already connected", CTL_PEERS_MAX);
	close(fd);
}

int
ctl_server_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	for (unsigned i = 0; i < CTL_PEERS_MAX; i++)
		ctl.peers[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		LOG(ERR, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		rc = -errno;
		LOG(ERR, "control socket %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	chmod(path, 0600);
	ctl.listen_fd = fd;
	LOG(INFO, "control channel listening on %s", path);
	return 0;
}

void
ctl_server_poll(int timeout_ms)
{
	struct pollfd pfd[CTL_PEERS_MAX + 1];
	struct peer *who[CTL_PEERS_MAX + 1];
	unsigned n = 0;

	if (ctl.listen_fd < 0) {
		if (timeout_ms > 0)
			usleep(timeout_ms * 1000);
		return;
	}
	pfd[n] = (struct pollfd){ .fd = ctl.listen_fd, .events = POLLIN };
	who[n++] = NULL;
	for (unsigned i = 0; i < CTL_PEERS_MAX; i++) {
		if (ctl.peers[i].fd < 0)
			continue;
		pfd[n] = (struct pollfd){ .fd = ctl.peers[i].fd, .events = POLLIN };
		who[n++] = &ctl.peers[i];
	}
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (who[i] == NULL)
			accept_peer();
		else if (who[i]->fd >= 0)
			peer_read(who[i]);
	}
}

void
ctl_server_close(void)
{
	for (unsigned i = 0; i < CTL_PEERS_MAX; i++)
		if (ctl.peers[i].fd >= 0)
			peer_close(&ctl.peers[i], "shutdown");
	if (ctl.listen_fd >= 0) {
		close(ctl.listen_fd);
		unlink(ctl.path);
		ctl.listen_fd = -1;
	}
}
