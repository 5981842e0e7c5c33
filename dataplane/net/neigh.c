/* SPDX-License-Identifier: Proprietary
 * Neighbour table: lock-free lookups on workers, one writer on the main lcore.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ring_elem.h>
#include <rte_telemetry.h>

#include "dataplane.h"
#include "worker.h"
#include "net/arp.h"
#include "net/icmp6.h"
#include "net/neigh.h"
#include "port/port.h"

#define NEIGH_PENDING_TOTAL 4096   /* packets held across all entries */
#define NEIGH_PUNT_BURST    64
#define NEIGH_LEARN_ROUNDS  64     /* bursts of answers per main-lcore pass */

enum neigh_state { NS_FREE, NS_INCOMPLETE, NS_REACHABLE, NS_PROBE };
static const char *const state_name[] = {
	[NS_FREE] = "free", [NS_INCOMPLETE] = "incomplete",
	[NS_REACHABLE] = "reachable", [NS_PROBE] = "probe",
};

struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t addr[16];
};

/* The word workers read: MAC in the low 48 bits, flags above. */
#define NEIGH_MAC_MASK  ((1ULL << 48) - 1)
#define NEIGH_USABLE    (1ULL << 48)
/* Unresolved and its pending queue is full: workers drop locally instead of
 * punting packets the main lcore would only drop. */
#define NEIGH_HOLD_FULL (1ULL << 49)

struct neigh_entry {
	uint64_t word;                 /* atomic; the only field workers read */
	/* Main lcore only. */
	struct neigh_key key;
	enum neigh_state state;
	uint64_t deadline_ms;          /* next timer action */
	uint64_t updated_ms;
	uint32_t probes_sent;
	uint32_t npending;
	struct rte_mbuf **pending;     /* pending_max slots while INCOMPLETE */
};

struct neigh_export_row {
	struct neigh_key key;
	uint8_t mac[6];
	enum neigh_state state;
	uint64_t age_ms;
};

static struct {
	struct rte_hash *hash;
	struct neigh_entry *entries;   /* indexed by hash key position */
	unsigned capacity;
	unsigned count;
	unsigned pending_total;
	struct counters *cnt;          /* the main lcore's counters */

	pthread_mutex_t export_lock;   /* main lcore vs telemetry thread */
	struct neigh_export_row *export;
	unsigned nexport;
	bool dirty;
} nt = { .export_lock = PTHREAD_MUTEX_INITIALIZER };

static void
make_key(struct neigh_key *k, uint16_t port, int family, const void *addr)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = family;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
}

/* Worker side --------------------------------------------------------- */

static bool
punt(struct worker *w, struct rte_ring *r, const struct punt_msg *msg)
{
	if (rte_ring_mp_enqueue_elem(r, (void *)msg, sizeof(*msg)) != 0) {
		worker_count(w, CNT_NEIGH_DROP_PUNT_FULL);
		return false;
	}
	return true;
}

void
neigh_output(struct worker *w, struct rte_mbuf *m, uint16_t port, int family,
	     const void *addr, uint16_t ether_type)
{
	struct rte_ether_hdr *eth;
	struct neigh_key k;
	int32_t pos;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (unlikely(eth == NULL)) {
		worker_drop(w, m, CNT_NEIGH_ERR_NOMEM);
		return;
	}
	eth->ether_type = rte_cpu_to_be_16(ether_type);
	rte_ether_addr_copy(&port_info[port].mac, &eth->src_addr);
	m->port = port;

	make_key(&k, port, family, addr);
	pos = rte_hash_lookup(nt.hash, &k);
	if (likely(pos >= 0)) {
		uint64_t word = __atomic_load_n(&nt.entries[pos].word, __ATOMIC_ACQUIRE);

		if (likely(word & NEIGH_USABLE)) {
			for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
				eth->dst_addr.addr_bytes[i] = word >> (8 * (5 - i));
			worker_count(w, CNT_NEIGH_HIT);
			worker_tx(w, m);
			return;
		}
		if (word & NEIGH_HOLD_FULL) {
			worker_drop(w, m, CNT_NEIGH_DROP_PENDING_FULL);
			return;
		}
	}
	worker_count(w, CNT_NEIGH_MISS);
	struct punt_msg msg = { .kind = PUNT_RESOLVE, .family = family, .port = port, .m = m };
	memcpy(msg.addr, addr, family == AF_INET ? 4 : 16);
	if (!punt(w, dp.punt, &msg))
		rte_pktmbuf_free(m);
}

