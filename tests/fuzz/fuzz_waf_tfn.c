/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for the WAF transformations (dataplane/waf/waf_tfn.c).
 *
 * Input: byte 0 = chain length (1..4, low 2 bits + 1), bytes 1..4 = the
 * transformations (each modulo the table size, looked up again by name so
 * the name table is exercised), then the value. Every step runs into a
 * buffer of exactly waf_tfn_bound() bytes (ASan catches any overrun) and
 * must return a length within it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	unsigned n = (data[0] & 3) + 1;
	const uint8_t *in = data + 5;
	size_t len = size - 5;
	uint8_t *cur = malloc(len ? len : 1);
	if (!cur)
		return 0;
	memcpy(cur, in, len);
	for (unsigned i = 0; i < n; i++) {
		enum waf_tfn t = (enum waf_tfn)(data[1 + i] % WAF_T__COUNT);
		const char *name = waf_tfn_name(t);
		if (waf_tfn_lookup(name, strlen(name)) != (int)t)
			abort();
		size_t cap = waf_tfn_bound(t, len);
		uint8_t *out = malloc(cap ? cap : 1);
		if (!out)
			break;
		ssize_t r = waf_tfn_apply(t, cur, len, out, cap);
		if (r < 0 || (size_t)r > cap)
			abort();
		free(cur);
		cur = out;
		len = (size_t)r;
	}
	free(cur);
	return 0;
}
