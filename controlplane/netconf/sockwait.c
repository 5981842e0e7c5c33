/* SPDX-License-Identifier: Proprietary
 * Waiting for NETCONF input on the sockets themselves.
 *
 * libnetconf2 2.0 gives no file descriptor of a session or of its listening
 * socket, so the NETCONF thread used to sleep between non-blocking polls
 * (backing off to 8 ms). That sleep was paid again and again while a large
 * request arrived: libssh reads 4 KiB per poll and an SSH packet is 32 KiB,
 * so a poll that finds an incomplete packet reports nothing and the thread
 * slept ~9 ms per 4 KiB until the first packet was whole (~90 ms of the
 * 10k-entry commit). Here the thread finds the TCP sockets bound to the
 * NETCONF port among its own descriptors (the listener and every accepted
 * connection; no other socket of rampart-cp has that local port) and
 * blocks in poll(2) on them, so it wakes as soon as bytes arrive.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netconf/netconf_p.h"

/* the listener plus max-sessions (1..1024) connections */
#define SW_MAX_FDS 1040

static struct pollfd sw_fds[SW_MAX_FDS];
static unsigned sw_count;
static uint16_t sw_port;

static bool sw_is_netconf_socket(int fd, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stat st;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port) == port;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == port;
	return false;
}

void np_sockets_refresh(uint16_t port)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	sw_port = port;
	sw_count = 0;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL && sw_count < SW_MAX_FDS) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (sw_is_netconf_socket((int)fd, port))
			sw_fds[sw_count++] = (struct pollfd){ .fd = (int)fd, .events = POLLIN };
	}
	closedir(d);
}

int np_sockets_wait(int timeout_ms)
{
	unsigned i;
	int n;

	if (!sw_count)
		return -1;
	n = poll(sw_fds, sw_count, timeout_ms);
	if (n <= 0)
		return 0;
	/* a descriptor closed behind our back (a refused client): look again */
	for (i = 0; i < sw_count; i++) {
		if (sw_fds[i].revents & POLLNVAL) {
			np_sockets_refresh(sw_port);
			break;
		}
	}
	return 1;
}
