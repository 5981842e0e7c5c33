/* SPDX-License-Identifier: Proprietary
 * rampart-load: TCP load against a peer over one DPDK port (net_memif in
 * `scripts/bench tcp`), with the dataplane's own stack as the client.
 *
 *   rampart-load [EAL options] -- --mode cps|bulk|http --local IP/LEN --peer IP
 *       --port N [--listen-port N] [--concurrency N] [--request-bytes N] [--response-bytes N]
 *       [--requests N] [--request-file F] [--duration S] [--warmup S]
 *       [--time-wait-ms N] [--buffer-bytes N] [--server-pid PID]
 *       [--link-timeout S] [--linger S] [--mtu N]
 *
 * cps:  sessions of connect, `requests` rounds of request/response, close;
 *       `concurrency` in flight; the figure is completed sessions per second.
 * bulk: `concurrency` connections writing without pause and reading back
 *       what the peer returns (echo); the figure is bytes read back per second.
 * serve: listen on --listen-port and answer every request (request-bytes
 *       long, or with --http ending at a blank line) with the response
 *       (--response-file, or response-bytes of a pattern): an HTTP backend.
 * http: `concurrency` keep-alive HTTP/1.1 connections, each sending the
 *       request template (--request-file) again as soon as the response
 *       (framed by its head) is in; --requests N closes after N (default:
 *       never). Figures: requests/s and latency percentiles. With
 *       --listen-port (and --response-file) the same process also serves as
 *       the backend, counted apart ("server_window"): `scripts/bench http`.
 *
 * One lcore does everything: it is the stack's only worker (dp_init with the
 * main lcore), and between passes it runs the main lcore's jobs the stack
 * needs (neighbour resolution, snapshot reclaim). Prints one JSON object on
 * stdout. See docs/BENCHMARKS.md, "TCP".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <jansson.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "worker.h"
#include "config/snapshot.h"
#include "net/neigh.h"
#include "port/port.h"
#include "load.h"

#define PRIME_S 3.0        /* the first session (ARP, both sides) must finish by then */
#define DRAIN_S 0.5        /* after the window: in-flight sessions may finish */

static volatile bool force_quit;

static void
on_signal(int sig)
{
	(void)sig;
	force_quit = true;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- --mode cps|bulk|http --local IP/LEN --peer IP --port N\n"
		"       %s [EAL options] -- --mode serve --local IP/LEN --listen-port N\n"
		"  [--http] [--response-file F]   serve: requests are HTTP (head + Content-Length); the response\n"
		"  [--listen-port N]     http: also be the backend on this port (HTTP requests)\n"
		"  [--concurrency N]     sessions in flight (cps, default 256) or connections (bulk, 4)\n"
		"  [--request-bytes N]   per round, 1..%d (default 64)\n"
		"  [--response-bytes N]  expected per round (default: request bytes)\n"
		"  [--requests N]        rounds per connection (keep-alive; default 1, http: 0 = no limit)\n"
		"  [--request-file F]    request template (exactly request-bytes long)\n"
		"  [--duration S] [--warmup S]   measured window and lead-in (default 5, 1)\n"
		"  [--time-wait-ms N]    our TIME-WAIT (default 100)\n"
		"  [--buffer-bytes N]    our receive and send buffer per connection (default 131072)\n"
		"  [--server-pid PID]    report that process's CPU seconds over the window\n"
		"  [--link-timeout S] [--linger S]\n"
		"  [--mtu N]             our port's MTU, 576..9000 (default 1500; the peer's must match)\n",
		prog, prog, LOAD_MAX_REQ_BYTES);
}

static int
parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

/* The size of a template file, 1..1 GiB (a request at most
 * LOAD_MAX_REQ_BYTES: the caller checks). */
static int
file_len(const char *path, uint32_t *len)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_size < 1 || st.st_size > (1 << 30)) {
		fprintf(stderr, "rampart-load: %s: missing, empty or larger than 1 GiB\n", path);
		return -EINVAL;
	}
	*len = (uint32_t)st.st_size;
	return 0;
}

