/* SPDX-License-Identifier: Proprietary
 * Access log: one JSON line per request.
 *
 * A worker fills a fixed-size struct access_rec and copies it into its own
 * SP/SC ring (rte_ring with 512-byte elements); when the ring is full the
 * record is dropped and counted (http.log_drop_full), never waited for. The
 * main lcore drains every ring from its management loop and writes the
 * lines to the file named by the config's http/access-log (else by
 * --access-log), reopening when a new snapshot names another path, so no
 * worker ever touches the file. A path that cannot be opened is logged and
 * counted (http.log_open_fail) and the log stays off, requests still
 * served, until the path changes; lines the file refuses are counted
 * (http.log_write_fail). Times come from the TSC against a base taken at boot: no syscall
 * on the worker.
 *
 * Line (keys always present; strings JSON-escaped by jansson):
 *   {"time":"2026-11-23T02:10:00.123456Z","request_id":"…","client":"10.10.1.2:40000",
 *    "listener":"web","route":"api"|null,"method":"GET","path":"/raw/target",
 *    "status":404,"bytes_in":78,"bytes_out":160,"duration_us":35,
 *    "upstream":"pool"|null,"error":"reason: window"|null}
 */
#ifndef RAMPART_PROXY_ACCESS_LOG_H
#define RAMPART_PROXY_ACCESS_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/proxy_types.h"

#define ACCESS_RING_SIZE 1024   /* records per worker */

struct access_rec {
	uint64_t time_us;           /* Unix time of the request's first byte */
	uint64_t bytes_in, bytes_out;
	uint32_t duration_us;
	uint16_t status;
	uint16_t client_port;
	uint8_t family;
	uint8_t client[16];
	char request_id[PROXY_REQ_ID_LEN + 1];
	char listener[CFG_NAME_MAX];
	char route[CFG_NAME_MAX];   /* "" → null */
	char upstream[CFG_NAME_MAX];
	char method[16];
	char error[96];             /* refusal reason and where, "" → null */
	char path[512 - 8 * 3 - 4 - 2 * 2 - 1 - 16 - (PROXY_REQ_ID_LEN + 1) -
		  CFG_NAME_MAX * 3 - 16 - 96];  /* raw target, truncated */
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct access_rec) == 512, "access_rec is one 512-byte ring element");

/* Take the time base. Main lcore, before launch. */
void access_log_global_init(void);

/* Unix time in µs for a TSC value (worker, no syscall). */
uint64_t access_log_time_us(uint64_t tsc);

/* --access-log: open (append) path, used while the config names no path;
 * workers start emitting. Main lcore, before launch. Returns 0 or -errno. */
int access_log_open(const char *path);

/* A file is open (workers: build records only then). */
bool access_log_enabled(void);

/* Per-worker ring (SP/SC). NULL on failure. */
struct rte_ring *access_log_ring_create(unsigned worker_id, int socket);

/* Worker: queue r (copied) or drop and count it. No-op without a file. */
void access_log_emit(struct proxy_worker *pw, const struct access_rec *r);

/* Main lcore: follow the active snapshot's http/access-log (reopen on a
 * change), then write every queued record; returns how many. */
unsigned access_log_drain(void);

/* Main lcore, after the workers stopped: drain, flush and close. */
void access_log_close(void);

#endif
