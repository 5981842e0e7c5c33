/* SPDX-License-Identifier: Proprietary
 * The dataplane's configuration snapshot: immutable once published.
 *
 * A snapshot is built by the main lcore from a validated config document,
 * published with one atomic pointer store, read by workers at the top of each
 * burst, and freed only after every worker has passed a quiescent state
 * (config/snapshot.c). Nothing in it points outside itself, so a worker that
 * holds the pointer for one burst needs no other protection.
 */
#ifndef RAMPART_CONFIG_TYPES_H
#define RAMPART_CONFIG_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>

#define CFG_MAX_PORTS       8
#define CFG_MAX_ADDRS       8   /* per family and port */
#define CFG_NAME_MAX        32

struct cfg_addr4 {
	uint32_t addr;   /* network order */
	uint32_t mask;   /* network order */
	uint8_t plen;
};

struct cfg_addr6 {
	uint8_t addr[16];
	uint8_t plen;
};

struct cfg_port {
	bool configured;
	char name[CFG_NAME_MAX];
	uint16_t mtu;
	uint8_t n4, n6;
	struct cfg_addr4 v4[CFG_MAX_ADDRS];
	struct cfg_addr6 v6[CFG_MAX_ADDRS];
	bool has_gw4, has_gw6;
	uint32_t gw4;              /* network order */
	uint8_t gw6[16];
	/* Filled by the dataplane from the device, not from the document. */
	struct rte_ether_addr mac;
	uint8_t ll6[16];           /* link-local address derived from mac (EUI-64) */
};

struct cfg_neigh {
	uint32_t reachable_ms;     /* REACHABLE lasts this long without confirmation */
	uint32_t retrans_ms;       /* between solicitations */
	uint32_t probes;           /* solicitations before giving up */
	uint32_t pending_max;      /* packets held per unresolved neighbour */
	uint32_t entries_max;      /* neighbours in the table */
};

#define CFG_MAX_TEST_SERVICES 8

enum cfg_test_service { CFG_SVC_ECHO = 1, CFG_SVC_DISCARD, CFG_SVC_SEND, CFG_SVC_RELAY };

struct cfg_test_svc {
	uint16_t port;             /* local, host order */
	uint8_t kind;              /* enum cfg_test_service */
	uint8_t family;            /* relay: AF_INET or AF_INET6 of addr */
	uint32_t bytes;            /* send: bytes of the pattern to send */
	uint8_t addr[16];          /* relay: upstream address, network order */
	uint16_t uport;            /* relay: upstream port, host order */
};

struct cfg_tcp {
	uint32_t max_conns;        /* per worker */
	uint32_t rcvbuf;           /* receive queue bytes per connection */
	uint32_t sndbuf;           /* send queue bytes per connection */
	uint32_t ooo_max;          /* out-of-order segments per connection */
	uint32_t rto_min_ms;
	uint32_t delack_ms;
	uint32_t time_wait_ms;     /* TIME-WAIT and FIN-WAIT-2 */
	uint32_t challenge_acks;   /* per second and worker (RFC 5961 7) */
	uint32_t syn_backlog;      /* half-open per worker before SYN cookies engage */
	uint32_t max_half_open_per_src;  /* per worker and source address; 0: off */
	uint32_t max_conns_per_src;      /* all states, per worker and source; 0: off */
	bool syn_cookies;          /* false: SYNs beyond syn_backlog are dropped */
	uint32_t keepalive_idle_ms;      /* RFC 1122 4.2.3.6; 0: no keep-alive */
	uint32_t keepalive_interval_ms;  /* between unanswered probes */
	uint32_t keepalive_probes;       /* unanswered probes before the abort */
	uint32_t mss_clamp;        /* upper bound of both MSS of every connection; 0: off */
	uint32_t rx_mbufs_max;     /* received mbufs TCP holds per worker; 0: derived */
	uint8_t nservices;
	struct cfg_test_svc service[CFG_MAX_TEST_SERVICES];
};

