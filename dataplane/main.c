/* SPDX-License-Identifier: Proprietary
 * rampart-dp: EAL and resources at boot, workers launched on their lcores,
 * the main lcore as management thread, and an orderly exit on SIGINT/SIGTERM.
 *
 *   rampart-dp [EAL options] -- [--ctl-socket PATH] [--config FILE]
 *                               [--access-log FILE]
 *                               [--idle-sleep-us N] [--max-mtu N]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dataplane.h"
#include "worker.h"
#include "config/snapshot.h"
#include "ctl/ctl_server.h"
#include "net/neigh.h"
#include "port/port.h"
#include "proxy/access_log.h"
#include "proxy/waf_event.h"
#include "proxy/waf_runtime.h"
#include "stats/telemetry.h"

#define DEFAULT_CTL_SOCKET "/run/rampart/dp.sock"


struct options {
	const char *ctl_socket;
	const char *config_file;
	const char *access_log;
	const char *security_log;
	unsigned idle_sleep_us;
	unsigned max_mtu;
};

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- [options]\n"
		"  --ctl-socket PATH    control channel socket (default %s)\n"
		"  --config FILE        apply this config document at start\n"
		"  --access-log FILE    append one JSON line per HTTP request to FILE\n"
		"  --security-log FILE  append one JSON line per WAF event to FILE\n"
		"  --idle-sleep-us N    sleep N us when a worker finds no work (default 0:\n"
		"                       pure polling; use it where cores are shared)\n"
		"  --max-mtu N          largest port MTU the config may set, %u..%u (default\n"
		"                       %u); sizes the packet buffers (jumbo frames: 9000)\n",
		prog, DEFAULT_CTL_SOCKET, PORT_MTU_MIN, PORT_MTU_MAX, PORT_MTU_DEFAULT);
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ctl-socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "access-log", required_argument, NULL, 'a' },
		{ "security-log", required_argument, NULL, 'e' },
		{ "idle-sleep-us", required_argument, NULL, 'i' },
		{ "max-mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	o->ctl_socket = DEFAULT_CTL_SOCKET;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->ctl_socket = optarg;
			break;
		case 'c':
			o->config_file = optarg;
			break;
		case 'a':
			o->access_log = optarg;
			break;
		case 'e':
			o->security_log = optarg;
			break;
		case 'i': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != '\0' || v > 100000) {
				fprintf(stderr, "--idle-sleep-us: '%s' is not 0..100000\n", optarg);
				return -EINVAL;
			}
			o->idle_sleep_us = v;
			break;
		}
		case 'm': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != '\0' || v < PORT_MTU_MIN || v > PORT_MTU_MAX) {
				fprintf(stderr, "--max-mtu: '%s' is not %u..%u\n", optarg,
					PORT_MTU_MIN, PORT_MTU_MAX);
				return -EINVAL;
			}
			o->max_mtu = v;
			break;
		}
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&dp.quit, true, __ATOMIC_RELAXED);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
apply_file(const char *path)
{
	struct config_error err;
	json_error_t jerr;
	uint64_t gen;
	json_t *doc;
	int rc;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		LOG(ERR, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = snapshot_apply(doc, &err, &gen);
	json_decref(doc);
	if (rc != 0) {
		LOG(ERR, "%s: %s: %s", path, err.path[0] ? err.path : "(document)", err.message);
		return rc;
	}
	LOG(INFO, "%s: config generation %llu applied", path, (unsigned long long)gen);
	return 0;
}

#define LINK_POLL_MS 500

static void
management_loop(void)
{
	uint64_t next_link_poll = 0;

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		uint64_t now;

		ctl_server_poll(1);
		now = now_ms();
		neigh_main_poll(now);
		snapshot_reclaim();
		access_log_drain();
		waf_event_drain();
		if (now >= next_link_poll) {
			port_poll_links(dp.nports);
			next_link_poll = now + LINK_POLL_MS;
		}
	}
}

int
main(int argc, char **argv)
{
	struct options opt = { 0 };
	int rc, eal_args;

	eal_args = rte_eal_init(argc, argv);
	if (eal_args < 0) {
		fprintf(stderr, "rampart-dp: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rampart_logtype = rte_log_register_type_and_pick_level("rampart", RTE_LOG_INFO);
	argc -= eal_args;
	argv += eal_args;
	argv[0] = "rampart-dp";
	if (parse_options(argc, argv, &opt) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	dp.idle_sleep_us = opt.idle_sleep_us;
	dp.max_mtu = (uint16_t)opt.max_mtu;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = 1;
	{
		unsigned lcores[RTE_MAX_LCORE], n = 0, lcore;

		RTE_LCORE_FOREACH_WORKER(lcore)
			lcores[n++] = lcore;
		if (dp_init(lcores, n) != 0)
			goto out;
	}
	if (opt.config_file && apply_file(opt.config_file) != 0)
		goto out;
	if (opt.access_log && access_log_open(opt.access_log) != 0)
		goto out;
	if (opt.security_log && waf_event_open(opt.security_log) != 0)
		goto out;
	if (telemetry_init() != 0)
		LOG(WARNING, "some telemetry commands could not be registered");
	{
		char dir[256];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", opt.ctl_socket);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0700);
		}
	}
	if (ctl_server_open(opt.ctl_socket) != 0)
		goto out;

	for (unsigned i = 0; i < dp.nworkers; i++)
		rte_eal_remote_launch(worker_main, dp.workers[i], dp.workers[i]->lcore);
	LOG(INFO, "running: %u worker%s, %u port%s", dp.nworkers,
	    dp.nworkers == 1 ? "" : "s", dp.nports, dp.nports == 1 ? "" : "s");

	management_loop();
	rc = 0;
	LOG(INFO, "shutting down");
out:
	__atomic_store_n(&dp.quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	access_log_close();
	waf_event_close();
	ctl_server_close();
	dp_fini();
	waf_runtime_fini();
	rte_eal_cleanup();
	return rc;
}
