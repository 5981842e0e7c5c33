/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for the proxy's response side (dataplane/proxy/
 * upstream.c): the response-head parser, its rewrite, and the chunked-body
 * scanner.
 *
 * Input: one flag byte (bit 0: the request was HEAD; bits 1..7 seed the
 * splits), then the bytes a backend sent. Checked, aborting on any
 * difference (so ASan/UBSan findings and split-dependent behaviour both
 * show up):
 *  - every prefix of the head parses to "more" (0) until the verdict, and
 *    the verdict is the same from then on (the forwarder re-parses the
 *    growing buffer);
 *  - an accepted head is rewritten, and the rewrite parses again with the
 *    same status, framing and length, Connection: close, no dropped field;
 *  - a chunked body scanned whole, at pseudo-random splits and one byte
 *    at a time gives the same end (or the same refusal).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/upstream.h"

#define PREFIX_CHECK_MAX 4096   /* prefixes re-parsed one by one up to this size */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, long a, long b)
{
	fprintf(stderr, "fuzz_proxy_response: %s (%ld vs %ld)\n", what, a, b);
	abort();
}

/* Scan p[0..n) in pieces of the sizes the generator gives; returns the
 * bytes of the body (or -1), *done as chunk_scan. */
static long
scan_split(const char *p, size_t n, uint32_t seed, int mode, bool *done)
{
	struct chunk_scan cs;
	size_t off = 0;

	memset(&cs, 0, sizeof(cs));
	*done = false;
	while (off < n && !*done) {
		size_t k = mode == 0 ? n - off : mode == 1 ? 1 : 1 + (seed = seed * 1103515245u + 12345u) % 97;
		long r;

		if (k > n - off)
			k = n - off;
		r = chunk_scan(&cs, p + off, k, done);
		if (r < 0)
			return -1;
		if ((size_t)r != k && !*done)
			die("chunk_scan stopped early without done", r, (long)k);
		off += (size_t)r;
	}
	return (long)off;
}

static bool
has_field(const char *head, const struct up_resp *r, const char *lname)
{
	for (uint32_t i = 0; i < r->nlines; i++)
		if (r->line[i].name_len == strlen(lname) &&
		    strncasecmp(head + r->line[i].off, lname, r->line[i].name_len) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct up_resp r, r2;
	static char out[UP_RESP_HEAD_MAX + 1024];
	const char *wire = (const char *)data + 1;
	size_t n;
	bool head_req;
	int whole;

	if (size < 1)
		return 0;
	head_req = data[0] & 1;
	n = size - 1;
	whole = upstream_resp_parse(&r, wire, n, head_req);

	/* Prefixes: 0 until the verdict, then the verdict. */
	if (n <= PREFIX_CHECK_MAX) {
		int verdict = 0;

		for (size_t k = 0; k <= n; k++) {
			static struct up_resp rp;
			int rc = upstream_resp_parse(&rp, wire, k, head_req);

			if (verdict == 0 && rc != 0)
				verdict = rc;
			else if (verdict != 0 && !(rc == verdict || (verdict < 0 && rc < 0)))
				die("prefix verdict changed", rc, verdict);
		}
		if (!(verdict == whole || (verdict < 0 && whole < 0)))
			die("prefix verdict differs from whole", verdict, whole);
	}
	if (whole <= 0)
		return 0;
	if ((size_t)whole > n || r.head_len != (uint32_t)whole || r.status < 100 || r.status > 599)
		die("accepted head out of bounds", whole, (long)n);
	for (uint32_t i = 0; i < r.nlines; i++)
		if (r.line[i].off + r.line[i].len + 2 > r.head_len ||
		    r.line[i].name_len == 0 || r.line[i].name_len >= r.line[i].len ||
		    wire[r.line[i].off + r.line[i].name_len] != ':')
			die("field line out of bounds", (long)i, (long)r.nlines);

	/* The rewrite is a valid head with the same meaning. */
	{
		size_t w = upstream_resp_rewrite(out, sizeof(out), wire, &r, "0123abcd-00-000000000001",
						 true);
		int rc;

		if (w == 0)
			die("rewrite did not fit", (long)r.head_len, (long)sizeof(out));
		rc = upstream_resp_parse(&r2, out, w, head_req);
		if (rc != (int)w)
			die("rewrite does not parse", rc, (long)w);
		if (r2.status != r.status || r2.framing != r.framing ||
		    (r.framing == UPF_LENGTH && r2.length != r.length))
			die("rewrite changed the framing", r2.framing, r.framing);
		if (!r2.conn_close || has_field(out, &r2, "server") ||
		    has_field(out, &r2, "x-powered-by") || has_field(out, &r2, "keep-alive"))
			die("rewrite kept a dropped field", 0, 0);
		if (upstream_resp_keepalive(&r2))
			die("rewrite with Connection: close still keep-alive", 0, 0);
	}

	/* A chunked body: same end at every split. */
	if (r.framing == UPF_CHUNKED) {
		const char *body = wire + whole;
		size_t blen = n - (size_t)whole;
		uint32_t seed = data[0] >> 1;
		bool d0, d1, d2;
		long a = scan_split(body, blen, seed, 0, &d0);
		long b = scan_split(body, blen, seed, 1, &d1);
		long c = scan_split(body, blen, seed, 2, &d2);

		if (a != b || a != c || d0 != d1 || d0 != d2)
			die("chunked scan depends on the split", a, b);
	}
	return 0;
}