/* HTTP proxy (dataplane/proxy/): limits, timeouts, listeners, routes,
 * upstreams. Routes are compiled into per-listener lookup orders when the
 * snapshot is built (proxy/route.c), never per request. */
#define CFG_MAX_LISTENERS   16     /* TCP_MAX_LISTENERS */
#define CFG_MAX_ROUTES      128
#define CFG_MAX_UPSTREAMS   32
#define CFG_MAX_SERVERS     16     /* per upstream */
#define CFG_HOST_MAX        254    /* RFC 1035 name, plus the "*." of a wildcard */
#define CFG_PREFIX_MAX      256
#define CFG_HC_PATH_MAX     128

#define CFG_ACCESS_LOG_MAX 256         /* path with its NUL */

struct cfg_http {
	uint32_t max_sessions;         /* per worker */
	uint32_t request_line;         /* bytes, → 414 */
	uint32_t header_count;         /* → 431 */
	uint32_t header_bytes;         /* → 431 */
	uint32_t body;                 /* bytes, → 413 */
	uint32_t chunk;                /* bytes of one chunk, → 413 */
	uint32_t header_read_ms;       /* first byte of a request to its end of head → 408 */
	uint32_t body_idle_ms;         /* between body bytes → 408 */
	uint32_t keepalive_idle_ms;    /* idle between requests → close */
	uint32_t upstream_connect_ms;
	uint32_t upstream_response_ms;
	char access_log[CFG_ACCESS_LOG_MAX];   /* absolute path; "" = none (then
	                                        * rampart-dp's --access-log, if given) */
};

struct cfg_listener {
	char name[CFG_NAME_MAX];
	uint16_t port;                 /* host order */
	uint8_t family;                /* 0: any of our addresses, else AF_INET/AF_INET6 */
	uint8_t addr[16];              /* with family; IPv4 in the first 4 bytes */
};

enum cfg_host_kind { CFG_HOST_ANY, CFG_HOST_EXACT, CFG_HOST_WILDCARD };

struct cfg_route {
	char name[CFG_NAME_MAX];
	uint8_t listener;              /* index in cfg_http listeners */
	uint8_t upstream;              /* index in upstreams */
	uint8_t host_kind;             /* enum cfg_host_kind */
	uint16_t methods;              /* bit (1 << enum http_method); 0: all */
	uint16_t host_len;             /* exact: the name; wildcard: ".suffix" */
	uint16_t prefix_len;
	char host[CFG_HOST_MAX + 1];   /* lowercase */
	char prefix[CFG_PREFIX_MAX + 1];
};

enum cfg_balance { CFG_BALANCE_ROUND_ROBIN, CFG_BALANCE_LEAST_CONN };

struct cfg_server {
	uint8_t family;                /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;                 /* host order */
	uint16_t weight;               /* 1..256 */
};

struct cfg_upstream {
	char name[CFG_NAME_MAX];
	uint8_t balance;               /* enum cfg_balance */
	uint8_t nservers;
	struct cfg_server server[CFG_MAX_SERVERS];
	bool hc_enabled;
	char hc_path[CFG_HC_PATH_MAX + 1];
	uint32_t hc_interval_ms, hc_rise, hc_fall;
	uint32_t ka_max_idle;          /* idle connections kept per worker and server */
	uint32_t ka_idle_timeout_ms;
	uint32_t ka_max_requests;      /* per upstream connection, then Connection: close */
	uint16_t hc_status;            /* expected status of a check; 0: any 2xx or 3xx */
	uint32_t ej_failures;          /* consecutive failures that eject a server (per worker) */
	uint32_t ej_period_ms;         /* for this long */
	bool pass_5xx_body;            /* relay backend 5xx bodies (default: generic ones) */
};

/* Routes of one listener in lookup order (proxy/route.c): host groups from
 * the most specific (exact, then wildcards by longer suffix, then any), and
 * in each group longer prefixes first. */
struct cfg_route_order {
	uint16_t n;
	uint8_t idx[CFG_MAX_ROUTES];
};

