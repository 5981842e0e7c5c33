/* SPDX-License-Identifier: LicenseRef-Proprietary
 *
 * Guard against the net_memif teardown race of DPDK 22.11 (and later, as of
 * this writing); the full story is in docs/BENCHMARKS.md, "memif teardown".
 *
 * When the peer disconnects, the PMD's control-channel callback runs in the
 * EAL interrupt thread: it clears the CONNECTED flag, then munmap()s the
 * shared region. rx/tx bursts test that flag only on entry, with no lock or
 * RCU, so a burst already past the test (more so one preempted there) touches
 * unmapped memory: SIGSEGV in eth_memif_rx/tx.
 *
 * The only hook an application has is the munmap() call itself. This file
 * defines munmap() in the executable (exported with
 * -Wl,--export-dynamic-symbol=munmap, so the PMD binds to it): a call made by
 * the EAL interrupt thread first waits for one QSBR grace period of our
 * polling lcores. Each of them reports a quiescent state between bursts, so
 * once the grace period ends no burst that began before the flag was cleared
 * is still running, and every later burst sees the flag and returns 0.
 * Other callers go straight to the system call.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gen.h"

static struct rte_rcu_qsbr *guard_qs;

int
gen_guard_init(unsigned int max_threads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(max_threads);
	struct rte_rcu_qsbr *qs;
	unsigned int i;

	qs = rte_zmalloc("gen_guard_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qs == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(qs, max_threads) != 0) {
		rte_free(qs);
		return -EINVAL;
	}
	for (i = 0; i < max_threads; i++)
		rte_rcu_qsbr_thread_register(qs, i);
	__atomic_store_n(&guard_qs, qs, __ATOMIC_RELEASE);
	return 0;
}

void
gen_guard_fini(void)
{
	struct rte_rcu_qsbr *qs = __atomic_exchange_n(&guard_qs, NULL, __ATOMIC_ACQ_REL);

	rte_free(qs);
}

void
gen_guard_online(unsigned int thread_id)
{
	if (guard_qs)
		rte_rcu_qsbr_thread_online(guard_qs, thread_id);
}

void
gen_guard_offline(unsigned int thread_id)
{
	if (guard_qs)
		rte_rcu_qsbr_thread_offline(guard_qs, thread_id);
}

void
gen_guard_quiescent(unsigned int thread_id)
{
	if (guard_qs)
		rte_rcu_qsbr_quiescent(guard_qs, thread_id);
}

/* Interposes libc's munmap() for the shared libraries (see above). */
int
munmap(void *addr, size_t len)
{
	struct rte_rcu_qsbr *qs = __atomic_load_n(&guard_qs, __ATOMIC_ACQUIRE);

	if (qs != NULL && rte_thread_is_intr())
		rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
	return (int)syscall(SYS_munmap, addr, len);
}