void
neigh_learn(struct worker *w, uint16_t port, int family, const void *addr,
	    const struct rte_ether_addr *mac, uint8_t flags)
{
	struct punt_msg msg = { .kind = PUNT_LEARN, .family = family, .port = port,
				.flags = flags };
	struct neigh_key k;
	int32_t pos;

	/* Skip the punt when the entry already says exactly this. */
	make_key(&k, port, family, addr);
	pos = rte_hash_lookup(nt.hash, &k);
	if (pos >= 0 && !(flags & NEIGH_F_CONFIRM)) {
		uint64_t word = __atomic_load_n(&nt.entries[pos].word, __ATOMIC_ACQUIRE);
		uint64_t want = NEIGH_USABLE;

		for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
			want |= (uint64_t)mac->addr_bytes[i] << (8 * (5 - i));
		if (word == want)
			return;
	}
	memcpy(msg.mac, mac->addr_bytes, 6);
	memcpy(msg.addr, addr, family == AF_INET ? 4 : 16);
	if (punt(w, dp.learn, &msg))
		worker_count(w, CNT_NEIGH_PUNT_LEARN);
}

/* Main lcore side ------------------------------------------------------- */

static void
count(enum cnt_id id, uint64_t n)
{
	cnt_add(nt.cnt, id, n);
}

static uint64_t
mac_word(const uint8_t mac[6])
{
	uint64_t word = 0;

	for (int i = 0; i < 6; i++)
		word |= (uint64_t)mac[i] << (8 * (5 - i));
	return word;
}

static void
word_to_mac(uint64_t word, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = word >> (8 * (5 - i));
}

static void
solicit(struct neigh_entry *e, bool unicast)
{
	const struct snapshot *s = dp_snapshot();
	const struct cfg_port *p = &s->port[e->key.port];
	struct rte_ether_addr dst;
	struct rte_mbuf *m;

	word_to_mac(e->word, dst.addr_bytes);
	if (e->key.family == AF_INET) {
		uint32_t target;

		memcpy(&target, e->key.addr, 4);
		m = arp_build_request(dp.pool, e->key.port, p, target,
				      unicast ? &dst : NULL);
	} else {
		m = nd_build_solicit(dp.pool, e->key.port, p, e->key.addr,
				     unicast ? &dst : NULL);
	}
	e->probes_sent++;
	if (m == NULL) {
		count(p->configured && (e->key.family == AF_INET ? p->n4 : 1) ?
		      CNT_NEIGH_ERR_NOMEM : CNT_NEIGH_DROP_NO_SOURCE, 1);
		return;
	}
	if (dp_inject(m) == 0)
		count(CNT_NEIGH_TX_SOLICIT, 1);
}

static void
drop_pending(struct neigh_entry *e)
{
	if (e->npending) {
		rte_pktmbuf_free_bulk(e->pending, e->npending);
		count(CNT_NEIGH_DROP_UNRESOLVED, e->npending);
		nt.pending_total -= e->npending;
		e->npending = 0;
	}
	free(e->pending);
	e->pending = NULL;
}

static void
entry_delete(int32_t pos)
{
	struct neigh_entry *e = &nt.entries[pos];

	__atomic_store_n(&e->word, 0, __ATOMIC_RELEASE);
	drop_pending(e);
	e->state = NS_FREE;
	/* With RCU attached the slot is reused only after a grace period. */
	rte_hash_del_key(nt.hash, &e->key);
	nt.count--;
	nt.dirty = true;
}

