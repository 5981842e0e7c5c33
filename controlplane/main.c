/* SPDX-License-Identifier: Proprietary
 * rampart-cp: the control plane daemon, and one-shot tools for operators and
 * tests that talk to rampart-dp's control socket.
 *
 *   rampart-cp [--dp-socket PATH] [--config FILE | --no-netconf |
 *               --netconf-port N --netconf-address ADDR --state-dir DIR]
 *              [--pidfile FILE] [--log-level error|warn|info|debug]
 *   rampart-cp add-user NAME [--state-dir DIR]   (password on stdin)
 *   rampart-cp push FILE  [--dp-socket PATH]
 *   rampart-cp get-config [--dp-socket PATH]
 *   rampart-cp stats      [--dp-socket PATH]
 *   rampart-cp check FILE
 *
 * The daemon runs in the foreground. It loads its running configuration
 * (FILE or the embedded default), keeps a session with the dataplane
 * (dpclient: reconnect with backoff, hello) and pushes the running
 * configuration after every (re)connect. SIGHUP re-reads FILE and pushes it
 * as a candidate: it becomes the running configuration only if the dataplane
 * takes it, otherwise the previous one stays (the dataplane still has it).
 * SIGINT/SIGTERM exit 0.
 *
 * Two modes:
 * - NETCONF (the default, without --config): the configuration lives in the
 *   NETCONF datastores (controlplane/netconf/, controlplane/datastore/).
 *   At start running <- startup (STATE_DIR/startup.json) or the embedded
 *   default; every change to running is pushed to the dataplane and becomes
 *   running only when the dataplane took it. SIGHUP re-reads nothing.
 * - file (--config FILE, or --no-netconf with the embedded default): no
 *   NETCONF server; SIGHUP re-reads FILE as described above.
 *
 * Threads: the main thread runs everything but NETCONF around one poll():
 * signals through a signalfd, the dataplane session through dpclient's fd
 * and timer, and pushes asked for by the NETCONF thread through the apply
 * bridge's eventfd (netconf/apply.h). The NETCONF thread owns the libyang
 * context and the datastores (netconf/netconf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config/config_store.h"
#include "datastore/datastore.h"
#include "dpclient/dpclient.h"
#include "log.h"
#include "netconf/apply.h"
#include "netconf/netconf.h"
#include "netconf/users.h"
#include "waf/cp_waf.h"

#ifndef RAMPART_VERSION
#define RAMPART_VERSION "unknown"
#endif

/* Exit codes of the one-shot tools. */
#define EXIT_TOOL_OK       0  /* the dataplane said ok / the file is fine */
#define EXIT_TOOL_REFUSED  1  /* refused, by the dataplane or the local check */
#define EXIT_TOOL_NO_DP    2  /* could not talk to the dataplane */
#define EXIT_USAGE         64 /* bad command line (sysexits EX_USAGE) */