static int
parse_options(int argc, char **argv, struct load_opts *o)
{
	enum { O_MODE = 256, O_LOCAL, O_PEER, O_PORT, O_CONC, O_REQ, O_RESP, O_REQS,
	       O_REQFILE, O_DUR, O_WARM, O_TW, O_LINK, O_LINGER, O_SPID, O_BUF,
	       O_LPORT, O_HTTP, O_RESPFILE, O_MTU };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "local", required_argument, NULL, O_LOCAL },
		{ "peer", required_argument, NULL, O_PEER },
		{ "port", required_argument, NULL, O_PORT },
		{ "concurrency", required_argument, NULL, O_CONC },
		{ "request-bytes", required_argument, NULL, O_REQ },
		{ "response-bytes", required_argument, NULL, O_RESP },
		{ "requests", required_argument, NULL, O_REQS },
		{ "request-file", required_argument, NULL, O_REQFILE },
		{ "duration", required_argument, NULL, O_DUR },
		{ "warmup", required_argument, NULL, O_WARM },
		{ "time-wait-ms", required_argument, NULL, O_TW },
		{ "link-timeout", required_argument, NULL, O_LINK },
		{ "linger", required_argument, NULL, O_LINGER },
		{ "server-pid", required_argument, NULL, O_SPID },
		{ "buffer-bytes", required_argument, NULL, O_BUF },
		{ "listen-port", required_argument, NULL, O_LPORT },
		{ "http", no_argument, NULL, O_HTTP },
		{ "response-file", required_argument, NULL, O_RESPFILE },
		{ "mtu", required_argument, NULL, O_MTU },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool conc_set = false, req_set = false, resp_set = false, reqs_set = false;
	int c;

	*o = (struct load_opts){ .mode = LOAD_CPS, .concurrency = 256, .request_bytes = 64,
		.requests = 1, .time_wait_ms = 100, .duration = 5, .warmup = 1,
		.link_timeout = 10, .linger = 0, .buffer_bytes = 131072, .mtu = PORT_MTU_DEFAULT };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		double v = 0;
		int rc = 0;

		switch (c) {
		case O_MODE:
			if (strcmp(optarg, "cps") == 0)
				o->mode = LOAD_CPS;
			else if (strcmp(optarg, "bulk") == 0)
				o->mode = LOAD_BULK;
			else if (strcmp(optarg, "serve") == 0)
				o->mode = LOAD_SERVE;
			else if (strcmp(optarg, "http") == 0)
				o->mode = LOAD_HTTP;
			else
				rc = -EINVAL;
			break;
		case O_LOCAL:
			rc = strlen(optarg) < sizeof(o->local_cidr) && strchr(optarg, '/') ? 0 : -EINVAL;
			if (rc == 0)
				snprintf(o->local_cidr, sizeof(o->local_cidr), "%s", optarg);
			break;
		case O_PEER:
			rc = inet_pton(AF_INET, optarg, o->peer) == 1 ? 0 : -EINVAL;
			break;
		case O_PORT:
			rc = parse_num(optarg, 1, 65535, &v);
			o->peer_port = (uint16_t)v;
			break;
		case O_CONC:
			rc = parse_num(optarg, 1, LOAD_MAX_CONC, &v);
			o->concurrency = (unsigned)v;
			conc_set = true;
			break;
		case O_REQ:
			rc = parse_num(optarg, 1, LOAD_MAX_REQ_BYTES, &v);
			o->request_bytes = (uint32_t)v;
			req_set = true;
			break;
		case O_RESP:
			rc = parse_num(optarg, 1, 1 << 30, &v);
			o->response_bytes = (uint32_t)v;
			resp_set = true;
			break;
		case O_LPORT:
			rc = parse_num(optarg, 1, 65535, &v);
			o->listen_port = (uint16_t)v;
			break;
		case O_HTTP:
			o->http = true;
			break;
		case O_RESPFILE:
			o->response_file = optarg;
			break;
		case O_REQS:
			rc = parse_num(optarg, 0, 1000000, &v);
			o->requests = (uint32_t)v;
			reqs_set = true;
			break;
		case O_REQFILE:
			o->request_file = optarg;
			break;
		case O_DUR:
			rc = parse_num(optarg, 0.1, 600, &o->duration);
			break;
		case O_WARM:
			rc = parse_num(optarg, 0, 60, &o->warmup);
			break;
		case O_TW:
			rc = parse_num(optarg, 1, 240000, &v);
			o->time_wait_ms = (uint32_t)v;
			break;
		case O_LINK:
			rc = parse_num(optarg, 0.1, 120, &o->link_timeout);
			break;
		case O_LINGER:
			rc = parse_num(optarg, 0, 120, &o->linger);
			break;
		case O_SPID:
			rc = parse_num(optarg, 1, 1 << 30, &v);
			o->server_pid = (int)v;
			break;
		case O_BUF:
			rc = parse_num(optarg, 4096, 1048576, &v);   /* the config's bounds */
			o->buffer_bytes = (uint32_t)v;
			break;
		case O_MTU:
			rc = parse_num(optarg, PORT_MTU_MIN, PORT_MTU_MAX, &v);
			o->mtu = (uint16_t)v;
			break;
		default:
			usage(argv[0]);
			return -EINVAL;
		}
		if (rc != 0) {
			const struct option *lo = longopts;

			while (lo->name && lo->val != c)    /* the table is not in enum order */
				lo++;
			fprintf(stderr, "rampart-load: bad value '%s' for --%s\n", optarg,
				lo->name ? lo->name : "?");
			return -EINVAL;
		}
	}
	/* A template file sets its length unless the length was given. */
	if (o->request_file && !req_set && file_len(o->request_file, &o->request_bytes) != 0)
		return -EINVAL;
	if (o->response_file && !resp_set && file_len(o->response_file, &o->response_bytes) != 0)
		return -EINVAL;
	if (o->request_bytes > LOAD_MAX_REQ_BYTES) {
		fprintf(stderr, "rampart-load: a request is at most %d bytes\n", LOAD_MAX_REQ_BYTES);
		return -EINVAL;
	}
	if (o->mode == LOAD_SERVE && o->response_bytes == 0)
		o->response_bytes = o->request_bytes;
	if (o->mode == LOAD_HTTP) {
		/* the backend side reads HTTP requests; the client frames by heads */
		o->http = true;
		if (!reqs_set)
			o->requests = 0;
		if (o->listen_port && !o->response_file) {
			fprintf(stderr, "rampart-load: --mode http with --listen-port needs --response-file\n");
			return -EINVAL;
		}
	} else if (o->requests == 0) {
		fprintf(stderr, "rampart-load: --requests 0 (no limit) is for --mode http\n");
		return -EINVAL;
	}
	if (optind != argc || o->local_cidr[0] == '\0' ||
	    (o->mode == LOAD_SERVE ? o->listen_port == 0 :
	     o->peer_port == 0 || (o->peer[0] | o->peer[1] | o->peer[2] | o->peer[3]) == 0)) {
		usage(argv[0]);
		return -EINVAL;
	}
	if (o->mode == LOAD_BULK && !conc_set)
		o->concurrency = 4;
	return 0;
}

