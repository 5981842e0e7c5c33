/* Shipped WAF program input as the dataplane sees it (untrusted bytes from
 * the control channel): the rule model decoder and the Hyperscan database
 * blob reader. A model that decodes must encode back to the same bytes;
 * nothing may crash, leak or read out of bounds. Hyperscan's own
 * deserializer is not fed (it is not ours to harden). The first byte picks
 * the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf_hsdb.h"
#include "waf/waf_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct waf_hsdb_cache *c = waf_hsdb_load(data + 1, size - 1, err, sizeof(err));
		uint8_t *out;
		size_t len;

		if (c && waf_hsdb_serialize(c, &out, &len) == 0) {
			if (len != size - 1 || memcmp(out, data + 1, len) != 0)
				abort();   /* a blob that loads re-serializes to itself */
			free(out);
		}
		waf_hsdb_free(c);
		return 0;
	}
	{
		struct waf_model *m = waf_model_decode(data + 1, size - 1, err, sizeof(err));
		uint8_t *out;
		size_t len;

		if (!m)
			return 0;
		/* re-encoding needs the data files: only models without any */
		if (m->n_files == 0 &&
		    waf_model_encode(m->rules, m->n_rules, NULL, 0, &out, &len, err, sizeof(err)) == 0) {
			if (len != size - 1 || memcmp(out, data + 1, len) != 0)
				abort();
			free(out);
		}
		waf_model_free(m);
	}
	return 0;
}
