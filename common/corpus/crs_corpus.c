/* CRS regression corpus reader (crs_corpus.h). */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "corpus/crs_corpus.h"

struct buf {
	char *p;
	size_t len, cap;
};

struct crs_corpus {
	gzFile gz;
	struct buf line, wire;
	json_t *doc;
	unsigned lineno;
};

static bool buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool put_string(struct buf *b, json_t *s)
{
	return buf_put(b, json_string_value(s), json_string_length(s));
}

static bool read_line(struct crs_corpus *c)
{
	char chunk[65536];

	c->line.len = 0;
	while (gzgets(c->gz, chunk, sizeof(chunk))) {
		size_t n = strlen(chunk);

		if (!buf_put(&c->line, chunk, n))
			return false;
		if (n && chunk[n - 1] == '\n')
			return true;
	}
	return c->line.len > 0;
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+' || ch == '-') return 62;
	if (ch == '/' || ch == '_') return 63;
	return -1;
}

/* Standard and URL-safe alphabets; padding and whitespace skipped. */
static bool b64_decode(const char *s, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;

	for (; *s; s++) {
		int v = b64val((unsigned char)*s);
		unsigned char byte;

		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (unsigned char)(acc >> bits);
			if (!buf_put(out, &byte, 1))
				return false;
		}
	}
	return true;
}

/* README: METHOD SP URI SP VERSION CRLF, "name: value" CRLF per header,
 * CRLF, body. Nothing added. */
static bool build_wire(json_t *doc, struct buf *w)
{
	json_t *hdrs = json_object_get(doc, "headers"), *h;
	json_t *m = json_object_get(doc, "method"), *u = json_object_get(doc, "uri");
	json_t *v = json_object_get(doc, "version");
	json_t *body = json_object_get(doc, "body"), *b64 = json_object_get(doc, "body_b64");
	bool ok;
	size_t i;

	if (!json_is_string(m) || !json_is_string(u) || !json_is_string(v))
		return false;
	w->len = 0;
	ok = put_string(w, m) && buf_put(w, " ", 1) && put_string(w, u) &&
	     buf_put(w, " ", 1) && put_string(w, v) && buf_put(w, "\r\n", 2);
	json_array_foreach(hdrs, i, h) {
		json_t *n = json_array_get(h, 0), *val = json_array_get(h, 1);

		if (!json_is_string(n) || !json_is_string(val))
			return false;
		ok = ok && put_string(w, n) && buf_put(w, ": ", 2) && put_string(w, val) &&
		     buf_put(w, "\r\n", 2);
	}
	ok = ok && buf_put(w, "\r\n", 2);
	if (json_is_string(b64))
		ok = ok && b64_decode(json_string_value(b64), w);
	else if (json_is_string(body))
		ok = ok && put_string(w, body);
	return ok;
}

struct crs_corpus *crs_corpus_open(const char *path)
{
	struct crs_corpus *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->gz = gzopen(path, "rb");
	if (!c->gz) {
		int e = errno ? errno : EIO;

		free(c);
		errno = e;
		return NULL;
	}
	return c;
}

int crs_corpus_next(struct crs_corpus *c, struct crs_corpus_case *out)
{
	json_error_t jerr;

	json_decref(c->doc);
	c->doc = NULL;
	memset(out, 0, sizeof(*out));
	if (!read_line(c))
		return 0;
	out->line = ++c->lineno;
	c->doc = json_loadb(c->line.p, c->line.len, JSON_ALLOW_NUL, &jerr);
	if (!c->doc || !build_wire(c->doc, &c->wire))
		return -1;
	out->id = json_string_value(json_object_get(c->doc, "id"));
	out->rule = json_string_value(json_object_get(c->doc, "rule"));
	out->expect = json_string_value(json_object_get(c->doc, "expect"));
	out->category = json_string_value(json_object_get(c->doc, "category"));
	out->pl = (int)json_integer_value(json_object_get(c->doc, "pl"));
	out->wire = c->wire.p;
	out->wire_len = c->wire.len;
	return 1;
}

void crs_corpus_close(struct crs_corpus *c)
{
	if (!c)
		return;
	json_decref(c->doc);
	gzclose(c->gz);
	free(c->line.p);
	free(c->wire.p);
	free(c);
}
