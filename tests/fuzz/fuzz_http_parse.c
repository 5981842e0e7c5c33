/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for the HTTP/1.1 request parser (dataplane/http/).
 *
 * Input: 4 bytes that seed the chunking and pick the limits (bit 0 of the
 * first byte: tiny limits so every bound is reached; bit 1: trailers
 * allowed), then the byte stream, parsed as pipelined requests. The stream is
 * parsed whole, then at pseudo-random splits, then one byte at a time (up
 * to 4 KiB); every run must render the same (tests/unit/http_replay.h): same
 * fields, views, body bytes and refusal. A difference aborts, so ASan/UBSan
 * findings and split-dependent behaviour both show up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_replay.h"

static void differ(const char *how, const struct replay *a, const struct replay *b)
{
	fprintf(stderr, "fuzz_http_parse: %s run differs\n--- whole:\n%s\n--- %s:\n%s\n",
		how, a->text, how, b->text);
	abort();
}

static bool same(const struct replay *a, const struct replay *b)
{
	return a->end == b->end && a->messages == b->messages && a->len == b->len &&
	       !memcmp(a->text, b->text, a->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim;
	struct replay whole, r;
	uint64_t seed;
	size_t *cuts, n;
	const char *wire;

	if (size < 4)
		return 0;
	http_limits_default(&lim);
	if (data[0] & 1)
		lim = (struct http_limits){ .request_line = 64, .header_count = 4,
			.header_bytes = 128, .query_args = 3, .cookies = 3, .chunk_ext = 8,
			.body = 64, .chunk_size = 32 };
	if (data[0] & 2)
		lim.trailer_bytes = 16;
	seed = (uint64_t)data[0] << 24 | (uint64_t)data[1] << 16 |
	       (uint64_t)data[2] << 8 | data[3] | 1;
	wire = (const char *)data + 4;
	size -= 4;
	cuts = malloc((size + 1) * sizeof(*cuts));
	if (!cuts)
		abort();

	replay_run(&lim, wire, size, NULL, 0, &whole);
	/* eof accepted the end: only empty lines may follow the last message */
	if (whole.end == HTTP_R_OK)
		for (size_t i = whole.used; i < size; i++)
			if (wire[i] != '\r' && wire[i] != '\n')
				abort();
	for (int k = 0; k < 4; k++) {
		n = replay_random_cuts(&seed, size, cuts, size);
		replay_run(&lim, wire, size, cuts, n, &r);
		if (!same(&whole, &r))
			differ("random", &whole, &r);
		replay_free(&r);
	}
	if (size <= 4096 && size > 1) {
		for (size_t i = 0; i + 1 < size; i++)
			cuts[i] = i + 1;
		replay_run(&lim, wire, size, cuts, size - 1, &r);
		if (!same(&whole, &r))
			differ("1-byte", &whole, &r);
		replay_free(&r);
	}
	replay_free(&whole);
	free(cuts);
	return 0;
}
