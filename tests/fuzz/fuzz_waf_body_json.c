/* libFuzzer target for the piecewise JSON body processor
 * (dataplane/waf/waf_body_json.c). Input layout and the split property:
 * fuzz_waf_body.h. Besides whole == split, the whole body is checked
 * against jansson (a whole-document parser): a document jansson accepts
 * within our bounds (nesting, path length, value size) must parse without
 * error, and each of its leaves must be among our items under its path
 * ("json.a.0.b") with the same value (strings; true/false/null as text;
 * numbers as a literal). We may accept more than jansson does (ModSecurity
 * takes "1abc" as a literal), and emit more (a duplicate key is one member
 * in jansson, two items here).
 */
#include <jansson.h>

#include "fuzz_waf_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void json_begin(struct waf_reqview *v)
{
	waf_body_json_begin(&v->json, &v->open);
}

static void json_feed(struct waf_reqview *v, const uint8_t *p, size_t n)
{
	waf_body_json_feed(&v->json, &v->open, v, p, n);
}

static void json_finish(struct waf_reqview *v)
{
	waf_body_json_finish(&v->json, &v->open, v);
}

static const struct body_proc json = { "json", json_begin, json_feed, json_finish };

/* Items cap for the reference walk (it searches items linearly per leaf). */
#define REF_ITEMS_MAX 512u

struct walk {
	const struct waf_items *it;
	bool over_bounds;         /* deeper or longer paths than we parse */
	char path[WAF_JSON_PATH_MAX + 64];
};

static bool has_item(const struct walk *w, size_t plen, const void *val, size_t vlen, bool any)
{
	for (uint32_t i = 0; i < w->it->n; i++) {
		const struct waf_item *t = &w->it->v[i];

		if (t->name.len != plen || memcmp(t->name.p, w->path, plen) != 0)
			continue;
		if (any || (t->value.len == vlen && memcmp(t->value.p, val, vlen) == 0))
			return true;
	}
	return false;
}

static void leaf_missing(const struct walk *w, size_t plen)
{
	fprintf(stderr, "json: jansson's leaf %.*s is not among our %u items\n", (int)plen, w->path,
		w->it->n);
	abort();
}

/* Pass 1 (check == false): bounds only. Pass 2: every leaf present. */
static void walk(struct walk *w, json_t *j, size_t plen, unsigned depth, bool check)
{
	if (json_is_object(j) || json_is_array(j)) {
		if (depth >= WAF_RV_JSON_DEPTH)
			w->over_bounds = true;
		if (w->over_bounds)
			return;
	}
	if (json_is_object(j)) {
		const char *key;
		size_t klen;
		json_t *m;

		json_object_keylen_foreach(j, key, klen, m) {
			/* our bound: the path stays under WAF_JSON_PATH_MAX */
			if (plen + 1 + klen >= WAF_JSON_PATH_MAX) {
				w->over_bounds = true;
				return;
			}
			w->path[plen] = '.';
			memcpy(w->path + plen + 1, key, klen);
			walk(w, m, plen + 1 + klen, depth + 1, check);
		}
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++) {
			int l = snprintf(w->path + plen, sizeof(w->path) - plen, ".%zu", i);

			if (plen + (size_t)l >= WAF_JSON_PATH_MAX) {
				w->over_bounds = true;
				return;
			}
			walk(w, json_array_get(j, i), plen + (size_t)l, depth + 1, check);
		}
	} else if (!check) {
		if (json_is_string(j) && json_string_length(j) > WAF_RV_VALUE_MAX)
			w->over_bounds = true;
	} else if (json_is_string(j)) {
		if (!has_item(w, plen, json_string_value(j), json_string_length(j), false))
			leaf_missing(w, plen);
	} else if (json_is_true(j) || json_is_false(j) || json_is_null(j)) {
		const char *t = json_is_true(j) ? "true" : json_is_false(j) ? "false" : "null";

		if (!has_item(w, plen, t, strlen(t), false))
			leaf_missing(w, plen);
	} else if (!has_item(w, plen, NULL, 0, true)) {   /* a number: our text is its literal */
		leaf_missing(w, plen);
	}
}

/* A \uD800..\uDFFF escape: jansson pairs surrogates, we do not (as
 * ModSecurity's parser): names, values and path lengths differ by design. */
static bool surrogate_escape(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (b[i] == '\\' && b[i + 1] == 'u' && (b[i + 2] | 0x20) == 'd')
			return true;
	return false;
}

static void reference(const struct waf_reqview *v, const uint8_t *b, size_t n)
{
	static struct walk w;
	json_error_t jerr;
	json_t *doc;

	if (v->oom || v->coll[WAF_RC_ARGS_POST].n > REF_ITEMS_MAX || v->body_over_limit)
		return;
	/* jansson ends a document at a raw NUL byte (JSON_ALLOW_NUL is for
	 * \u0000 only); we see the byte, not valid after a value */
	if (surrogate_escape(b, n) || memchr(b, 0, n) != NULL)
		return;
	doc = json_loadb((const char *)b, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (doc == NULL)
		return;   /* we may be more lenient than jansson */
	w.it = &v->coll[WAF_RC_ARGS_POST];
	w.over_bounds = false;
	memcpy(w.path, "json", 4);
	walk(&w, doc, 4, 0, false);
	if (!w.over_bounds) {
		if (v->reqbody_error) {
			fprintf(stderr, "json: jansson accepts the document, we report \"%s\"\n",
				v->reqbody_error_msg ? v->reqbody_error_msg : "");
			abort();
		}
		walk(&w, doc, 4, 0, true);
	}
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body;
	size_t n;
	const struct waf_reqview *v = fuzz_body(&json, data, size, &body, &n);

	if (v != NULL)
		reference(v, body, n);
	return 0;
}
