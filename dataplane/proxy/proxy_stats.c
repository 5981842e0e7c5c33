/* SPDX-License-Identifier: Proprietary
 * Per-listener counts (proxy_stats.h).
 */
#include <pthread.h>
#include <string.h>
#include <rte_telemetry.h>

#include "dataplane.h"
#include "worker.h"
#include "proxy/proxy_stats.h"
#include "proxy/proxy_types.h"

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

void
proxy_stats_publish(const struct snapshot *s)
{
	pthread_mutex_lock(&lock);
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
