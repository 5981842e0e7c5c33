/* SPDX-License-Identifier: Proprietary
 * Per-listener counts for the telemetry (/rampart/http/listeners): requests
 * and unknown-route (shadow-API) requests per listener, summed over the
 * workers. The telemetry thread never reads a snapshot, so the main lcore
 * publishes the listener names here when it swaps one in; a slot whose
 * listener changed name restarts its counts from zero.
 */
#ifndef RAMPART_PROXY_STATS_H
#define RAMPART_PROXY_STATS_H

#include <jansson.h>

struct snapshot;
struct rte_tel_data;

/* Main lcore, right after publishing s. */
void proxy_stats_publish(const struct snapshot *s);

/* Telemetry thread: {listener-name: {port, requests, not_found}}. */
int proxy_stats_listeners(struct rte_tel_data *d);

/* Telemetry thread, /rampart/http/upstreams: one entry per server, keyed
 * "<upstream>/<server index>" ('-' in the name as '_'): {upstream, address, port, status ("up" or
 * "down": the active check's verdict; "up" without checks),
 * ejected_workers (workers that passively eject it now), requests,
 * failures, ejections, checks, check_failures (summed over workers; a slot
 * whose server changed restarts from zero)}. */
int proxy_stats_upstreams(struct rte_tel_data *d);

/* The same rows for the control channel's stats-get (main lcore): an array
 * of {upstream (the name as configured), index, address, port, status,
 * ejected_workers, requests, failures, ejections, checks, check_failures}. */
json_t *proxy_stats_upstreams_json(void);

#endif