/* Our side of the link: one port with the local address, the stack sized
 * for the run. */
static int
apply_config(const struct load_opts *o)
{
	struct config_error err;
	json_error_t jerr;
	uint64_t gen;
	json_t *doc;
	int rc;

	doc = json_pack_ex(&jerr, 0, "{s:i, s:[{s:i, s:s, s:[s], s:i}], s:{s:i, s:i, s:i, s:i}}",
			   "schema", 1,
			   "ports", "port", 0, "name", "load0", "addresses", o->local_cidr,
			   "mtu", (int)o->mtu,
			   "tcp", "max-connections-per-worker", 8192, "syn-backlog", 8192,
			   "receive-buffer", (json_int_t)o->buffer_bytes,
			   "send-buffer", (json_int_t)o->buffer_bytes);
	if (doc == NULL) {
		fprintf(stderr, "rampart-load: config: %s\n", jerr.text);
		return -EINVAL;
	}
	rc = snapshot_apply(doc, &err, &gen);
	json_decref(doc);
	if (rc != 0) {
		fprintf(stderr, "rampart-load: config %s: %s\n", err.path, err.message);
		return rc;
	}
	/* Our TIME-WAIT below the config's 100 ms floor: the link is lossless
	 * and in order, and a client's TIME-WAIT otherwise caps the rate at
	 * pool size / TIME-WAIT. This process's own snapshot, before any worker
	 * pass reads it. */
	dp.active->tcp.time_wait_ms = o->time_wait_ms;
	return 0;
}

/* The port was started by dp_init; a memif client connects only on start,
 * so restart it every second until the link is up (restart: not for a
 * memif server, which accepts its client at any time and would drop it).
 * Nothing polls yet. */
