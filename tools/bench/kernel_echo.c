/* SPDX-License-Identifier: Proprietary
 * kernel-echo: the Linux kernel's side of `scripts/bench tcp`: a small
 * single-threaded epoll echo (or discard) server over kernel sockets, pinned
 * to one CPU, doing what rampart-dp's echo test service does (every byte
 * back, close after the peer's FIN).
 *
 *   kernel-echo [--addr 127.0.0.1] [--port N] [--cpu C] [--discard]
 *
 * Port 0 (default) picks a free one. Prints "port N" on stdout once
 * listening; on SIGINT/SIGTERM prints one JSON line with what it served.
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
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MAX_FDS 65536
#define BUF_BYTES 65536

/* Bytes read but not yet written back; the fd stops reading until they go. */
struct pending {
	char *buf;
	uint32_t off, len;
};

static volatile sig_atomic_t quit;
static struct pending pend[MAX_FDS];
static char buf[BUF_BYTES];
static uint64_t accepted, closed, bytes_in, bytes_out;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void
drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(pend[fd].buf);
	pend[fd] = (struct pending){ 0 };
	closed++;
}

/* Write back what is pending. Returns 1 when all went, 0 when the socket is
 * full, -1 on error. */
static int
flush(int fd)
{
	struct pending *p = &pend[fd];

	while (p->len) {
		ssize_t n = write(fd, p->buf + p->off, p->len);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		p->off += (uint32_t)n;
		p->len -= (uint32_t)n;
		bytes_out += (uint64_t)n;
	}
	p->off = 0;
	return 1;
}

/* Echo what is readable. Returns -1 when the connection is over. */
static int
serve(int ep, int fd, bool discard)
{
	struct epoll_event ev = { .data.fd = fd };
	int rc;

	if (pend[fd].len) {
		rc = flush(fd);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		ev.events = EPOLLIN;             /* drained: read again */
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return -1;               /* the peer's FIN: close (echo: all went back) */
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		bytes_in += (uint64_t)n;
		if (discard)
			continue;
		ssize_t w = write(fd, buf, (size_t)n);

		if (w < 0 && errno != EAGAIN)
			return -1;
		if (w < 0)
			w = 0;
		bytes_out += (uint64_t)w;
		if (w < n) {
			struct pending *p = &pend[fd];

			if (p->buf == NULL && (p->buf = malloc(BUF_BYTES)) == NULL)
				return -1;
			memcpy(p->buf, buf + w, (size_t)(n - w));
			p->off = 0;
			p->len = (uint32_t)(n - w);
			ev.events = EPOLLOUT;    /* stop reading until it is written */
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			return 0;
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "discard", no_argument, NULL, 'd' },
		{ 0 },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event evs[256];
	socklen_t salen = sizeof(sa);
	bool discard = false;
	int cpu = -1, one = 1, lfd, ep, c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &sa.sin_addr) != 1) {
				fprintf(stderr, "kernel-echo: bad --addr '%s'\n", optarg);
				return 2;
			}
			break;
		case 'p':
			sa.sin_port = htons((uint16_t)atoi(optarg));
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'd':
			discard = true;
			break;
		default:
			fprintf(stderr, "usage: kernel-echo [--addr A] [--port N] [--cpu C] [--discard]\n");
			return 2;
		}
	}
	if (cpu >= 0 && pin(cpu) != 0) {
		perror("kernel-echo: sched_setaffinity");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 4096) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0) {
		perror("kernel-echo: listen");
		return 1;
	}
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd,
				&(struct epoll_event){ .events = EPOLLIN, .data.fd = lfd }) != 0) {
		perror("kernel-echo: epoll");
		return 1;
	}
	printf("port %u\n", ntohs(sa.sin_port));
	fflush(stdout);

	while (!quit) {
		int n = epoll_wait(ep, evs, 256, 100);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd != lfd) {
				if ((evs[i].events & (EPOLLERR | EPOLLHUP)) && !(evs[i].events & EPOLLIN))
					drop(ep, fd);
				else if (serve(ep, fd, discard) < 0)
					drop(ep, fd);
				continue;
			}
			for (;;) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

				if (cfd < 0)
					break;
				if (cfd >= MAX_FDS) {
					close(cfd);
					continue;
				}
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				accepted++;
				epoll_ctl(ep, EPOLL_CTL_ADD, cfd,
					  &(struct epoll_event){ .events = EPOLLIN, .data.fd = cfd });
			}
		}
	}
	printf("{\"accepted\": %llu, \"closed\": %llu, \"bytes_in\": %llu, \"bytes_out\": %llu}\n",
	       (unsigned long long)accepted, (unsigned long long)closed,
	       (unsigned long long)bytes_in, (unsigned long long)bytes_out);
	return 0;
}
