/* SPDX-License-Identifier: Proprietary
 * libFuzzer target for the SecLang importer (controlplane/compile/): the
 * input is one rule file. It is parsed, classified and freed; ASan/UBSan and
 * leaks are the oracle, plus the importer's own invariant that every chain
 * head ends up either imported or skipped.
 */
#include <stdint.h>
#include <stdlib.h>

#include "crs_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct waf_ruleset rs = { 0 };
	if (seclang_parse(&rs, (const char *)data, size, "fuzz.conf") == 0 &&
	    crs_classify(&rs) == 0 && rs.n_imported + rs.n_skipped != rs.n_all)
		abort();
	waf_ruleset_free(&rs);
	return 0;
}