struct cp_opts {
	const char *dp_socket;
	const char *config;
	const char *pidfile;
	bool log_level_set;
	enum cp_log_level log_level;
	const char *cmd;   /* NULL: daemon */
	const char *file;  /* argument of push and check, NAME of add-user */
	const char *groups; /* add-user --groups */
	bool no_netconf;
	bool netconf_set;  /* a --netconf-* or --state-dir option was given */
	const char *netconf_address;
	uint16_t netconf_port;
	const char *state_dir;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rampart-cp [--dp-socket PATH] [--pidfile FILE] [--log-level error|warn|info|debug]\n"
		"                  [--netconf-port N] [--netconf-address ADDR] [--state-dir DIR]\n"
		"                  [--config FILE | --no-netconf]\n"
		"       rampart-cp add-user NAME [--groups G1,G2] [--state-dir DIR]\n"
		"       rampart-cp push FILE [--dp-socket PATH]\n"
		"       rampart-cp get-config [--dp-socket PATH]\n"
		"       rampart-cp stats [--dp-socket PATH]\n"
		"       rampart-cp check FILE\n"
		"\n"
		"Without a command, run the control plane daemon in the foreground: connect\n"
		"to the dataplane (default socket " DPCLIENT_DEFAULT_SOCKET "), push the\n"
		"running configuration, re-push it after every reconnect.\n"
		"By default the configuration is managed through NETCONF over SSH (port\n"
		"830 on all addresses; state in " NETCONF_DEFAULT_STATE_DIR ": host key,\n"
		"users.json, startup.json): running starts as startup, or the embedded\n"
		"default when there is no startup. With --config FILE (or --no-netconf and\n"
		"the embedded default) there is no NETCONF server and SIGHUP re-reads FILE.\n"
		"\n"
		"Commands (replies are printed as JSON on stdout; waits time out after 5 s):\n"
		"  push FILE    push FILE as the configuration\n"
		"  get-config   print the dataplane's active configuration\n"
		"  stats        print the dataplane's counters\n"
		"  check FILE   check FILE's JSON syntax and \"schema\" locally\n"
		"  add-user NAME  add a NETCONF user or change its password (read from\n"
		"               stdin, one line); only its crypt(3) hash is stored. While\n"
		"               NACM has no group and no rule-list, the users present at\n"
		"               start (or the first to log in) become group \"admin\";\n"
		"               after that, --groups names the NACM groups of the user\n"
		"               (external groups, RFC 8341; without, only NACM's defaults)\n"
		"Tool exit status: 0 ok, 1 refused (by the dataplane or the local check),\n"
		"2 could not talk to the dataplane, 64 usage error.\n");
}

/* ---- daemon ------------------------------------------------------------ */

enum push_kind {
	PUSH_NONE,
	PUSH_RUNNING,   /* re-sync after a (re)connect */
	PUSH_CANDIDATE, /* a configuration re-read on SIGHUP */
	PUSH_NETCONF,   /* a new running configuration from the NETCONF thread */
	REQ_NETCONF,    /* another request of the NETCONF thread (stats-get) */
};

struct cp {
	const char *config_path;    /* --config, NULL: embedded default */
	const char *dp_socket;
	struct config_store store;  /* the running configuration */
	struct dpclient *dp;
	bool resync;                /* running must be pushed (new session) */
	json_t *pending;            /* candidate waiting to be pushed */
	json_t *inflight;           /* candidate pushed, waiting for the answer */
	enum push_kind inflight_kind;
	uint64_t running_gen;       /* its generation on the dataplane, 0: not
				     * (known to be) active there */
	bool stop;
	bool netconf;               /* NETCONF mode: the bridge is in use */
	struct apply_bridge bridge;
	struct cp_waf waf;          /* compiled WAF program, what was shipped */
};

static void cp_kick(struct cp *cp);

/* dpclient_push() with the WAF program when the dataplane needs it. */
static int cp_push(struct cp *cp, json_t *doc)
{
	const uint8_t *blob;
	size_t len;
	int rc;

	cp_waf_prepare(&cp->waf, doc, &blob, &len);
	rc = dpclient_push_blob(cp->dp, doc, blob, len);
	if (rc == 0)
		cp_waf_sent(&cp->waf, blob);
	return rc;
}

static const char *cp_source(const struct cp *cp)
{
	return config_store_source(&cp->store);
}

/* "FILE, generation N" for logs about the running configuration. */
static const char *cp_running_desc(const struct cp *cp, char *buf, size_t len)
{
	if (cp->running_gen)
		snprintf(buf, len, "%s, generation %llu", cp_source(cp),
			 (unsigned long long)cp->running_gen);
	else
		snprintf(buf, len, "%s, not active on the dataplane", cp_source(cp));
	return buf;
}

static void cp_on_ready(void *arg, uint64_t dp_generation)
{
	struct cp *cp = arg;

	(void)dp_generation;
	cp_waf_session_reset(&cp->waf);
	cp->resync = true;
	cp_kick(cp);
}

