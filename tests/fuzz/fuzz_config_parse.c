/* SPDX-License-Identifier: Proprietary
 * libFuzzer: arbitrary bytes as a config document. The parser must refuse
 * or accept without crashing, leaking or reading out of bounds, and an
 * accepted snapshot must satisfy the invariants the workers rely on.
 */
#include <assert.h>
#include <stdint.h>
#include <stddef.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	struct snapshot *s;
	json_t *doc;

	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return 0;
	s = config_parse(doc, 4, &err);
	json_decref(doc);
	if (s == NULL) {
		assert(err.message[0] != '\0');
		return 0;
	}
	for (unsigned p = 0; p < CFG_MAX_PORTS; p++) {
		assert(p < 4 || !s->port[p].configured);
		assert(s->port[p].n4 <= CFG_MAX_ADDRS && s->port[p].n6 <= CFG_MAX_ADDRS);
		for (unsigned i = 0; i < s->port[p].n4; i++)
			assert(s->port[p].v4[i].plen >= 1 && s->port[p].v4[i].plen <= 32);
	}
	assert(s->neigh.probes >= 1 && s->neigh.pending_max >= 1);
	snapshot_free(s);
	return 0;
}
