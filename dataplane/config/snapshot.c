/* SPDX-License-Identifier: Proprietary */
#include <errno.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "config/snapshot.h"
#include "net/neigh.h"
#include "proxy/proxy_stats.h"
#include "proxy/waf_runtime.h"
#include "port/port.h"

#define RETIRED_MAX 16

static struct {
	struct snapshot *s;
	uint64_t token;
} retired[RETIRED_MAX];
static unsigned nretired;

static void
stamp(struct snapshot *s)
{
	for (uint16_t p = 0; p < s->nports && p < CFG_MAX_PORTS; p++) {
		s->port[p].mac = port_info[p].mac;
		config_ll6_from_mac(&s->port[p].mac, s->port[p].ll6);
	}
}

/* A port MTU above the one the packet buffers were sized for at boot
 * (dp.max_mtu) would advertise an MSS whose segments cannot be received. */
static int
ports_fit_buffers(const struct snapshot *s, struct config_error *err)
{
	for (uint16_t p = 0; p < s->nports && p < CFG_MAX_PORTS; p++) {
		if (!s->port[p].configured || dp.max_mtu == 0 || s->port[p].mtu <= dp.max_mtu)
			continue;
		snprintf(err->path, sizeof(err->path), "/ports");
		snprintf(err->message, sizeof(err->message),
			 "port %u: mtu %u is above %u, the largest the dataplane's packet buffers "
			 "take (rampart-dp --max-mtu)", p, s->port[p].mtu, dp.max_mtu);
		return -EINVAL;
	}
	return 0;
}

int
snapshot_boot(void)
{
	struct snapshot *s = config_empty(dp.nports);

	if (s == NULL)
		return -ENOMEM;
	stamp(s);
	__atomic_store_n(&dp.active, s, __ATOMIC_RELEASE);
	return 0;
}

static void
retire(struct snapshot *old)
{
	if (nretired == RETIRED_MAX) {
		/* Rare: 16 pushes within one grace period. Wait for the oldest. */
		rte_rcu_qsbr_check(dp.qsv, retired[0].token, true);
		snapshot_reclaim();
	}
	retired[nretired].s = old;
	retired[nretired].token = rte_rcu_qsbr_start(dp.qsv);
	nretired++;
}

int
snapshot_apply(const json_t *doc, struct config_error *err, uint64_t *generation)
{
	struct snapshot *old = dp.active, *s;

	s = config_parse(doc, dp.nports, err);
	if (s == NULL)
		return -EINVAL;
	if (ports_fit_buffers(s, err) != 0) {
		snapshot_free(s);
		return -EINVAL;
	}
	if (waf_runtime_bind(s, err) != 0) {
		snapshot_free(s);
		return -EINVAL;
	}
	stamp(s);
	s->generation = old->generation + 1;
	__atomic_store_n(&dp.active, s, __ATOMIC_RELEASE);
	__atomic_store_n(&dp.generation, s->generation, __ATOMIC_RELAXED);
	neigh_config_changed(s);
	proxy_stats_publish(s);
	retire(old);
	*generation = s->generation;
	return 0;
}

void
snapshot_reclaim(void)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < nretired; i++) {
		if (rte_rcu_qsbr_check(dp.qsv, retired[i].token, false) == 1)
			snapshot_free(retired[i].s);
		else
			retired[kept++] = retired[i];
	}
	nretired = kept;
}

void
snapshot_fini(void)
{
	for (unsigned i = 0; i < nretired; i++)
		snapshot_free(retired[i].s);
	nretired = 0;
	snapshot_free(dp.active);
	dp.active = NULL;
}
