/* SPDX-License-Identifier: Proprietary */
#include <string.h>
#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "dataplane.h"
#include "worker.h"
#include "net/neigh.h"
#include "port/port.h"
#include "tcp/tcp_types.h"
#include "proxy/proxy_stats.h"
#include "stats/telemetry.h"

uint64_t
stats_sum(enum cnt_id id)
{
	uint64_t sum = cnt_read(&main_counters, id);

	for (unsigned i = 0; i < dp.nworkers; i++)
		sum += cnt_read(&dp.workers[i]->cnt, id);
	return sum;
}

static void
add_layer(struct rte_tel_data *d, const char *layer)
{
	for (unsigned id = 0; id < CNT__MAX; id++)
		if (strcmp(cnt_desc[id].layer, layer) == 0)
			rte_tel_data_add_dict_u64(d, cnt_desc[id].name, stats_sum(id));
}

static int
handle_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < cnt_layer_count(); i++) {
		struct rte_tel_data *layer = rte_tel_data_alloc();

		if (layer == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(layer);
		add_layer(layer, cnt_layer_name(i));
		if (rte_tel_data_add_dict_container(d, cnt_layer_name(i), layer, 0) != 0)
			rte_tel_data_free(layer);
	}
	return 0;
}

/* "/rampart/<layer>/stats" */
static int
handle_layer_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char layer[32];
	const char *start = cmd + strlen("/rampart/"), *end = strchr(start, '/');

	(void)params;
	if (end == NULL || (size_t)(end - start) >= sizeof(layer))
		return -EINVAL;
	memcpy(layer, start, end - start);
	layer[end - start] = '\0';
	rte_tel_data_start_dict(d);
	add_layer(d, layer);
	return 0;
}

static int
handle_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp.nworkers; i++) {
		char name[24];
		const struct worker *w = dp.workers[i];
		struct rte_tel_data *row = rte_tel_data_alloc();
		uint64_t busy = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
		uint64_t idle = __atomic_load_n(&w->idle_cycles, __ATOMIC_RELAXED);

		if (row == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(row);
		rte_tel_data_add_dict_int(row, "worker", i);
		rte_tel_data_add_dict_int(row, "lcore", w->lcore);
		rte_tel_data_add_dict_int(row, "rx_queues", w->nrxq);
		rte_tel_data_add_dict_u64(row, "loops", __atomic_load_n(&w->loops, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(row, "busy_pct", busy + idle ? busy * 100 / (busy + idle) : 0);
		/* raw, so a reader can take the busy share of its own interval */
		rte_tel_data_add_dict_u64(row, "busy_cycles", busy);
		rte_tel_data_add_dict_u64(row, "idle_cycles", idle);
		rte_tel_data_add_dict_u64(row, "rx", cnt_read(&w->cnt, CNT_PORT_RX));
		rte_tel_data_add_dict_u64(row, "tx", cnt_read(&w->cnt, CNT_PORT_TX));
		rte_tel_data_add_dict_u64(row, "handoff_in", cnt_read(&w->cnt, CNT_PORT_HANDOFF_IN));
		snprintf(name, sizeof(name), "worker%u", i);
		if (rte_tel_data_add_dict_container(d, name, row, 0) != 0)
			rte_tel_data_free(row);
	}
	return 0;
}

static int
handle_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint16_t p = 0; p < dp.nports; p++) {
		const struct port_info *pi = &port_info[p];
		struct rte_tel_data *row = rte_tel_data_alloc();
		char name[16], mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (row == NULL)
			return -ENOMEM;
		rte_ether_format_addr(mac, sizeof(mac), &pi->mac);
		rte_tel_data_start_dict(row);
		rte_tel_data_add_dict_string(row, "driver", pi->driver);
		rte_tel_data_add_dict_string(row, "mac", mac);
		rte_tel_data_add_dict_string(row, "rx_mode", dp.nworkers == 1 ? "single" :
					     pi->rss ? "rss" : "dispatch");
		rte_tel_data_add_dict_int(row, "rx_queues", pi->nrxq);
		rte_tel_data_add_dict_int(row, "tx_queues", pi->ntxq);
		rte_tel_data_add_dict_string(row, "link",
			__atomic_load_n(&pi->link_up, __ATOMIC_RELAXED) ? "up" : "down");
		rte_tel_data_add_dict_u64(row, "speed_mbps",
			__atomic_load_n(&pi->link_speed, __ATOMIC_RELAXED));
		snprintf(name, sizeof(name), "port%u", p);
		if (rte_tel_data_add_dict_container(d, name, row, 0) != 0)
			rte_tel_data_free(row);
	}
	return 0;
}

static int
handle_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return neigh_export(d);
}

/* "/rampart/tcp/memory": what the TCP stacks hold, read without stopping the
 * workers (each figure is a relaxed read, consistent only to within a poll
 * loop). The connection pools are preallocated: pool_bytes is fixed and
 * conn_bytes x conns_active is the part in use. */