static int32_t
entry_create(const struct neigh_key *k, uint64_t now_ms)
{
	const struct snapshot *s = dp_snapshot();
	struct neigh_entry *e;
	int32_t pos;

	if (nt.count >= s->neigh.entries_max || nt.count >= nt.capacity) {
		count(CNT_NEIGH_DROP_TABLE_FULL, 1);
		return -ENOSPC;
	}
	pos = rte_hash_add_key(nt.hash, k);
	if (pos < 0) {
		count(CNT_NEIGH_DROP_TABLE_FULL, 1);
		return pos;
	}
	e = &nt.entries[pos];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->updated_ms = now_ms;
	nt.count++;
	nt.dirty = true;
	count(CNT_NEIGH_CREATED, 1);
	return pos;
}

static void
flush_pending(struct neigh_entry *e)
{
	uint8_t mac[6];

	word_to_mac(e->word, mac);
	for (uint32_t i = 0; i < e->npending; i++) {
		struct rte_mbuf *m = e->pending[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		memcpy(eth->dst_addr.addr_bytes, mac, 6);
		if (dp_inject(m) == 0)
			count(CNT_NEIGH_TX_PENDING, 1);
	}
	nt.pending_total -= e->npending;
	e->npending = 0;
	free(e->pending);
	e->pending = NULL;
}

static void
handle_learn(const struct punt_msg *msg, uint64_t now_ms)
{
	const struct snapshot *s = dp_snapshot();
	struct neigh_entry *e;
	struct neigh_key k;
	uint64_t word;
	int32_t pos;

	make_key(&k, msg->port, msg->family, msg->addr);
	pos = rte_hash_lookup(nt.hash, &k);
	if (pos < 0) {
		if (!(msg->flags & NEIGH_F_CREATE))
			return;
		pos = entry_create(&k, now_ms);
		if (pos < 0)
			return;
	}
	e = &nt.entries[pos];
	word = mac_word(msg->mac) | NEIGH_USABLE;
	/* A known MAC changes only on an override (ARP always, NA with the O
	 * flag): RFC 4861 7.2.5 ignores a solicited NA without O that names
	 * another address. */
	if (e->state != NS_INCOMPLETE && e->state != NS_FREE &&
	    (e->word & NEIGH_MAC_MASK) != (word & NEIGH_MAC_MASK)) {
		if (!(msg->flags & NEIGH_F_OVERRIDE))
			return;
		count(CNT_NEIGH_MAC_CHANGED, 1);
	}
	if (e->state == NS_INCOMPLETE || e->state == NS_FREE)
		count(CNT_NEIGH_RESOLVED, 1);
	__atomic_store_n(&e->word, word, __ATOMIC_RELEASE);
	e->state = NS_REACHABLE;
	e->updated_ms = now_ms;
	e->deadline_ms = now_ms + s->neigh.reachable_ms;
	e->probes_sent = 0;
	nt.dirty = true;
	flush_pending(e);
}

static void
handle_resolve(const struct punt_msg *msg, uint64_t now_ms)
{
	const struct snapshot *s = dp_snapshot();
	struct neigh_entry *e;
	struct neigh_key k;
	int32_t pos;

	make_key(&k, msg->port, msg->family, msg->addr);
	pos = rte_hash_lookup(nt.hash, &k);
	if (pos >= 0 && (nt.entries[pos].word & NEIGH_USABLE)) {
		/* Learned after the worker looked: send it now. */
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(msg->m, struct rte_ether_hdr *);

		word_to_mac(nt.entries[pos].word, eth->dst_addr.addr_bytes);
		if (dp_inject(msg->m) == 0)
			count(CNT_NEIGH_TX_PENDING, 1);
		return;
	}
	if (pos < 0) {
		pos = entry_create(&k, now_ms);
		if (pos < 0) {
			rte_pktmbuf_free(msg->m);
			return;
		}
		e = &nt.entries[pos];
		e->state = NS_INCOMPLETE;
		e->pending = calloc(s->neigh.pending_max, sizeof(*e->pending));
		if (e->pending == NULL) {
			count(CNT_NEIGH_ERR_NOMEM, 1);
			entry_delete(pos);
			rte_pktmbuf_free(msg->m);
			return;
		}
		e->deadline_ms = now_ms + s->neigh.retrans_ms;
		solicit(e, false);
	}
	e = &nt.entries[pos];
	if (e->pending == NULL || e->npending >= s->neigh.pending_max ||
	    nt.pending_total >= NEIGH_PENDING_TOTAL) {
		count(CNT_NEIGH_DROP_PENDING_FULL, 1);
		rte_pktmbuf_free(msg->m);
		return;
	}
	e->pending[e->npending++] = msg->m;
	nt.pending_total++;
	if (e->npending == s->neigh.pending_max)
		__atomic_store_n(&e->word, NEIGH_HOLD_FULL, __ATOMIC_RELEASE);
}

static void
run_timers(uint64_t now_ms)
{
	const struct snapshot *s = dp_snapshot();
	const void *key;
	void *data;
	uint32_t iter = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(nt.hash, &key, &data, &iter)) >= 0) {
		struct neigh_entry *e = &nt.entries[pos];

		if (now_ms < e->deadline_ms)
			continue;
		switch (e->state) {
		case NS_INCOMPLETE:
			if (e->probes_sent >= s->neigh.probes) {
				count(CNT_NEIGH_FAILED, 1);
				entry_delete(pos);
				continue;
			}
			solicit(e, false);
			break;
		case NS_REACHABLE:
			e->state = NS_PROBE;
			e->probes_sent = 0;
			nt.dirty = true;
			/* fall through */
		case NS_PROBE:
			if (e->probes_sent >= s->neigh.probes) {
				count(CNT_NEIGH_EXPIRED, 1);
				entry_delete(pos);
				continue;
			}
			solicit(e, true);
			break;
		case NS_FREE:
			break;
		}
		e->deadline_ms = now_ms + s->neigh.retrans_ms;
	}
}

