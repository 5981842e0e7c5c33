/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for @detectSQLi and @detectXSS (dataplane/waf/waf_sqli.c,
 * waf_xss.c): any input, copied into an exactly-sized buffer so ASan sees a
 * read past the end. Checked: the result is 0 or 1, both detectors agree
 * with themselves through the operator layer, and a hit always names its
 * rule, a fingerprint and an offset inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf.h"
#include "waf/waf_detect.h"

static struct waf_matcher *sqli, *xss;
static struct waf_scratch scratch;

static void check(int (*fn)(const uint8_t *, size_t, struct waf_detect_result *),
		  const struct waf_matcher *m, const uint8_t *in, size_t len)
{
	struct waf_detect_result res;
	memset(&res, 0xa5, sizeof(res)); /* garbage that a hit must overwrite */
	int r = fn(in, len, &res);
	if (r != 0 && r != 1)
		abort();
	if (r == 1 && (!res.rule || res.offset >= len ||
		       !memchr(res.fingerprint, 0, sizeof(res.fingerprint)) ||
		       strlen(res.fingerprint) < 2))
		abort();
	if (waf_matcher_match(m, &scratch, in, len) != r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sqli) {
		char err[128];
		sqli = waf_matcher_create(WAF_OP_DETECTSQLI, "", 0, NULL, err, sizeof(err));
		xss = waf_matcher_create(WAF_OP_DETECTXSS, "", 0, NULL, err, sizeof(err));
		if (!sqli || !xss || waf_scratch_fit(&scratch, sqli) || waf_scratch_fit(&scratch, xss))
			abort();
	}
	uint8_t *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	check(waf_detect_sqli, sqli, in, size);
	check(waf_detect_xss, xss, in, size);
	free(in);
	return 0;
}
