/* SPDX-License-Identifier: Proprietary
 * WAF security events: one JSON line per inspected request with at least
 * one rule match, written like the access log (proxy/access_log.h): the
 * worker copies a fixed 1 KiB record into its own SP/SC ring (full: dropped
 * and counted as waf.event_drop_full, never waited for) and the main lcore
 * drains the rings into the file given by --security-log.
 *
 * Line:
 *   {"time":"…Z","request_id":"…","client":"10.10.1.2:40000","route":"api"|null,
 *    "method":"GET","path":"/raw/target","mode":"block"|"detect-only",
 *    "decision":"blocked"|"detected","score":10,"threshold":5,"paranoia":1,
 *    "matches_total":3,"excluded":0,
 *    "matches":[{"id":942100,"severity":2,"target":"ARGS:q","excerpt":"1' or 1=1"}]}
 * Up to WAF_EVENT_MATCHES matches are listed (matches_total counts all);
 * excerpts are the engine's (at most 48 bytes) with every byte outside
 * printable ASCII replaced by '.', so a line never carries control bytes.
 */
#ifndef RAMPART_PROXY_WAF_EVENT_H
#define RAMPART_PROXY_WAF_EVENT_H

#include <stdint.h>

#include "proxy/proxy_types.h"
#include "waf/waf_engine.h"

#define WAF_EVENT_RING_SIZE 512   /* records per worker */
#define WAF_EVENT_MATCHES   6

struct waf_event_match {
	uint32_t id;
	uint8_t severity;
	char target[40];
	char excerpt[WAF_EXCERPT_MAX + 1];
};

struct waf_event_rec {
	uint64_t time_us;
	uint32_t score, threshold;
	uint32_t matches_total, excluded;
	uint16_t client_port;
	uint8_t family, paranoia, mode, blocked, nmatches;
	uint8_t client[16];
	char request_id[PROXY_REQ_ID_LEN + 1];
	char route[CFG_NAME_MAX];
	char method[16];
	char path[160];
	struct waf_event_match m[WAF_EVENT_MATCHES];
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct waf_event_rec) <= 1024, "waf_event_rec fits a 1 KiB ring element");

/* Open (append) the file and create one ring per worker. Main lcore,
 * after dp_init and before launch. Returns 0 or -errno. */
int waf_event_open(const char *path);

/* Worker @worker_id: queue @r (copied) or drop and count it. No-op without
 * a file. */
void waf_event_emit(struct worker *w, const struct waf_event_rec *r);

/* Main lcore: write every queued record; returns how many. */
unsigned waf_event_drain(void);

/* Main lcore, after the workers stopped: drain, flush, close. */
void waf_event_close(void);

#endif