static int
wait_link(double timeout, bool restart)
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_get_tsc_cycles();
	uint64_t deadline = now + (uint64_t)(timeout * hz), retry_at = now + hz;
	struct rte_eth_link link;

	for (;;) {
		if (rte_eth_link_get_nowait(0, &link) == 0 && link.link_status)
			return 0;
		now = rte_get_tsc_cycles();
		if (force_quit)
			return -EINTR;
		if (now >= deadline)
			return -ETIMEDOUT;
		if (restart && now >= retry_at) {
			rte_eth_dev_stop(0);
			if (rte_eth_dev_start(0) != 0)
				fprintf(stderr, "rampart-load: port start failed, retrying\n");
			retry_at = now + hz;
		}
		rte_delay_us_sleep(10 * 1000);
	}
}

/* utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15),
 * or -1. */
static double
proc_cpu_s(int pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	/* after ") ": state is field 3; utime and stime are 14 and 15 */
	ok = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
	return ok == 2 ? (double)(ut + st) / (double)sysconf(_SC_CLK_TCK) : -1;
}

struct run {
	struct load_client lc;
	struct worker *w;
	uint64_t hz, next_ms;
	uint64_t busy, total;        /* TSC cycles in the window: loops with work, all */
	double server_cpu_s;         /* of --server-pid over the window; -1: unknown */
};

/* One pass: the worker's, the main lcore's jobs once per millisecond, new
 * sessions. */
static void
pass(struct run *r)
{
	uint64_t t0 = rte_rdtsc(), t1;
	unsigned work = worker_poll_once(r->w);

	rte_rcu_qsbr_quiescent(dp.qsv, r->w->id);
	if (t0 >= r->next_ms) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r->next_ms = t0 + r->hz / 1000;
		neigh_main_poll((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		snapshot_reclaim();
	}
	r->w->snap = dp_snapshot();
	work += load_client_refill(&r->lc);
	r->w->snap = NULL;
	t1 = rte_rdtsc();
	if (r->lc.measuring) {
		r->total += t1 - t0;
		if (work)
			r->busy += t1 - t0;
	}
}

/* Poll until deadline (TSC), or until done(r) says so. */
static void
poll_until(struct run *r, uint64_t deadline, bool (*done)(const struct run *))
{
	while (!force_quit && rte_rdtsc() < deadline && !(done && done(r)))
		pass(r);
}

static bool
primed(const struct run *r)
{
	return r->lc.t.completed > 0 || (r->lc.o->mode == LOAD_BULK && r->lc.t.bytes_rx > 0) ||
	       (r->lc.o->mode == LOAD_HTTP && r->lc.t.rounds > 0);
}

static bool
idle(const struct run *r)
{
	return r->lc.active == 0;
}

static json_t *
totals_json(const struct load_totals *a, const struct load_totals *b)
{
#define D(f) (json_int_t)(b->f - a->f)
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "completed", D(completed), "rounds", D(rounds), "started", D(started),
			 "bytes_tx", D(bytes_tx), "bytes_rx", D(bytes_rx),
			 "connect_fail", D(connect_fail), "closed_reset", D(closed_reset),
			 "closed_timeout", D(closed_timeout), "closed_refused", D(closed_refused),
			 "closed_abort", D(closed_abort), "short_reply", D(short_reply),
			 "long_reply", D(long_reply), "bad_reply", D(bad_reply),
			 "bad_status", D(bad_status));
#undef D
}

/* Request/response latency of HTTP mode over the window, microseconds. */
static json_t *
latency_json(const struct load_hist *h)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "samples", (json_int_t)h->n,
			 "mean", h->n ? (double)h->sum_ns / (double)h->n / 1000.0 : 0.0,
			 "p50", load_hist_quantile_us(h, 0.50), "p90", load_hist_quantile_us(h, 0.90),
			 "p99", load_hist_quantile_us(h, 0.99), "p999", load_hist_quantile_us(h, 0.999),
			 "max", (double)h->max_ns / 1000.0);
}

/* a..b: the main window (the server's in serve mode); sa..sb, when not
 * NULL, the backend side of http mode. */
