/* SPDX-License-Identifier: Proprietary
 * Diagnostic dump of every TCP connection (the control socket's
 * "tcp-conns" request), so a stalled transfer in a test or in the field
 * explains itself: sequence space, windows, queues, timers, recovery and
 * RACK state, and whether the connection's timer is really reachable on
 * its worker's wheel.
 */
#ifndef RAMPART_TCP_DUMP_H
#define RAMPART_TCP_DUMP_H

#include <jansson.h>

/* Connections in one dump: about 1.5 KB of JSON each, well inside a
 * control frame (CTL_JSON_MAX). */
#define TCP_DUMP_MAX 512

/* One object per live connection of every worker, at most max in all.
 * Called on the main lcore while the workers run: the fields are read
 * without synchronisation, so a value may be a moment old or (rarely) torn
 * between two fields; the dump is for reading, never for decisions. */
json_t *tcp_conns_json(unsigned max);

#endif
