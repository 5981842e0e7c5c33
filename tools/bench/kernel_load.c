/* SPDX-License-Identifier: Proprietary
 * kernel-load: the client of `scripts/bench tcp`'s kernel reference run: the
 * same workloads as tools/loadgen/rampart-load, over kernel sockets with
 * one epoll loop, pinned to one CPU.
 *
 *   kernel-load --mode cps|bulk --port N [--addr 127.0.0.1] [--cpu C]
 *       [--concurrency N] [--request-bytes N] [--duration S] [--warmup S]
 *       [--sources N] [--stat-cpus A,B] [--server-pid PID]
 *
 * cps:  connect, write request-bytes, read as many back, shutdown(SHUT_WR),
 *       wait for the server's FIN, close: one completed session. The close
 *       is the one rampart-load makes (our FIN first, done at the peer's FIN).
 * bulk: `concurrency` connections writing 64 KiB chunks and reading back.
 * Sources: connections come from 127.0.0.2 .. 127.0.0.(1+N) (default 16),
 * so TIME-WAIT never runs out of 4-tuples. Prints one JSON object; with
 * --stat-cpus, each listed CPU's busy share over the window (/proc/stat);
 * with --server-pid, that process's CPU seconds over the window and the
 * figures per server CPU-second (what rampart-load reports for the DUT).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MAX_CONC 8000
#define MAX_STAT_CPUS 8
#define CHUNK 65536

enum phase { CONNECTING, WRITING, READING, CLOSING };

struct sess {
	int fd;
	enum phase phase;
	uint32_t sent, got;
	double t0;
};

static volatile sig_atomic_t quit;
static char wbuf[CHUNK], rbuf[CHUNK];
static struct sess sessions[MAX_CONC];

struct totals {
	uint64_t completed, failed, connect_fail, bytes_tx, bytes_rx, conn_us;
};

static struct totals tot;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* busy and total jiffies of one CPU from /proc/stat */
static int
cpu_jiffies(int cpu, uint64_t *busy, uint64_t *total)
{
	char want[16], line[512];
	FILE *f = fopen("/proc/stat", "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = { 0 };

		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
		*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		*busy = *total - v[3] - v[4];     /* minus idle and iowait */
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* utime + stime of a process in seconds, or -1. */
static double
proc_cpu_s(int pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct ctx {
	int ep, mode_bulk;
	struct sockaddr_in dst;
	unsigned sources, next_src, conc, active;
	uint32_t req;
	bool opening;
};

static void
sess_end(struct ctx *x, struct sess *s, bool ok)
{
	if (ok) {
		tot.completed++;
		tot.conn_us += (uint64_t)((now_s() - s->t0) * 1e6);
	} else {
		tot.failed++;
	}
	epoll_ctl(x->ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	x->active--;
}

static int
sess_open(struct ctx *x, struct sess *s)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	src.sin_addr.s_addr = htonl(0x7f000002u + x->next_src++ % x->sources);
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (connect(fd, (struct sockaddr *)&x->dst, sizeof(x->dst)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	*s = (struct sess){ .fd = fd, .phase = CONNECTING, .t0 = now_s() };
	if (epoll_ctl(x->ep, EPOLL_CTL_ADD, fd,
		      &(struct epoll_event){ .events = EPOLLOUT | (x->mode_bulk ? EPOLLIN : 0),
					     .data.u32 = (uint32_t)(s - sessions) }) != 0) {
		close(fd);
		s->fd = -1;
		return -1;
	}
	x->active++;
	return 0;
}

static void
refill(struct ctx *x)
{
	for (unsigned i = 0; x->opening && i < x->conc && x->active < x->conc; i++) {
		if (sessions[i].fd >= 0)
			continue;
		if (sess_open(x, &sessions[i]) != 0) {
			tot.connect_fail++;
			break;
		}
	}
}

static void
cps_event(struct ctx *x, struct sess *s, uint32_t events)
{
	struct epoll_event ev = { .data.u32 = (uint32_t)(s - sessions) };

	if (events & EPOLLERR) {
		sess_end(x, s, false);
		return;
	}
	if (s->phase == CONNECTING || s->phase == WRITING) {
		ssize_t n = write(s->fd, wbuf + s->sent, x->req - s->sent);

		if (n < 0) {
			if (errno != EAGAIN)
				sess_end(x, s, false);
			return;
		}
		tot.bytes_tx += (uint64_t)n;
		s->sent += (uint32_t)n;
		s->phase = WRITING;
		if (s->sent < x->req)
			return;
		s->phase = READING;
		ev.events = EPOLLIN;
		epoll_ctl(x->ep, EPOLL_CTL_MOD, s->fd, &ev);
		return;
	}
	for (;;) {
		ssize_t n = read(s->fd, rbuf, sizeof(rbuf));

		if (n < 0) {
			if (errno != EAGAIN)
				sess_end(x, s, false);
			return;
		}
		if (n == 0) {                     /* the server's FIN */
			sess_end(x, s, s->phase == CLOSING);
			return;
		}
		tot.bytes_rx += (uint64_t)n;
		s->got += (uint32_t)n;
		if (s->phase == READING && s->got >= x->req) {
			if (s->got > x->req) {
				sess_end(x, s, false);
				return;
			}
			shutdown(s->fd, SHUT_WR);
			s->phase = CLOSING;
		}
	}
}

static void
bulk_event(struct ctx *x, struct sess *s, uint32_t events)
{
	if (events & EPOLLERR) {
		sess_end(x, s, false);
		return;
	}
	if (events & EPOLLIN) {
		for (;;) {
			ssize_t n = read(s->fd, rbuf, sizeof(rbuf));

			if (n <= 0) {
				if (n == 0 || errno != EAGAIN) {
					sess_end(x, s, false);
					return;
				}
				break;
			}
			tot.bytes_rx += (uint64_t)n;
		}
	}
	if (events & EPOLLOUT) {
		ssize_t n = write(s->fd, wbuf, sizeof(wbuf));

		if (n > 0)
			tot.bytes_tx += (uint64_t)n;
		else if (n < 0 && errno != EAGAIN)
			sess_end(x, s, false);
	}
}

static void
run_until(struct ctx *x, double until)
{
	struct epoll_event evs[256];

	while (!quit && now_s() < until) {
		int n = epoll_wait(x->ep, evs, 256, 10);

		for (int i = 0; i < n; i++) {
			struct sess *s = &sessions[evs[i].data.u32];

			if (s->fd < 0)
				continue;
			if (x->mode_bulk)
				bulk_event(x, s, evs[i].events);
			else
				cps_event(x, s, evs[i].events);
		}
		refill(x);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "concurrency", required_argument, NULL, 'n' },
		{ "request-bytes", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "sources", required_argument, NULL, 's' },
		{ "stat-cpus", required_argument, NULL, 'S' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ 0 },
	};
	struct ctx x = { .conc = 0, .req = 64, .sources = 16, .opening = true,
			 .dst = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) } };
	double duration = 5, warmup = 1, t_start, t_end;
	int stat_cpu[MAX_STAT_CPUS], nstat = 0, cpu = -1, server_pid = 0, c;
	double scpu0 = -1, scpu = -1;
	uint64_t busy0[MAX_STAT_CPUS], tot0[MAX_STAT_CPUS];
	struct totals a;
	const char *mode = "cps";

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &x.dst.sin_addr) != 1)
				return 2;
			break;
		case 'p': x.dst.sin_port = htons((uint16_t)atoi(optarg)); break;
		case 'c': cpu = atoi(optarg); break;
		case 'n': x.conc = (unsigned)atoi(optarg); break;
		case 'r': x.req = (uint32_t)atoi(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 's': x.sources = (unsigned)atoi(optarg); break;
		case 'P': server_pid = atoi(optarg); break;
		case 'S':
			for (char *p = strtok(optarg, ","); p && nstat < MAX_STAT_CPUS; p = strtok(NULL, ","))
				stat_cpu[nstat++] = atoi(p);
			break;
		default:
			fprintf(stderr, "kernel-load: see the header of tools/bench/kernel_load.c\n");
			return 2;
		}
	}
	x.mode_bulk = strcmp(mode, "bulk") == 0;
	if (x.conc == 0)
		x.conc = x.mode_bulk ? 4 : 256;
	if ((!x.mode_bulk && strcmp(mode, "cps") != 0) || x.dst.sin_port == 0 || x.conc > MAX_CONC ||
	    x.req < 1 || x.req > CHUNK || x.sources < 1 || x.sources > 250 ||
	    !(duration > 0 && duration <= 600) || !(warmup >= 0 && warmup <= 60)) {
		fprintf(stderr, "kernel-load: bad arguments (see tools/bench/kernel_load.c)\n");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			perror("kernel-load: sched_setaffinity");
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (char)('a' + i % 26);
	for (unsigned i = 0; i < MAX_CONC; i++)
		sessions[i].fd = -1;
	x.ep = epoll_create1(0);
	if (x.ep < 0)
		return 1;

	refill(&x);
	run_until(&x, now_s() + warmup);
	a = tot;
	for (int i = 0; i < nstat; i++)
		if (cpu_jiffies(stat_cpu[i], &busy0[i], &tot0[i]) != 0)
			busy0[i] = tot0[i] = 0;
	if (server_pid > 0)
		scpu0 = proc_cpu_s(server_pid);
	t_start = now_s();
	run_until(&x, t_start + duration);
	t_end = now_s();
	if (scpu0 >= 0)
		scpu = proc_cpu_s(server_pid) - scpu0;

	double secs = t_end - t_start;
	uint64_t done = tot.completed - a.completed;

	printf("{\"mode\": \"%s\", \"concurrency\": %u, \"request_bytes\": %u, \"sources\": %u, "
	       "\"duration_s\": %.4f, \"completed\": %llu, \"failed\": %llu, \"connect_fail\": %llu, "
	       "\"cps\": %.1f, \"rx_gbps\": %.4f, \"tx_gbps\": %.4f, \"mean_connection_us\": %.1f, "
	       "\"cpu_busy_pct\": {",
	       mode, x.conc, x.req, x.sources, secs, (unsigned long long)done,
	       (unsigned long long)(tot.failed - a.failed),
	       (unsigned long long)(tot.connect_fail - a.connect_fail), done / secs,
	       (tot.bytes_rx - a.bytes_rx) * 8 / secs / 1e9, (tot.bytes_tx - a.bytes_tx) * 8 / secs / 1e9,
	       done ? (double)(tot.conn_us - a.conn_us) / done : 0.0);
	for (int i = 0; i < nstat; i++) {
		uint64_t b = 0, t = 0;

		cpu_jiffies(stat_cpu[i], &b, &t);
		printf("%s\"%d\": %.1f", i ? ", " : "", stat_cpu[i],
		       t > tot0[i] ? 100.0 * (double)(b - busy0[i]) / (double)(t - tot0[i]) : 0.0);
	}
	printf("}");
	if (scpu > 0)
		printf(", \"server_cpu_s\": %.3f, \"cps_per_server_cpu_s\": %.1f, "
		       "\"rx_gbps_per_server_cpu_s\": %.4f", scpu, done / scpu,
		       (tot.bytes_rx - a.bytes_rx) * 8 / scpu / 1e9);
	printf(", \"interrupted\": %s}\n", quit ? "true" : "false");
	/* Sessions still open just close: the server sees resets or FINs. */
	for (unsigned i = 0; i < MAX_CONC; i++)
		if (sessions[i].fd >= 0)
			close(sessions[i].fd);
	return 0;
}
