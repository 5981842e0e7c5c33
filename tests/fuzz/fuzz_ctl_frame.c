/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for the control channel decoder (common/ctl/frame.c).
 *
 * Input: 4 bytes seeding the chunking, then the byte stream. The stream is
 * decoded twice, once fed whole and once in pseudo-random chunks (1 byte to
 * 1 KiB) with messages drained after every feed; both runs must yield the
 * same messages and end the same way (need-more or the same error). Every
 * decoded message must re-encode and decode to an equal message. Any
 * difference aborts, so ASan/UBSan findings and logic errors both show up.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/frame.h"

struct run {
	struct ctl_msg *msgs;
	size_t n, cap;
	int end;   /* the last ctl_decoder_next() result: 0 or -errno */
};

static void run_add(struct run *r, struct ctl_msg *m)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct ctl_msg *nm = realloc(r->msgs, cap * sizeof(*nm));

		if (!nm)
			abort();
		r->msgs = nm;
		r->cap = cap;
	}
	r->msgs[r->n++] = *m;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		ctl_msg_free(&r->msgs[i]);
	free(r->msgs);
}

/* Drain whole messages; returns the result that stopped it. */
static int drain(struct ctl_decoder *d, struct run *r)
{
	struct ctl_msg m;
	int rc;

	while ((rc = ctl_decoder_next(d, &m)) == 1) {
		if (!json_is_string(json_object_get(m.json, "type")))
			abort();
		if ((m.blob_len == 0) != (m.blob == NULL))
			abort();
		run_add(r, &m);
	}
	return rc;
}

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void check_reencode(const struct ctl_msg *m)
{
	struct ctl_decoder d;
	struct ctl_msg again;
	uint8_t *f;
	size_t len;

	if (ctl_frame_encode(m->json, m->blob, m->blob_len, &f, &len) != 0)
		abort();
	ctl_decoder_init(&d);
	if (ctl_decoder_feed(&d, f, len) != 0 || ctl_decoder_next(&d, &again) != 1)
		abort();
	if (!json_equal(m->json, again.json) || again.blob_len != m->blob_len ||
	    (m->blob_len && memcmp(m->blob, again.blob, m->blob_len) != 0) ||
	    d.len != 0)
		abort();
	ctl_msg_free(&again);
	ctl_decoder_fini(&d);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole = { 0 }, split = { 0 };
	struct ctl_decoder d;
	uint32_t seed;
	size_t off;

	if (size < 4)
		return 0;
	memcpy(&seed, data, 4);
	data += 4;
	size -= 4;

	/* Whole. */
	ctl_decoder_init(&d);
	if (ctl_decoder_feed(&d, data, size) != 0)
		abort();
	whole.end = drain(&d, &whole);
	ctl_decoder_fini(&d);

	/* In chunks, draining after each; stop at the first error as a real
	 * peer would. */
	ctl_decoder_init(&d);
	split.end = 0;
	for (off = 0; off < size && split.end == 0;) {
		size_t chunk = 1 + xorshift32(&seed) % 1024;

		if (chunk > size - off)
			chunk = size - off;
		if (ctl_decoder_feed(&d, data + off, chunk) != 0)
			abort();
		off += chunk;
		split.end = drain(&d, &split);
	}
	if (size == 0)
		split.end = drain(&d, &split);
	ctl_decoder_fini(&d);

	if (whole.n != split.n || whole.end != split.end)
		abort();
	for (size_t i = 0; i < whole.n; i++) {
		const struct ctl_msg *a = &whole.msgs[i], *b = &split.msgs[i];

		if (!json_equal(a->json, b->json) || a->blob_len != b->blob_len ||
		    (a->blob_len && memcmp(a->blob, b->blob, a->blob_len) != 0))
			abort();
		check_reencode(a);
	}

	run_free(&whole);
	run_free(&split);
	return 0;
}
