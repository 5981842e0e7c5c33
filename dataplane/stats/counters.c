/* SPDX-License-Identifier: Proprietary */
#include <string.h>
#include "stats/counters.h"

#define LAYER_NAME_PORT  "port"
#define LAYER_NAME_ETH   "eth"
#define LAYER_NAME_ARP   "arp"
#define LAYER_NAME_IPV4  "ipv4"
#define LAYER_NAME_ICMP  "icmp"
#define LAYER_NAME_IPV6  "ipv6"
#define LAYER_NAME_ICMP6 "icmp6"
#define LAYER_NAME_NEIGH "neigh"
#define LAYER_NAME_CTL   "ctl"
#define LAYER_NAME_TCP   "tcp"
#define LAYER_NAME_HTTP  "http"
#define LAYER_NAME_WAF   "waf"

const struct cnt_desc cnt_desc[CNT__MAX] = {
#define COUNTER(layer, sym, name, sev, text) \
	[CNT_##layer##_##sym] = { LAYER_NAME_##layer, name, CNT_##sev, text },
#include "port/port_counters.def"
#include "port/impair_counters.def"
#include "net/eth_counters.def"
#include "net/arp_counters.def"
#include "net/ipv4_counters.def"
#include "net/icmp_counters.def"
#include "net/ipv6_counters.def"
#include "net/icmp6_counters.def"
#include "net/neigh_counters.def"
#include "ctl/ctl_counters.def"
#include "tcp/tcp_counters.def"
#include "proxy/proxy_counters.def"
#include "proxy/waf_counters.def"
#undef COUNTER
};

static const char *const layer_names[] = {
	LAYER_NAME_PORT, LAYER_NAME_ETH, LAYER_NAME_ARP, LAYER_NAME_IPV4,
	LAYER_NAME_ICMP, LAYER_NAME_IPV6, LAYER_NAME_ICMP6, LAYER_NAME_NEIGH,
	LAYER_NAME_CTL, LAYER_NAME_TCP, LAYER_NAME_HTTP, LAYER_NAME_WAF,
};

unsigned
cnt_layer_count(void)
{
	return RTE_DIM(layer_names);
}

const char *
cnt_layer_name(unsigned i)
{
	return i < RTE_DIM(layer_names) ? layer_names[i] : NULL;
}