static void cp_on_push_done(void *arg, const struct dp_push_result *res)
{
	struct cp *cp = arg;
	enum push_kind kind = cp->inflight_kind;
	json_t *cand = cp->inflight;
	char desc[512];

	cp->inflight_kind = PUSH_NONE;
	cp->inflight = NULL;
	cp_waf_push_done(&cp->waf, res->ok);

	if (kind == PUSH_RUNNING) {
		if (res->ok) {
			cp->running_gen = res->generation;
			log_info("running configuration (%s) active on the dataplane, generation %llu",
				 cp_source(cp), (unsigned long long)res->generation);
		} else {
			cp->running_gen = 0;
			log_error("the dataplane refused the running configuration (%s): %s%s%s",
				  cp_source(cp), res->err_path, *res->err_path ? ": " : "",
				  res->err_message);
		}
	} else if (kind == PUSH_NETCONF) {
		struct apply_result ar = { .ok = res->ok, .generation = res->generation,
					   .refused = !res->ok };

		if (res->ok) {
			if (config_store_replace(&cp->store, json_incref(cand), "NETCONF") == 0)
				cp->running_gen = res->generation;
			else
				log_error("a NETCONF configuration is active on the dataplane but out of memory recording it");
		} else {
			snprintf(ar.path, sizeof(ar.path), "%s", res->err_path);
			snprintf(ar.message, sizeof(ar.message), "%s", res->err_message);
			log_warn("the dataplane refused a NETCONF configuration: %s%s%s",
				 res->err_path, *res->err_path ? ": " : "", res->err_message);
		}
		apply_finish(&cp->bridge, &ar);
	} else if (kind == PUSH_CANDIDATE) {
		if (res->ok) {
			if (config_store_replace(&cp->store, cand, cp->config_path) == 0) {
				cp->running_gen = res->generation;
				log_info("configuration from %s is now running, generation %llu",
					 cp->config_path, (unsigned long long)res->generation);
			} else {
				log_error("configuration from %s is active on the dataplane (generation %llu) but out of memory recording it; the previous one will be re-pushed on reconnect",
					  cp->config_path, (unsigned long long)res->generation);
			}
			cand = NULL; /* taken over (or released) by the store */
		} else {
			log_error("the dataplane refused the configuration from %s: %s%s%s; keeping the previous running configuration (%s)",
				  cp->config_path, res->err_path,
				  *res->err_path ? ": " : "", res->err_message,
				  cp_running_desc(cp, desc, sizeof(desc)));
		}
	}
	json_decref(cand);
	cp_kick(cp);
}

static void cp_on_lost(void *arg)
{
	struct cp *cp = arg;

	cp_waf_session_reset(&cp->waf);
	/* A candidate without an answer is pushed again on the next session,
	 * unless a newer one is waiting already. */
	if (cp->inflight_kind == REQ_NETCONF) {
		struct apply_result ar = { .ok = false };

		snprintf(ar.message, sizeof(ar.message),
			 "the dataplane session was lost before rampart-dp answered");
		apply_finish(&cp->bridge, &ar);
	}
	if (cp->inflight_kind == PUSH_NETCONF) {
		struct apply_result ar = { .ok = false };

		snprintf(ar.message, sizeof(ar.message),
			 "the dataplane session was lost before rampart-dp answered; the previous running configuration is re-pushed when it is back");
		apply_finish(&cp->bridge, &ar);
	}
	if (cp->inflight_kind == PUSH_CANDIDATE && !cp->pending)
		cp->pending = cp->inflight;
	else
		json_decref(cp->inflight);
	cp->inflight = NULL;
	cp->inflight_kind = PUSH_NONE;
}

/* The reply to a request of the NETCONF thread (stats-get for <get>). */
static void cp_on_reply(void *arg, const json_t *reply)
{
	struct cp *cp = arg;
	struct apply_result ar = { .ok = true };

	if (cp->inflight_kind != REQ_NETCONF)
		return;
	cp->inflight_kind = PUSH_NONE;
	/* a private copy: the NETCONF thread owns it from here */
	ar.reply = json_deep_copy(reply);
	if (!ar.reply) {
		ar.ok = false;
		snprintf(ar.message, sizeof(ar.message), "out of memory");
	}
	apply_finish(&cp->bridge, &ar);
	cp_kick(cp);
}

