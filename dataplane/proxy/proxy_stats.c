/* SPDX-License-Identifier: Proprietary
 * Per-listener counts (proxy_stats.h).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <rte_telemetry.h>

#include "dataplane.h"
#include "worker.h"
#include "proxy/proxy_stats.h"
#include "proxy/proxy_types.h"
#include "proxy/upstream_health.h"
#include "tcp/tcp_types.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char name[CFG_NAME_MAX];          /* "" : slot unused */
	uint16_t port;
	uint64_t base_requests, base_not_found;
} slot[CFG_MAX_LISTENERS];

static void
sums(unsigned i, uint64_t *req, uint64_t *nf)
{
	*req = *nf = 0;
	for (unsigned k = 0; k < dp.nworkers; k++) {
		const struct proxy_worker *pw = dp.workers[k]->proxy;

		if (pw == NULL)
			continue;
		*req += __atomic_load_n(&pw->lstats[i].requests, __ATOMIC_RELAXED);
		*nf += __atomic_load_n(&pw->lstats[i].not_found, __ATOMIC_RELAXED);
	}
}

/* Per upstream server: identity and the counts at the time it took the
 * slot. */
enum { US_REQ, US_FAIL, US_EJECT, US_CHECK, US_CHECK_FAIL, US__N };

static struct {
	char id[CFG_NAME_MAX + 64];       /* "" : unused; "name addr port" */
	char name[CFG_NAME_MAX];
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
	bool checked;
	uint64_t base[US__N];
} uslot[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];
static uint64_t us_generation;

static void
usums(unsigned u, unsigned s, uint64_t *v, unsigned *ejected)
{
	memset(v, 0, sizeof(uint64_t) * US__N);
	*ejected = 0;
	for (unsigned k = 0; k < dp.nworkers; k++) {
		const struct proxy_worker *pw = dp.workers[k]->proxy;
		const struct uh_server *sv;

		if (pw == NULL || pw->uhealth == NULL)
			continue;
		sv = &pw->uhealth->srv[u][s];
		v[US_REQ] += __atomic_load_n(&sv->requests, __ATOMIC_RELAXED);
		v[US_FAIL] += __atomic_load_n(&sv->failures, __ATOMIC_RELAXED);
		v[US_EJECT] += __atomic_load_n(&sv->ejections, __ATOMIC_RELAXED);
		v[US_CHECK] += __atomic_load_n(&sv->checks, __ATOMIC_RELAXED);
		v[US_CHECK_FAIL] += __atomic_load_n(&sv->check_failures, __ATOMIC_RELAXED);
		if (__atomic_load_n(&sv->ejected_until_ms, __ATOMIC_RELAXED) >
		    __atomic_load_n(&pw->w->tcp->now_ms, __ATOMIC_RELAXED))
			(*ejected)++;
	}
}

static void
publish_upstreams(const struct snapshot *s)
{
	us_generation = s->generation;
	for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned k = 0; k < CFG_MAX_SERVERS; k++) {
			const struct cfg_upstream *cu = &s->proxy.upstream[u];
			char id[sizeof(uslot[0][0].id)] = "", addr[INET6_ADDRSTRLEN] = "";
			unsigned ej;

			if (u < s->proxy.nupstreams && k < cu->nservers) {
				const struct cfg_server *sv = &cu->server[k];

				inet_ntop(sv->family, sv->addr, addr, sizeof(addr));
				snprintf(id, sizeof(id), "%s %s %u", cu->name, addr, sv->port);
				snprintf(uslot[u][k].name, sizeof(uslot[u][k].name), "%s", cu->name);
				snprintf(uslot[u][k].addr, sizeof(uslot[u][k].addr), "%s", addr);
				uslot[u][k].port = sv->port;
				uslot[u][k].checked = cu->hc_enabled;
			}
			if (strcmp(uslot[u][k].id, id) != 0) {
				snprintf(uslot[u][k].id, sizeof(uslot[u][k].id), "%s", id);
				usums(u, k, uslot[u][k].base, &ej);
			}
		}
}