static int
handle_tcp_memory(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t active = 0, sndbuf_in_use = 0, sndbuf_size = 0, elt = 0;
	uint64_t rx_held = 0, rx_cap = 0;

	(void)cmd;
	(void)params;
	for (unsigned i = 0; i < dp.nworkers; i++) {
		const struct tcp_worker *tw = dp.workers[i]->tcp;

		if (tw == NULL || tw->buf_pool == NULL)
			continue;
		active += __atomic_load_n(&tw->nconns, __ATOMIC_RELAXED);
		rx_held += __atomic_load_n(&tw->rx_mbufs, __ATOMIC_RELAXED);
		rx_cap = RTE_MAX(rx_cap, (uint64_t)__atomic_load_n(&tw->rx_mbufs_limit, __ATOMIC_RELAXED));
		sndbuf_in_use += rte_mempool_in_use_count(tw->buf_pool);
		sndbuf_size += tw->buf_pool->size;
		elt = tw->buf_pool->elt_size + tw->buf_pool->header_size +
		      tw->buf_pool->trailer_size;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", dp.nworkers);
	rte_tel_data_add_dict_u64(d, "conns_active", active);
	rte_tel_data_add_dict_u64(d, "conn_bytes", sizeof(struct tcp_conn));
	rte_tel_data_add_dict_u64(d, "conns_bytes_in_use", active * sizeof(struct tcp_conn));
	rte_tel_data_add_dict_u64(d, "conn_pool_bytes",
				  (uint64_t)dp.nworkers * TCP_MAX_CONNS * sizeof(struct tcp_conn));
	rte_tel_data_add_dict_u64(d, "sndbuf_mbufs", sndbuf_size);
	rte_tel_data_add_dict_u64(d, "sndbuf_mbufs_in_use", sndbuf_in_use);
	rte_tel_data_add_dict_u64(d, "sndbuf_mbuf_bytes", elt);
	rte_tel_data_add_dict_u64(d, "sndbuf_bytes_in_use", sndbuf_in_use * elt);
	/* received mbufs the connections hold, and the per-worker bound
	 * (tcp.rx-mbufs-per-worker, or the automatic quarter of the pool) */
	rte_tel_data_add_dict_u64(d, "rx_mbufs_held", rx_held);
	rte_tel_data_add_dict_u64(d, "rx_mbufs_cap_per_worker", rx_cap);
	if (dp.pool != NULL) {
		rte_tel_data_add_dict_u64(d, "mbufs", dp.pool->size);
		rte_tel_data_add_dict_u64(d, "mbufs_in_use", rte_mempool_in_use_count(dp.pool));
	}
	return 0;
}

static int
handle_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	/* Not an RCU reader: never touch the snapshot from this thread. */
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation",
				  __atomic_load_n(&dp.generation, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_int(d, "ports", dp.nports);
	rte_tel_data_add_dict_int(d, "workers", dp.nworkers);
	return 0;
}

json_t *
stats_json(void)
{
	json_t *root = json_object();

	for (unsigned i = 0; root && i < cnt_layer_count(); i++) {
		const char *name = cnt_layer_name(i);
		json_t *layer = json_object();

		for (unsigned id = 0; layer && id < CNT__MAX; id++)
			if (strcmp(cnt_desc[id].layer, name) == 0)
				json_object_set_new(layer, cnt_desc[id].name,
						    json_integer((json_int_t)stats_sum(id)));
		json_object_set_new(root, name, layer);
	}
	return root;
}

json_t *
workers_json(void)
{
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < dp.nworkers; i++) {
		const struct worker *w = dp.workers[i];
		uint64_t busy = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
		uint64_t idle = __atomic_load_n(&w->idle_cycles, __ATOMIC_RELAXED);

		json_array_append_new(arr, json_pack("{s:i, s:i, s:I, s:I}",
			"worker", (int)i, "lcore", (int)w->lcore,
			"busy_pct", (json_int_t)(busy + idle ? busy * 100 / (busy + idle) : 0),
			"rx", (json_int_t)cnt_read(&w->cnt, CNT_PORT_RX)));
	}
	return arr;
}

static int
handle_http_listeners(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return proxy_stats_listeners(d);
}

static int
handle_http_upstreams(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return proxy_stats_upstreams(d);
}

int
telemetry_init(void)
{
	static char layer_cmds[16][48];
	int rc;

	rc = rte_telemetry_register_cmd("/rampart/stats", handle_stats,
		"Every rampart counter summed over cores: {layer: {name: value}}. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/workers", handle_workers,
		"{workerN: {lcore, rx queues, loops, busy %, rx, tx. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/ports", handle_ports,
		"{portN: {driver, mac, rx_mode, rx/tx queues, link, speed}}. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/neigh", handle_neigh,
		"The ARP/ND neighbour table. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/tcp/memory", handle_tcp_memory,
		"TCP memory: connections, struct size, send-buffer, shared and held "
		"received mbufs, rx cap. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/http/listeners", handle_http_listeners,
		"Per HTTP listener: port, requests, not_found (unknown routes: shadow-API "
		"traffic), summed over cores. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/http/upstreams", handle_http_upstreams,
		"Per upstream server (key upstream/index): health status and counts, "
		"summed over cores. No parameters.");
	rc |= rte_telemetry_register_cmd("/rampart/config", handle_config,
		"Active configuration generation, ports, workers. No parameters.");
	for (unsigned i = 0; i < cnt_layer_count() && i < RTE_DIM(layer_cmds); i++) {
		snprintf(layer_cmds[i], sizeof(layer_cmds[i]), "/rampart/%s/stats",
			 cnt_layer_name(i));
		rc |= rte_telemetry_register_cmd(layer_cmds[i], handle_layer_stats,
			"One layer's counters summed over cores. No parameters.");
	}
	return rc ? -EINVAL : 0;
}
