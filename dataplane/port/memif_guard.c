/* SPDX-License-Identifier: Proprietary
 * Guard against the net_memif teardown race of DPDK 22.11 (found and proven
 * by the l2 benchmark; docs/BENCHMARKS.md, "memif teardown").
 *
 * When a memif peer disconnects, the PMD's control-channel handler runs in
 * the EAL interrupt thread: it clears its "connected" flag and then
 * munmap()s the shared region. The rx/tx bursts test that flag only on
 * entry, without a lock, so a worker already inside a burst (or preempted
 * there) reads unmapped memory and the dataplane dies with SIGSEGV.
 *
 * The application's only hook is the munmap() call. This definition, linked
 * into the rampart-dp executable and exported (-Wl,--export-dynamic-symbol=
 * munmap) so that the PMD binds to it, makes an unmap requested by the
 * interrupt thread wait for one RCU grace period of the workers first. Each
 * worker reports a quiescent state between bursts, so when the grace period
 * ends no burst that began before the flag was cleared is still running, and
 * every later burst sees the flag and returns nothing. Every other caller
 * goes straight to the system call.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <rte_interrupts.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"

int
munmap(void *addr, size_t len)
{
	struct rte_rcu_qsbr *qsv = __atomic_load_n(&dp.qsv, __ATOMIC_ACQUIRE);

	if (qsv != NULL && rte_thread_is_intr())
		rte_rcu_qsbr_synchronize(qsv, RTE_QSBR_THRID_INVALID);
	return (int)syscall(SYS_munmap, addr, len);
}