static void
refresh_export(uint64_t now_ms)
{
	const void *key;
	void *data;
	uint32_t iter = 0, n = 0;
	int32_t pos;

	pthread_mutex_lock(&nt.export_lock);
	while ((pos = rte_hash_iterate(nt.hash, &key, &data, &iter)) >= 0 &&
	       n < nt.capacity) {
		const struct neigh_entry *e = &nt.entries[pos];
		struct neigh_export_row *r = &nt.export[n++];

		r->key = e->key;
		word_to_mac(e->word, r->mac);
		r->state = e->state;
		r->age_ms = now_ms - e->updated_ms;
	}
	nt.nexport = n;
	pthread_mutex_unlock(&nt.export_lock);
	nt.dirty = false;
}

void
neigh_main_poll(uint64_t now_ms)
{
	static uint64_t next_timer_ms, next_export_ms;
	struct punt_msg msgs[NEIGH_PUNT_BURST];
	unsigned n;

	/* Answers first, up to a ring's worth: they are what turns waiting
	 * packets into sent ones. */
	for (unsigned round = 0; round < NEIGH_LEARN_ROUNDS; round++) {
		n = rte_ring_sc_dequeue_burst_elem(dp.learn, msgs, sizeof(msgs[0]),
						   NEIGH_PUNT_BURST, NULL);
		for (unsigned i = 0; i < n; i++)
			handle_learn(&msgs[i], now_ms);
		if (n < NEIGH_PUNT_BURST)
			break;
	}
	n = rte_ring_sc_dequeue_burst_elem(dp.punt, msgs, sizeof(msgs[0]),
					   NEIGH_PUNT_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		handle_resolve(&msgs[i], now_ms);
	if (now_ms >= next_timer_ms) {
		run_timers(now_ms);
		next_timer_ms = now_ms + 10;
	}
	if (nt.dirty || now_ms >= next_export_ms) {
		refresh_export(now_ms);
		next_export_ms = now_ms + 1000;
	}
}

void
neigh_config_changed(const struct snapshot *s)
{
	const void *key;
	void *data;
	uint32_t iter = 0;
	int32_t pos;

	while ((pos = rte_hash_iterate(nt.hash, &key, &data, &iter)) >= 0) {
		const struct cfg_port *p = &s->port[nt.entries[pos].key.port];

		if (!p->configured ||
		    (nt.entries[pos].key.family == AF_INET && p->n4 == 0))
			entry_delete(pos);
	}
}

int
neigh_init(unsigned capacity)
{
	struct rte_hash_parameters hp = {
		.name = "rampart_neigh",
		.entries = capacity,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_hash_crc,  /* SSE4.2 crc32 where the CPU has it */
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rcu = { .v = dp.qsv, .mode = RTE_HASH_QSBR_MODE_DQ };
	int rc;

	nt.cnt = &main_counters;
	nt.capacity = capacity;
	nt.hash = rte_hash_create(&hp);
	if (nt.hash == NULL) {
		LOG(ERR, "neighbour table: rte_hash_create(%u): %s", capacity,
		    rte_strerror(rte_errno));
		return -rte_errno;
	}
	rc = rte_hash_rcu_qsbr_add(nt.hash, &rcu);
	if (rc != 0) {
		LOG(ERR, "neighbour table: attaching RCU failed: %s", rte_strerror(rte_errno));
		goto err;
	}
	/* Positions run up to the key store size, which may round up. */
	nt.entries = calloc(capacity * 2 + 1, sizeof(*nt.entries));
	nt.export = calloc(capacity, sizeof(*nt.export));
	if (nt.entries == NULL || nt.export == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	return 0;
err:
	neigh_fini();
	return rc ? rc : -ENOMEM;
}

void
neigh_fini(void)
{
	const void *key;
	void *data;
	uint32_t iter = 0;
	int32_t pos;

	if (nt.hash != NULL) {
		while ((pos = rte_hash_iterate(nt.hash, &key, &data, &iter)) >= 0)
			drop_pending(&nt.entries[pos]);
		rte_hash_free(nt.hash);
	}
	free(nt.entries);
	free(nt.export);
	nt.hash = NULL;
	nt.entries = NULL;
	nt.export = NULL;
}

int
neigh_export(struct rte_tel_data *d)
{
	/* DPDK 22.11 nests dicts only inside dicts, and keys must be plain
	 * words: rows are "entry0", "entry1", ... */
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&nt.export_lock);
	for (unsigned i = 0; i < nt.nexport && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		const struct neigh_export_row *r = &nt.export[i];
		struct rte_tel_data *row = rte_tel_data_alloc();
		char addr[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], name[64];

		if (row == NULL)
			break;
		inet_ntop(r->key.family, r->key.addr, addr, sizeof(addr));
		rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)r->mac);
		rte_tel_data_start_dict(row);
		rte_tel_data_add_dict_int(row, "port", r->key.port);
		rte_tel_data_add_dict_string(row, "family", r->key.family == AF_INET ? "ipv4" : "ipv6");
		rte_tel_data_add_dict_string(row, "address", addr);
		rte_tel_data_add_dict_string(row, "mac", mac);
		rte_tel_data_add_dict_string(row, "state", state_name[r->state]);
		rte_tel_data_add_dict_u64(row, "age_ms", r->age_ms);
		snprintf(name, sizeof(name), "entry%u", i);
		if (rte_tel_data_add_dict_container(d, name, row, 0) != 0)
			rte_tel_data_free(row);
	}
	pthread_mutex_unlock(&nt.export_lock);
	return 0;
}