int
proxy_stats_upstreams(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned k = 0; k < CFG_MAX_SERVERS; k++) {
			struct rte_tel_data *row;
			uint64_t v[US__N];
			unsigned ej;
			char key[CFG_NAME_MAX + 8];
			bool up;

			if (uslot[u][k].id[0] == '\0')
				continue;
			row = rte_tel_data_alloc();
			if (row == NULL)
				break;
			usums(u, k, v, &ej);
			up = !uslot[u][k].checked || uhealth_server_up(u, k, us_generation);
			rte_tel_data_start_dict(row);
			rte_tel_data_add_dict_string(row, "upstream", uslot[u][k].name);
			rte_tel_data_add_dict_string(row, "address", uslot[u][k].addr);
			rte_tel_data_add_dict_u64(row, "port", uslot[u][k].port);
			rte_tel_data_add_dict_string(row, "status", up ? "up" : "down");
			rte_tel_data_add_dict_u64(row, "ejected_workers", ej);
			rte_tel_data_add_dict_u64(row, "requests", v[US_REQ] - uslot[u][k].base[US_REQ]);
			rte_tel_data_add_dict_u64(row, "failures", v[US_FAIL] - uslot[u][k].base[US_FAIL]);
			rte_tel_data_add_dict_u64(row, "ejections", v[US_EJECT] - uslot[u][k].base[US_EJECT]);
			rte_tel_data_add_dict_u64(row, "checks", v[US_CHECK] - uslot[u][k].base[US_CHECK]);
			rte_tel_data_add_dict_u64(row, "check_failures",
						  v[US_CHECK_FAIL] - uslot[u][k].base[US_CHECK_FAIL]);
			/* Telemetry names take only [A-Za-z0-9_/]: '-' of a
			 * name becomes '_'. */
			snprintf(key, sizeof(key), "%s/%u", uslot[u][k].name, k);
			for (char *c = key; *c; c++)
				if (*c == '-' || *c == '.')
					*c = '_';
			if (rte_tel_data_add_dict_container(d, key, row, 0) != 0)
				rte_tel_data_free(row);
		}
	pthread_mutex_unlock(&lock);
	return 0;
}

json_t *
proxy_stats_upstreams_json(void)
{
	json_t *arr = json_array();

	pthread_mutex_lock(&lock);
	for (unsigned u = 0; arr && u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned k = 0; k < CFG_MAX_SERVERS; k++) {
			uint64_t v[US__N];
			unsigned ej;
			bool up;

			if (uslot[u][k].id[0] == '\0')
				continue;
			usums(u, k, v, &ej);
			up = !uslot[u][k].checked || uhealth_server_up(u, k, us_generation);
			json_array_append_new(arr, json_pack(
				"{s:s, s:i, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I}",
				"upstream", uslot[u][k].name, "index", (int)k,
				"address", uslot[u][k].addr, "port", (int)uslot[u][k].port,
				"status", up ? "up" : "down", "ejected_workers", (int)ej,
				"requests", (json_int_t)(v[US_REQ] - uslot[u][k].base[US_REQ]),
				"failures", (json_int_t)(v[US_FAIL] - uslot[u][k].base[US_FAIL]),
				"ejections", (json_int_t)(v[US_EJECT] - uslot[u][k].base[US_EJECT]),
				"checks", (json_int_t)(v[US_CHECK] - uslot[u][k].base[US_CHECK]),
				"check_failures",
				(json_int_t)(v[US_CHECK_FAIL] - uslot[u][k].base[US_CHECK_FAIL])));
		}
	pthread_mutex_unlock(&lock);
	return arr;
}

void
proxy_stats_publish(const struct snapshot *s)
{
	pthread_mutex_lock(&lock);
	publish_upstreams(s);
	for (unsigned i = 0; i < CFG_MAX_LISTENERS; i++) {
		const char *name = i < s->proxy.nlisteners ? s->proxy.listener[i].name : "";

		if (strcmp(slot[i].name, name) != 0) {
			snprintf(slot[i].name, sizeof(slot[i].name), "%s", name);
			sums(i, &slot[i].base_requests, &slot[i].base_not_found);
		}
		slot[i].port = i < s->proxy.nlisteners ? s->proxy.listener[i].port : 0;
	}
	pthread_mutex_unlock(&lock);
}

int
proxy_stats_listeners(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < CFG_MAX_LISTENERS; i++) {
		struct rte_tel_data *row;
		uint64_t req, nf;

		if (slot[i].name[0] == '\0')
			continue;
		row = rte_tel_data_alloc();
		if (row == NULL)
			break;
		sums(i, &req, &nf);
		rte_tel_data_start_dict(row);
		rte_tel_data_add_dict_u64(row, "port", slot[i].port);
		rte_tel_data_add_dict_u64(row, "requests", req - slot[i].base_requests);
		rte_tel_data_add_dict_u64(row, "not_found", nf - slot[i].base_not_found);
		if (rte_tel_data_add_dict_container(d, slot[i].name, row, 0) != 0)
			rte_tel_data_free(row);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}