static const struct dpclient_ops cp_dp_ops = {
	.ready = cp_on_ready,
	.push_done = cp_on_push_done,
	.lost = cp_on_lost,
	.reply = cp_on_reply,
};

/* Push what is due, when the session can take it: the running configuration
 * first after a (re)connect, then a pending candidate. */
static void cp_kick(struct cp *cp)
{
	int rc;

	/* A NETCONF change while the dataplane is not connected is refused at
	 * once rather than queued: the operator must know it did not apply. */
	if (cp->netconf && !dpclient_ready(cp->dp) && apply_queued(&cp->bridge) &&
	    apply_take(&cp->bridge)) {
		struct apply_result ar = { .ok = false };

		snprintf(ar.message, sizeof(ar.message),
			 "rampart-dp is not connected (socket %s)", cp->dp_socket);
		apply_finish(&cp->bridge, &ar);
	}

	if (cp->inflight_kind != PUSH_NONE || !dpclient_idle(cp->dp))
		return;

	if (cp->resync) {
		rc = cp_push(cp, config_store_running(&cp->store));
		if (rc == 0) {
			cp->resync = false;
			cp->inflight_kind = PUSH_RUNNING;
			log_info("pushing the running configuration (%s)", cp_source(cp));
		} else if (rc == -EMSGSIZE || rc == -EINVAL || rc == -ENOMEM) {
			cp->resync = false;
			log_error("cannot push the running configuration (%s): %s",
				  cp_source(cp), strerror(-rc));
		}
		/* else: the session was lost; ready() will ask again */
		return;
	}

	if (cp->netconf && apply_queued(&cp->bridge)) {
		json_t *doc = apply_take(&cp->bridge);

		if (!doc)
			return;
		if (apply_taken_kind(&cp->bridge) == APPLY_REQUEST) {
			rc = dpclient_request(cp->dp, doc);
			if (rc == 0) {
				cp->inflight_kind = REQ_NETCONF;
			} else {
				struct apply_result ar = { .ok = false };

				snprintf(ar.message, sizeof(ar.message),
					 "cannot send the request to rampart-dp: %s", strerror(-rc));
				apply_finish(&cp->bridge, &ar);
			}
			return;
		}
		rc = cp_push(cp, doc);
		if (rc == 0) {
			cp->inflight = json_incref(doc);
			cp->inflight_kind = PUSH_NETCONF;
			log_info("pushing a NETCONF configuration");
		} else {
			struct apply_result ar = { .ok = false };

			snprintf(ar.message, sizeof(ar.message),
				 "cannot send the configuration to rampart-dp: %s", strerror(-rc));
			apply_finish(&cp->bridge, &ar);
		}
		return;
	}

	if (cp->pending) {
		rc = cp_push(cp, cp->pending);
		if (rc == 0) {
			cp->inflight = cp->pending;
			cp->pending = NULL;
			cp->inflight_kind = PUSH_CANDIDATE;
			log_info("pushing the configuration from %s", cp->config_path);
		} else if (rc == -EMSGSIZE || rc == -EINVAL || rc == -ENOMEM) {
			char desc[512];

			log_error("cannot push the configuration from %s: %s; keeping the previous running configuration (%s)",
				  cp->config_path, strerror(-rc),
				  cp_running_desc(cp, desc, sizeof(desc)));
			json_decref(cp->pending);
			cp->pending = NULL;
		}
	}
}