struct cfg_proxy {
	struct cfg_http http;
	uint8_t nlisteners, nupstreams;
	uint16_t nroutes;
	struct cfg_listener listener[CFG_MAX_LISTENERS];
	struct cfg_route route[CFG_MAX_ROUTES];
	struct cfg_upstream upstream[CFG_MAX_UPSTREAMS];
	struct cfg_route_order order[CFG_MAX_LISTENERS];
};

/* Test-only impairment of one port and direction (port/impair.h). */
#define CFG_MAX_IMPAIR (2 * CFG_MAX_PORTS)

enum cfg_impair_dir { CFG_IMPAIR_RX = 0, CFG_IMPAIR_TX = 1 };

struct cfg_impair {
	uint16_t port;
	uint8_t dir;               /* enum cfg_impair_dir */
	uint32_t seed;             /* the PRNG's, mixed with worker, port, direction */
	uint32_t loss_ppm, dup_ppm, reorder_ppm, corrupt_ppm;  /* per million frames */
	uint32_t reorder_delay_ms; /* how long a reordered frame is held back */
	uint32_t rate_kbps;        /* 0: no rate limit */
};

/* WAF (proxy/waf_stage.c, config/config_waf.c): mode, scoring, per-route
 * overrides and exclusions. The rule program itself is shipped beside the
 * document (proxy/waf_runtime.h) and referenced by the snapshot. */
#define CFG_WAF_MAX_RULE_SETS   8
#define CFG_WAF_PATH_MAX        255
#define CFG_WAF_MAX_OVERRIDES   32
#define CFG_WAF_MAX_EXCL_IDS    32
#define CFG_WAF_MAX_EXCL_TAGS   8
#define CFG_WAF_MAX_EXCL_TARGETS 8
#define CFG_WAF_MAX_TARGET_RULES 8
#define CFG_WAF_TAG_MAX         63
#define CFG_WAF_TARGET_MAX      63

enum cfg_waf_mode { CFG_WAF_OFF, CFG_WAF_DETECT, CFG_WAF_BLOCK };

struct cfg_waf_target_excl {
	char target[CFG_WAF_TARGET_MAX + 1];  /* "ARGS:q", "REQUEST_HEADERS:user-agent" */
	uint8_t nrules;                       /* 0: every rule */
	uint32_t rules[CFG_WAF_MAX_TARGET_RULES];
};

struct cfg_waf_override {
	uint16_t route;                       /* index in cfg_proxy routes */
	bool has_mode;
	uint8_t mode;                         /* enum cfg_waf_mode */
	uint8_t nids, ntags, ntargets;
	uint32_t ids[CFG_WAF_MAX_EXCL_IDS];
	char tags[CFG_WAF_MAX_EXCL_TAGS][CFG_WAF_TAG_MAX + 1];
	struct cfg_waf_target_excl targets[CFG_WAF_MAX_EXCL_TARGETS];
};

struct cfg_waf {
	uint8_t mode;                         /* enum cfg_waf_mode */
	uint8_t paranoia;                     /* 1..4 */
	uint32_t inbound_threshold;
	uint8_t noverrides;
	struct cfg_waf_override override[CFG_WAF_MAX_OVERRIDES];
	uint8_t override_of[CFG_MAX_ROUTES];  /* 0: none, else index + 1 */
};

struct waf_runtime;

struct snapshot {
	uint64_t generation;       /* 0: the empty boot snapshot */
	uint16_t nports;           /* ports the dataplane has */
	struct cfg_port port[CFG_MAX_PORTS];
	struct cfg_neigh neigh;
	bool icmp_echo;
	struct cfg_tcp tcp;
	struct cfg_proxy proxy;
	uint8_t nimpair;
	struct cfg_impair impair[CFG_MAX_IMPAIR];
	struct cfg_waf waf;
	/* The WAF rule program in force (immutable, shared by the snapshots
	 * that use it, reference held by this one; NULL: none loaded). */
	struct waf_runtime *waf_rt;
	char *source;              /* the accepted document, compact JSON */
};

#endif