static void
report(const struct run *r, const struct load_opts *o, const struct load_totals *a,
       const struct load_totals *b, const struct load_totals *sa, const struct load_totals *sb,
       double secs, const char *error)
{
	json_t *doc = json_object(), *cnt = json_object();
	uint64_t done = b->completed - a->completed;

	if (o->server_pid && r->server_cpu_s > 0) {
		/* The peer's share of a CPU it actually got: on a shared machine
		 * the per-CPU-second figures are the comparable ones. */
		json_object_set_new(doc, "server_cpu_s", json_real(r->server_cpu_s));
		json_object_set_new(doc, "cps_per_server_cpu_s", json_real(done / r->server_cpu_s));
		json_object_set_new(doc, "rx_gbps_per_server_cpu_s",
				    json_real((b->bytes_rx - a->bytes_rx) * 8 / r->server_cpu_s / 1e9));
	}

	json_object_set_new(doc, "mode", json_string(o->mode == LOAD_CPS ? "cps" :
						     o->mode == LOAD_BULK ? "bulk" :
						     o->mode == LOAD_HTTP ? "http" : "serve"));
	json_object_set_new(doc, "concurrency", json_integer(o->concurrency));
	json_object_set_new(doc, "request_bytes", json_integer(o->request_bytes));
	json_object_set_new(doc, "response_bytes",
			    json_integer(o->response_bytes ? o->response_bytes : o->request_bytes));
	json_object_set_new(doc, "requests_per_connection", json_integer(o->requests));
	json_object_set_new(doc, "time_wait_ms", json_integer(o->time_wait_ms));
	json_object_set_new(doc, "buffer_bytes", json_integer(o->buffer_bytes));
	json_object_set_new(doc, "warmup_s", json_real(o->warmup));
	json_object_set_new(doc, "duration_s", json_real(secs));
	json_object_set_new(doc, "window", totals_json(a, b));
	if (sa && sb)
		json_object_set_new(doc, "server_window", totals_json(sa, sb));
	if (o->mode == LOAD_HTTP)
		json_object_set_new(doc, "latency_us", latency_json(&r->lc.lat));
	if (secs > 0) {
		json_object_set_new(doc, "cps", json_real(done / secs));
		json_object_set_new(doc, "rps", json_real((b->rounds - a->rounds) / secs));
		json_object_set_new(doc, "rx_gbps", json_real((b->bytes_rx - a->bytes_rx) * 8 / secs / 1e9));
		json_object_set_new(doc, "tx_gbps", json_real((b->bytes_tx - a->bytes_tx) * 8 / secs / 1e9));
	}
	json_object_set_new(doc, "mean_connection_us",
			    json_real(done ? (double)(b->conn_us_sum - a->conn_us_sum) / done : 0));
	json_object_set_new(doc, "loadgen_busy_pct",
			    json_real(r->total ? 100.0 * r->busy / r->total : 0));
	/* Our stack's and port's counters over the whole run: retransmits or
	 * drops here mean the link or the peer lost something. */
	for (unsigned i = 0; i < CNT__MAX; i++) {
		uint64_t v = cnt_read(&r->w->cnt, i);
		char name[96];

		if (v == 0 || (strcmp(cnt_desc[i].layer, "tcp") != 0 &&
			       strcmp(cnt_desc[i].layer, "port") != 0))
			continue;
		snprintf(name, sizeof(name), "%s.%s", cnt_desc[i].layer, cnt_desc[i].name);
		json_object_set_new(cnt, name, json_integer((json_int_t)v));
	}
	json_object_set_new(doc, "loadgen_counters", cnt);
	if (error)
		json_object_set_new(doc, "error", json_string(error));
	json_object_set_new(doc, "interrupted", json_boolean(force_quit));
	json_dumpf(doc, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(doc);
}

/* After the report: poll nothing and wait, bounded, for the peer to take the
 * link down first (docs/BENCHMARKS.md, "memif teardown"). */
static void
linger(double secs)
{
	uint64_t deadline = rte_get_tsc_cycles() + (uint64_t)(secs * rte_get_tsc_hz());
	struct rte_eth_link link;

	while (!force_quit && rte_get_tsc_cycles() < deadline) {
		if (rte_eth_link_get_nowait(0, &link) == 0 && !link.link_status)
			return;
		rte_delay_us_sleep(10 * 1000);
	}
}

static int
run_load(const struct load_opts *o)
{
	struct run r = { .w = dp.workers[0], .hz = rte_get_tsc_hz() };
	struct load_totals a = { 0 }, b = { 0 }, sa = { 0 }, sb = { 0 };
	bool serves = o->mode == LOAD_SERVE || (o->mode == LOAD_HTTP && o->listen_port);
	const char *error = NULL;
	uint64_t t_start, t_end;
	double cpu0 = -1;
	int rc;

	rc = load_client_init(&r.lc, o, r.w);
	if (rc != 0) {
		report(&r, o, &a, &b, NULL, NULL, 0, rc == -ENOMEM ? "out of memory" :
		       "cannot read --request-file or --response-file (missing, or shorter than its length)");
		return 1;
	}
	r.next_ms = rte_rdtsc();
	rte_rcu_qsbr_thread_register(dp.qsv, r.w->id);
	rte_rcu_qsbr_thread_online(dp.qsv, r.w->id);

	if (serves && load_server_listen(&r.lc) != 0) {
		error = "cannot listen on --listen-port";
		goto out;
	}
	if (o->mode != LOAD_SERVE) {   /* a backend has nothing to prime */
		/* One session first: neighbour resolution on both sides happens
		 * here, not in the window. */
		r.lc.opening = true;
		r.lc.open_limit = 1;
		poll_until(&r, rte_rdtsc() + (uint64_t)(PRIME_S * r.hz), primed);
		if (!primed(&r)) {
			error = "no session completed while priming (peer unreachable or not serving)";
			goto out;
		}
		r.lc.open_limit = o->concurrency;
	}
	poll_until(&r, rte_rdtsc() + (uint64_t)(o->warmup * r.hz), NULL);

	r.lc.measuring = true;
	cpu0 = o->server_pid ? proc_cpu_s(o->server_pid) : -1;
	a = r.lc.t;
	sa = r.lc.st;
	t_start = rte_rdtsc();
	poll_until(&r, t_start + (uint64_t)(o->duration * r.hz), NULL);
	b = r.lc.t;
	sb = r.lc.st;
	t_end = rte_rdtsc();
	r.lc.measuring = false;
	if (cpu0 >= 0)
		r.server_cpu_s = proc_cpu_s(o->server_pid) - cpu0;
	if (o->mode == LOAD_SERVE)
		report(&r, o, &sa, &sb, NULL, NULL, (double)(t_end - t_start) / r.hz, NULL);
	else
		report(&r, o, &a, &b, serves ? &sa : NULL, serves ? &sb : NULL,
		       (double)(t_end - t_start) / r.hz, NULL);

out:
	/* Let in-flight sessions finish, then reset the rest (bulk: all). */
	r.lc.opening = false;
	if (o->mode == LOAD_CPS || o->mode == LOAD_HTTP)
		poll_until(&r, rte_rdtsc() + (uint64_t)(DRAIN_S * r.hz), idle);
	r.w->snap = dp_snapshot();
	load_client_abort_all(&r.lc);
	r.w->snap = NULL;
	poll_until(&r, rte_rdtsc() + r.hz / 20, NULL);     /* the RSTs leave */
	if (error)
		report(&r, o, &a, &b, NULL, NULL, 0, error);
	rte_rcu_qsbr_thread_offline(dp.qsv, r.w->id);
	rte_rcu_qsbr_thread_unregister(dp.qsv, r.w->id);
	load_client_fini(&r.lc);
	return error ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct load_opts o;
	bool memif_server = false;
	unsigned lcore;
	int n, rc = 1;

	/* Our port is a memif server when its --vdev says so (EAL arguments,
	 * before rte_eal_init reorders them). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strstr(argv[i], "net_memif") && strstr(argv[i], "role=server"))
			memif_server = true;
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "rampart-load: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rampart_logtype = rte_log_register_type_and_pick_level("rampart", RTE_LOG_WARNING);
	argc -= n;
	argv += n;
	argv[0] = "rampart-load";
	if (parse_options(argc, argv, &o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	lcore = rte_lcore_id();
	dp.max_mtu = o.mtu;        /* our mbufs take a whole frame */
	if (dp_init(&lcore, 1) != 0 || apply_config(&o) != 0)
		goto out;
	if (wait_link(o.link_timeout, !memif_server) != 0) {
		struct run r = { .w = dp.workers[0] };
		struct load_totals z = { 0 };

		report(&r, &o, &z, &z, NULL, NULL, 0, "link did not come up (is the peer's memif server started?)");
		goto out;
	}
	rc = run_load(&o);
	linger(o.linger);
out:
	__atomic_store_n(&dp.quit, true, __ATOMIC_RELAXED);
	dp_fini();
	load_server_fini();
	rte_eal_cleanup();
	return rc;
}