static void cp_reload(struct cp *cp)
{
	char err[512], desc[512];
	json_t *cand;

	if (cp->netconf) {
		log_info("SIGHUP: the configuration is managed through NETCONF; nothing to re-read");
		return;
	}
	if (!cp->config_path) {
		log_info("SIGHUP: running the embedded default configuration, no --config file to re-read");
		return;
	}
	if (config_load_file(cp->config_path, &cand, err, sizeof(err))) {
		log_error("SIGHUP: %s; keeping the running configuration (%s)",
			  err, cp_running_desc(cp, desc, sizeof(desc)));
		return;
	}
	log_info("SIGHUP: re-read %s", cp->config_path);
	if (cp->pending) {
		log_info("a configuration re-read earlier was not pushed yet; the new one replaces it");
		json_decref(cp->pending);
	}
	cp->pending = cand;
	if (!dpclient_idle(cp->dp) && cp->inflight_kind == PUSH_NONE)
		log_info("the dataplane is not connected; the configuration will be pushed once it is");
	cp_kick(cp);
}

/* Returns false when the daemon should stop. */
static bool cp_handle_signals(struct cp *cp, int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_error("cannot read the signalfd: %s", strerror(errno));
			return !cp->stop;
		}
		if ((size_t)n < sizeof(si))
			return !cp->stop;
		switch (si.ssi_signo) {
		case SIGHUP:
			cp_reload(cp);
			break;
		case SIGINT:
		case SIGTERM:
			log_info("received %s, exiting",
				 si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			cp->stop = true;
			break;
		default:
			break;
		}
	}
}

/* Create, lock and fill the pidfile. The lock (held while the fd is open)
 * refuses a second daemon on the same pidfile. Returns the fd or -1. */
static int pidfile_open(const char *path)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot open the pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			log_error("the pidfile %s is locked: another rampart-cp is running", path);
		else
			log_error("cannot lock the pidfile %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)len) != len) {
		log_error("cannot write the pidfile %s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

static int run_daemon(const struct cp_opts *o)
{
	struct cp cp = { .config_path = o->config, .dp_socket = o->dp_socket,
			 .netconf = !o->config && !o->no_netconf, .bridge = { .efd = -1 } };
	struct datastore ds = { 0 };
	bool netconf_running = false;
	int sfd = -1, pidfd = -1, rc = EXIT_FAILURE;
	char err[512];
	sigset_t set;
	json_t *cfg;

	/* Signals only through the signalfd; the sends use MSG_NOSIGNAL but
	 * stderr may be a pipe. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_error("cannot block signals: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		log_error("cannot create a signalfd: %s", strerror(errno));
		return EXIT_FAILURE;
	}

	if (o->config)
		rc = config_load_file(o->config, &cfg, err, sizeof(err));
	else
		rc = config_load_default(&cfg, err, sizeof(err));
	if (rc) {
		log_error("cannot load the configuration: %s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (cp.netconf) {
		/* running <- startup, or the embedded default without one */
		json_t *running = NULL;

		rc = netconf_state_dir(o->state_dir, err, sizeof(err));
		if (!rc)
			rc = ds_open(&ds, o->state_dir, cfg, err, sizeof(err));
		if (!rc)
			rc = ds_to_dp_json(ds.tree[DS_RUNNING], &running, err, sizeof(err));
		json_decref(cfg);
		cfg = running;
		if (rc) {
			log_error("cannot load the NETCONF datastores: %s", err);
			rc = EXIT_FAILURE;
			goto out;
		}
		if (ds.has_startup)
			snprintf(err, sizeof(err), "%s/%s", o->state_dir, DS_STARTUP);
		{
			bool loaded;
			const char *plugin = ds_type_plugin(&loaded);

			if (loaded)
				log_debug("libyang type plugin %s in use", plugin);
			else
				log_info("no libyang type plugin at %s: NACM rules parse slower (same results)",
					 plugin);
		}
	}
	if (config_store_replace(&cp.store, cfg,
				 cp.netconf && ds.has_startup ? err : o->config)) {
		log_error("cannot load the configuration: out of memory");
		rc = EXIT_FAILURE;
		goto out;
	}
	rc = EXIT_FAILURE;

	if (o->pidfile) {
		pidfd = pidfile_open(o->pidfile);
		if (pidfd < 0)
			goto out;
	}

	cp.dp = dpclient_new(o->dp_socket, &cp_dp_ops, &cp);
	if (!cp.dp) {
		log_error("cannot use the dataplane socket %s: %s", o->dp_socket,
			  strerror(errno));
		goto out;
	}
	log_info("rampart-cp %s starting: dataplane socket %s, configuration %s",
		 RAMPART_VERSION, o->dp_socket, cp_source(&cp));

	if (cp.netconf) {
		struct netconf_opts no = {
			.address = o->netconf_address, .port = o->netconf_port,
			.state_dir = o->state_dir,
		};

		if (apply_bridge_init(&cp.bridge)) {
			log_error("cannot create the apply bridge: %s", strerror(errno));
			goto out;
		}
		if (netconf_start(&no, &ds, &cp.bridge, err, sizeof(err))) {
			log_error("cannot start the NETCONF server: %s", err);
			goto out;
		}
		netconf_running = true;
	}

	while (!cp.stop) {
		struct pollfd pfd[3] = { { .fd = sfd, .events = POLLIN },
					 { .fd = cp.netconf ? cp.bridge.efd : -1, .events = POLLIN } };
		nfds_t n = 2;
		int ready;

		if (dpclient_pollfd(cp.dp, &pfd[2]))
			n = 3;
		ready = poll(pfd, n, dpclient_timeout_ms(cp.dp));
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll failed: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents & POLLIN) {
			if (!cp_handle_signals(&cp, sfd))
				break;
		}
		dpclient_process(cp.dp, n == 3 ? pfd[2].revents : 0);
		/* a NETCONF change just queued, or left queued by a session that
		 * ended, is pushed now or refused when there is no dataplane */
		if ((pfd[1].revents & POLLIN) ||
		    (cp.netconf && !dpclient_ready(cp.dp) && apply_queued(&cp.bridge)))
			cp_kick(&cp);
	}
	rc = EXIT_SUCCESS;

out:
	if (cp.netconf && cp.bridge.efd >= 0) {
		/* answer what the NETCONF thread waits for, then join it */
		apply_close(&cp.bridge);
		if (netconf_running)
			netconf_stop();
		apply_bridge_fini(&cp.bridge);
	}
	ds_close(&ds);
	dpclient_free(cp.dp);
	cp_waf_free(&cp.waf);
	json_decref(cp.pending);
	json_decref(cp.inflight);
	config_store_fini(&cp.store);
	if (pidfd >= 0) {
		unlink(o->pidfile);
		close(pidfd);
	}
	if (sfd >= 0)
		close(sfd);
	return rc;
}

/* ---- one-shot tools ---------------------------------------------------- */

static int print_json(const json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF) {
		log_error("cannot write the reply to stdout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int run_check(const char *file)
{
	char err[512];
	json_t *cfg;

	if (config_load_file(file, &cfg, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_TOOL_REFUSED;
	}
	json_decref(cfg);
	printf("%s: ok (JSON syntax and schema %d; the dataplane validates the rest)\n",
	       file, CP_CONFIG_SCHEMA);
	return fflush(stdout) == EOF ? EXIT_TOOL_REFUSED : EXIT_TOOL_OK;
}

/* add-user NAME: the password is one line on stdin (a terminal or a pipe);
 * only its crypt(3) hash reaches the disk. */
static int run_add_user(const char *name, const char *groups, const char *state_dir)
{
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	int rc;

	if (!users_name_ok(name)) {
		log_error("bad user name '%s': 1 to 64 of A-Z a-z 0-9 . _ -", name);
		return EXIT_USAGE;
	}
	n = getline(&line, &cap, stdin);
	if (n <= 0) {
		log_error("add-user: no password on stdin");
		free(line);
		return EXIT_TOOL_REFUSED;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	rc = users_set_password(state_dir, name, line, err, sizeof(err));
	explicit_bzero(line, cap);
	free(line);
	if (!rc && groups)
		rc = users_set_groups(state_dir, name, groups, err, sizeof(err));
	if (rc) {
		log_error("add-user: %s", err);
		return EXIT_TOOL_REFUSED;
	}
	printf("user %s: password set in %s/%s%s%s\n", name, state_dir, USERS_FILE,
	       groups ? "; NACM groups " : "", groups ? groups : "");
	return fflush(stdout) == EOF ? EXIT_TOOL_REFUSED : EXIT_TOOL_OK;
}

/* push, get-config, stats: one request, its reply on stdout. */
static int run_request(const struct cp_opts *o)
{
	struct dp_tool tool;
	json_t *req, *reply = NULL, *cfg = NULL;
	char err[512];
	int rc;

	if (strcmp(o->cmd, "push") == 0) {
		if (config_load_file(o->file, &cfg, err, sizeof(err))) {
			log_error("%s", err);
			return EXIT_TOOL_REFUSED;
		}
		req = json_pack("{s:s, s:o}", "type", "config-push", "config", cfg);
	} else if (strcmp(o->cmd, "get-config") == 0) {
		req = json_pack("{s:s}", "type", "config-get");
	} else {
		req = json_pack("{s:s}", "type", "stats-get");
	}
	if (!req) {
		log_error("cannot build the %s request: out of memory", o->cmd);
		return EXIT_TOOL_NO_DP;
	}

	signal(SIGPIPE, SIG_IGN);
	rc = dp_tool_open(&tool, o->dp_socket, "tool", DPCLIENT_TIMEOUT_MS,
			  err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		json_decref(req);
		return EXIT_TOOL_NO_DP;
	}
	rc = dp_tool_call(&tool, req, DPCLIENT_TIMEOUT_MS, &reply, err, sizeof(err));
	dp_tool_close(&tool);
	json_decref(req);
	if (rc) {
		log_error("%s", err);
		return EXIT_TOOL_NO_DP;
	}

	if (print_json(reply)) {
		rc = EXIT_TOOL_NO_DP;
	} else if (json_is_true(json_object_get(reply, "ok"))) {
		rc = EXIT_TOOL_OK;
	} else {
		log_error("the dataplane refused %s: %s", o->cmd,
			  dp_reply_error(reply, err, sizeof(err)));
		rc = EXIT_TOOL_REFUSED;
	}
	json_decref(reply);
	return rc;
}

/* ---- command line ------------------------------------------------------ */

enum { OPT_DP_SOCKET = 256, OPT_CONFIG, OPT_PIDFILE, OPT_LOG_LEVEL, OPT_VERSION,
       OPT_NETCONF_PORT, OPT_NETCONF_ADDRESS, OPT_STATE_DIR, OPT_NO_NETCONF, OPT_GROUPS };

static const struct option long_opts[] = {
	{ "dp-socket", required_argument, NULL, OPT_DP_SOCKET },
	{ "config",    required_argument, NULL, OPT_CONFIG },
	{ "pidfile",   required_argument, NULL, OPT_PIDFILE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "version",   no_argument,       NULL, OPT_VERSION },
	{ "netconf-port",    required_argument, NULL, OPT_NETCONF_PORT },
	{ "netconf-address", required_argument, NULL, OPT_NETCONF_ADDRESS },
	{ "state-dir",       required_argument, NULL, OPT_STATE_DIR },
	{ "no-netconf",      no_argument,       NULL, OPT_NO_NETCONF },
	{ "groups",          required_argument, NULL, OPT_GROUPS },
	{ "help",      no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Commands, how many FILE arguments they take, and whether they talk to the
 * dataplane (and so accept --dp-socket). */
static const struct {
	const char *name;
	int nargs;
	bool uses_dp;
} commands[] = {
	{ "push",       1, true },
	{ "get-config", 0, true },
	{ "stats",      0, true },
	{ "check",      1, false },
	{ "add-user",   1, false },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct cp_opts *o)
{
	bool dp_socket_set = false;
	int c, i, nargs = 0;
	bool uses_dp = true;

	bool state_dir_set = false;
	char *end;
	unsigned long port;

	*o = (struct cp_opts){ .dp_socket = DPCLIENT_DEFAULT_SOCKET,
			       .netconf_address = NETCONF_DEFAULT_ADDRESS,
			       .netconf_port = NETCONF_DEFAULT_PORT,
			       .state_dir = NETCONF_DEFAULT_STATE_DIR };
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DP_SOCKET:
			o->dp_socket = optarg;
			dp_socket_set = true;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_PIDFILE:
			o->pidfile = optarg;
			break;
		case OPT_GROUPS:
			o->groups = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (cp_log_parse_level(optarg, &o->log_level)) {
				fprintf(stderr, "rampart-cp: --log-level: unknown level '%s' (error, warn, info, debug)\n",
					optarg);
				return EXIT_USAGE;
			}
			o->log_level_set = true;
			break;
		case OPT_NETCONF_PORT:
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || port == 0 || port > 65535) {
				fprintf(stderr, "rampart-cp: --netconf-port: '%s' is not a port (1-65535)\n",
					optarg);
				return EXIT_USAGE;
			}
			o->netconf_port = (uint16_t)port;
			o->netconf_set = true;
			break;
		case OPT_NETCONF_ADDRESS:
			o->netconf_address = optarg;
			o->netconf_set = true;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			state_dir_set = true;
			break;
		case OPT_NO_NETCONF:
			o->no_netconf = true;
			break;
		case OPT_VERSION:
			printf("rampart-cp %s\n", RAMPART_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (o->groups && (optind == argc || strcmp(argv[optind], "add-user") != 0)) {
		fprintf(stderr, "rampart-cp: --groups belongs to add-user\n");
		return EXIT_USAGE;
	}
	if (optind == argc) { /* daemon */
		if ((o->config || o->no_netconf) && (o->netconf_set || state_dir_set)) {
			fprintf(stderr, "rampart-cp: --netconf-port, --netconf-address and --state-dir need NETCONF mode (no --config, no --no-netconf)\n");
			return EXIT_USAGE;
		}
		return -1;
	}

	o->cmd = argv[optind++];
	for (i = 0; i < (int)(sizeof(commands) / sizeof(commands[0])); i++) {
		if (strcmp(o->cmd, commands[i].name) == 0)
			break;
	}
	if (i == (int)(sizeof(commands) / sizeof(commands[0]))) {
		fprintf(stderr, "rampart-cp: unknown command '%s'\n", o->cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	nargs = commands[i].nargs;
	uses_dp = commands[i].uses_dp;
	if (argc - optind != nargs) {
		fprintf(stderr, "rampart-cp: %s takes %s\n", o->cmd,
			nargs ? "one FILE argument" : "no argument");
		return EXIT_USAGE;
	}
	if (nargs)
		o->file = argv[optind];
	if (o->config || o->pidfile || (dp_socket_set && !uses_dp) || o->netconf_set ||
	    o->no_netconf || (state_dir_set && strcmp(o->cmd, "add-user") != 0)) {
		fprintf(stderr, "rampart-cp: %s does not take %s\n", o->cmd,
			o->config ? "--config" : o->pidfile ? "--pidfile" :
			o->netconf_set ? "--netconf-port/--netconf-address" :
			o->no_netconf ? "--no-netconf" : state_dir_set ? "--state-dir" : "--dp-socket");
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cp_opts o;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* The daemon reports its life at info; tools only what went wrong. */
	if (o.log_level_set)
		cp_log_set_level(o.log_level);
	else
		cp_log_set_level(o.cmd ? CP_LOG_WARN : CP_LOG_INFO);

	if (!o.cmd)
		return run_daemon(&o);
	if (strcmp(o.cmd, "check") == 0)
		return run_check(o.file);
	if (strcmp(o.cmd, "add-user") == 0)
		return run_add_user(o.file, o.groups, o.state_dir);
	return run_request(&o);
}
