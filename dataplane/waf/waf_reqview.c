/* The WAF's request view (waf_reqview.h): collections from the HTTP parser's
 * context and the body processors (urlencoded, JSON, multipart, XML).
 *
 * The body processors follow ModSecurity v3 with CRS's recommended setup:
 * Content-Type application/x-www-form-urlencoded -> URLENCODED,
 * multipart/form-data -> MULTIPART, application/json -> JSON,
 * (application|text)/xml and application/soap+xml -> XML. A body that does
 * not parse sets reqbody_error and keeps what was collected before the
 * error; REQUEST_BODY always holds the raw bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "waf/waf_reqview.h"

#define RV_BLOCK_SIZE (64u * 1024)

struct waf_rv_block {
	struct waf_rv_block *next;
	size_t size, used;
	uint8_t data[];
};

/* ------------------------------------------------------------ memory */

static void *rv_alloc(struct waf_reqview *v, size_t n)
{
	struct waf_rv_block *b = v->cur;

	n = (n + 7) & ~(size_t)7;
	while (b && b->used + n > b->size)
		b = b->next;
	if (!b) {
		/* walk the chain from the current block; grow at its end */
		size_t sz = n > RV_BLOCK_SIZE ? n : RV_BLOCK_SIZE;
		struct waf_rv_block *nb = malloc(sizeof(*nb) + sz);
		struct waf_rv_block **tail = &v->blocks;

		if (!nb) {
			v->oom = true;
			return NULL;
		}
		nb->next = NULL;
		nb->size = sz;
		nb->used = 0;
		while (*tail)
			tail = &(*tail)->next;
		*tail = nb;
		b = nb;
	}
	v->cur = b;
	b->used += n;
	return b->data + b->used - n;
}

static void push(struct waf_reqview *v, enum waf_rv_coll c, const uint8_t *n, size_t nl,
		 const uint8_t *val, size_t vl)
{
	struct waf_items *it = &v->coll[c];

	if (it->n == it->cap) {
		if (it->cap >= WAF_RV_ITEMS_MAX) {
			v->reqbody_error = true;
			v->reqbody_error_msg = "too many items in one collection";
			return;
		}
		uint32_t cap = it->cap ? it->cap * 2 : 32;
		struct waf_item *nv = realloc(it->v, cap * sizeof(*nv));

		if (!nv) {
			v->oom = true;
			return;
		}
		it->v = nv;
		it->cap = cap;
	}
	it->v[it->n].name = (struct waf_bytes){ n, (uint32_t)nl };
	it->v[it->n].value = (struct waf_bytes){ val, (uint32_t)vl };
	it->n++;
}

void waf_reqview_reset(struct waf_reqview *v)
{
	struct waf_rv_block *keep = v->blocks;
	uint8_t *bodybuf = v->bodybuf;
	size_t bodycap = v->bodybuf_cap;
	struct waf_body_open open = { v->open.p, 0, v->open.cap, false };
	struct waf_items coll[WAF_RC__COUNT];

	for (struct waf_rv_block *b = keep; b; b = b->next)
		b->used = 0;
	memcpy(coll, v->coll, sizeof(coll));
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < WAF_RC__COUNT; i++) {
		v->coll[i] = coll[i];
		v->coll[i].n = 0;
	}
	v->blocks = v->cur = keep;
	v->bodybuf = bodybuf;
	v->bodybuf_cap = bodycap;
	v->open = open;
}

void waf_reqview_free(struct waf_reqview *v)
{
	struct waf_rv_block *b = v->blocks;

	while (b) {
		struct waf_rv_block *n = b->next;
		free(b);
		b = n;
	}
	for (int i = 0; i < WAF_RC__COUNT; i++)
		free(v->coll[i].v);
	free(v->bodybuf);
	free(v->open.p);
	memset(v, 0, sizeof(*v));
}

/* Keep a copy of the body bytes (bounded by WAF_RV_BODY_MAX). */
static void body_copy(struct waf_reqview *v, const char *p, size_t len)
{
	size_t room;

	if (v->bodybuf_len >= WAF_RV_BODY_MAX)
		return;
	room = WAF_RV_BODY_MAX - v->bodybuf_len;
	if (len > room)
		len = room;
	if (v->bodybuf_len + len > v->bodybuf_cap) {
		size_t cap = v->bodybuf_cap ? v->bodybuf_cap : 4096;
		uint8_t *nb;

		while (cap < v->bodybuf_len + len)
			cap *= 2;
		nb = realloc(v->bodybuf, cap);
		if (!nb) {
			v->oom = true;
			return;
		}
		v->bodybuf = nb;
		v->bodybuf_cap = cap;
	}
	memcpy(v->bodybuf + v->bodybuf_len, p, len);
	v->bodybuf_len += len;
}

static enum waf_rv_bodyproc bodyproc_of(const struct http_req *req);

void waf_reqview_body_begin(struct waf_reqview *v, const struct http_req *req)
{
	v->streaming = true;
	v->stream_bp = bodyproc_of(req);
	/* REQUEST_BODY (urlencoded, none) and the whole-body parsers
	 * (multipart, XML) need the bytes; JSON is seen through ARGS only */
	v->keep_body = v->stream_bp != WAF_BP_JSON;
	if (v->stream_bp == WAF_BP_JSON)
		waf_body_json_begin(&v->json, &v->open);
	else if (v->stream_bp == WAF_BP_URLENCODED)
		waf_body_urlenc_begin(&v->urlenc, &v->open);
}

void waf_reqview_body_cb(void *opaque, const char *p, size_t len)
{
	struct waf_reqview *v = opaque;

	if (len == 0)
		return;
	v->body_len += len;
	if (!v->streaming) {
		body_copy(v, p, len);
		return;
	}
	v->bodyproc = v->stream_bp;
	if (v->stream_bp == WAF_BP_JSON)
		waf_body_json_feed(&v->json, &v->open, v, (const uint8_t *)p, len);
	else if (v->stream_bp == WAF_BP_URLENCODED)
		waf_body_urlenc_feed(&v->urlenc, &v->open, v, (const uint8_t *)p, len);
	if (v->keep_body)
		body_copy(v, p, len);
}

uint8_t *waf_reqview_alloc(struct waf_reqview *v, size_t n)
{
	return rv_alloc(v, n);
}

void waf_reqview_push_arg(struct waf_reqview *v, const uint8_t *name, size_t nl,
			  const uint8_t *val, size_t vl)
{
	if (vl > WAF_RV_BODY_MAX - v->body_values_bytes || v->body_over_limit) {
		/* more than the body bound in values: the rest is not inspected */
		v->body_over_limit = true;
		v->reqbody_error = true;
		v->reqbody_error_msg = "body values over the inspection bound";
		return;
	}
	v->body_values_bytes += vl;
	push(v, WAF_RC_ARGS_POST, name, nl, val, vl);
}

const char *waf_bodyproc_name(enum waf_rv_bodyproc bp)
{
	static const char *const n[] = { "", "URLENCODED", "MULTIPART", "JSON", "XML" };

	return bp <= WAF_BP_XML ? n[bp] : "";
}

/* ------------------------------------------------------------ helpers */

static bool prefix_ci(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);

	return n >= l && strncasecmp(s, pre, l) == 0;
}

static struct waf_bytes pct_decode(struct waf_reqview *v, const char *p, size_t n, bool plus)
{
	uint8_t *d = rv_alloc(v, n + 1);
	uint32_t f = 0;

	if (!d)
		return (struct waf_bytes){ (const uint8_t *)"", 0 };
	size_t l = http_pct_decode(p, n, (char *)d, plus, &f);
	d[l] = 0;
	return (struct waf_bytes){ d, (uint32_t)l };
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static size_t utf8_put(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
	if (cp < 0x800) { o[0] = (uint8_t)(0xc0 | cp >> 6); o[1] = (uint8_t)(0x80 | (cp & 0x3f)); return 2; }
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12); o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f)); return 3;
	}
	o[0] = (uint8_t)(0xf0 | cp >> 18); o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* ------------------------------------------------------------ XML */

/* What XML:/ * and XML://@ * give in ModSecurity (libxml2 XPath): the text
 * content of the root element (every text and CDATA node, entities
 * decoded) and each attribute value. A small tokenizer, not a validating
 * parser: unbalanced tags or an unterminated construct set reqbody_error. */
static size_t xml_entities(uint8_t *o, const uint8_t *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '&') {
			static const struct { const char *e; uint8_t c; } ent[] = {
				{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' },
			};
			bool done = false;

			for (size_t t = 0; t < 5 && !done; t++) {
				size_t l = strlen(ent[t].e);
				if (i + 1 + l <= n && memcmp(s + i + 1, ent[t].e, l) == 0) {
					o[k++] = ent[t].c;
					i += l;
					done = true;
				}
			}
			if (!done && i + 2 < n && s[i + 1] == '#') {
				size_t p = i + 2;
				uint32_t cp = 0;
				bool hex = s[p] == 'x';

				p += hex;
				size_t st = p;
				while (p < n && p - st < 8 && (hex ? hexv(s[p]) >= 0 : (s[p] >= '0' && s[p] <= '9'))) {
					cp = cp * (hex ? 16 : 10) + (uint32_t)(hex ? hexv(s[p]) : s[p] - '0');
					p++;
				}
				if (p > st && p < n && s[p] == ';' && cp <= 0x10ffff && p - i + 1 >= 4) {
					k += utf8_put(o + k, cp); /* "&#N;" is >= 4 bytes: fits */
					i = p;
					done = true;
				}
			}
			if (done)
				continue;
		}
		o[k++] = s[i];
	}
	return k;
}

static void parse_xml(struct waf_reqview *v, const uint8_t *s, size_t len)
{
	const uint8_t *e = s + len;
	uint8_t *text = rv_alloc(v, len + 1);
	size_t tl = 0;
	int depth = 0;
	bool root_seen = false, err = false;
	uint32_t attr_start;

	if (!text)
		return;
	/* attributes go to a side list first: text item must come first */
	struct waf_items attrs = v->coll[WAF_RC_XML];
	attr_start = attrs.n;
	while (s < e && !err) {
		if (*s != '<') {
			const uint8_t *a = s;
			while (s < e && *s != '<')
				s++;
			if (depth > 0)
				tl += xml_entities(text + tl, a, (size_t)(s - a));
			continue;
		}
		if (e - s >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
			const uint8_t *c = s + 9, *z = c;
			while (z + 2 < e && memcmp(z, "]]>", 3) != 0)
				z++;
			if (z + 2 >= e) { err = true; break; }
			memcpy(text + tl, c, (size_t)(z - c));
			tl += (size_t)(z - c);
			s = z + 3;
			continue;
		}
		if (e - s >= 4 && memcmp(s, "<!--", 4) == 0) {
			const uint8_t *z = s + 4;
			while (z + 2 < e && memcmp(z, "-->", 3) != 0)
				z++;
			if (z + 2 >= e) { err = true; break; }
			s = z + 3;
			continue;
		}
		if (s + 1 < e && (s[1] == '?' || s[1] == '!')) {
			while (s < e && *s != '>')
				s++;
			if (s >= e) { err = true; break; }
			s++;
			continue;
		}
		if (s + 1 < e && s[1] == '/') {
			while (s < e && *s != '>')
				s++;
			if (s >= e || --depth < 0) { err = true; break; }
			s++;
			continue;
		}
		/* start tag: name, attributes, optional '/' */
		s++;
		if (root_seen && depth == 0) { err = true; break; }
		root_seen = true;
		while (s < e && *s != '>' && *s != '/' && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			s++;
		for (;;) {
			while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
				s++;
			if (s >= e) { err = true; break; }
			if (*s == '>') { s++; depth++; break; }
			if (*s == '/') {
				if (s + 1 < e && s[1] == '>') { s += 2; break; }
				err = true;
				break;
			}
			const uint8_t *an = s;
			while (s < e && *s != '=' && *s != '>' && *s != ' ')
				s++;
			size_t anl = (size_t)(s - an);
			while (s < e && *s == ' ')
				s++;
			if (s >= e || *s != '=') { err = true; break; }
			s++;
			while (s < e && *s == ' ')
				s++;
			if (s >= e || (*s != '"' && *s != '\'')) { err = true; break; }
			uint8_t q = *s++;
			const uint8_t *av = s;
			while (s < e && *s != q)
				s++;
			if (s >= e) { err = true; break; }
			uint8_t *d = rv_alloc(v, (size_t)(s - av) + 1);
			if (!d) { err = true; break; }
			size_t dl = xml_entities(d, av, (size_t)(s - av));
			push(v, WAF_RC_XML, an, anl, d, dl);
			s++;
		}
	}
	if (depth != 0 || !root_seen)
		err = true;
	/* text first: move the attributes one slot up */
	push(v, WAF_RC_XML, (const uint8_t *)"/*", 2, text, tl);
	struct waf_items *x = &v->coll[WAF_RC_XML];
	if (x->n > attr_start + 1) {
		struct waf_item t = x->v[x->n - 1];
		memmove(&x->v[attr_start + 1], &x->v[attr_start], (x->n - 1 - attr_start) * sizeof(t));
		x->v[attr_start] = t;
	}
	v->xml_text_items = attr_start + 1;
	if (err) {
		v->reqbody_error = true;
		v->reqbody_error_msg = "XML parsing error";
	}
}

/* ------------------------------------------------------------ multipart */

static const uint8_t *mem_find(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	return nl && hl >= nl ? memmem(h, hl, n, nl) : NULL;
}

/* name="x" in a Content-Disposition value; returns false when absent. */
static bool disp_param(const uint8_t *s, size_t n, const char *pname, struct waf_bytes *out)
{
	size_t pl = strlen(pname);

	for (size_t i = 0; i + pl + 1 < n; i++) {
		if ((i == 0 || s[i - 1] == ';' || s[i - 1] == ' ') &&
		    strncasecmp((const char *)s + i, pname, pl) == 0 && s[i + pl] == '=') {
			size_t a = i + pl + 1, z;
			if (a < n && s[a] == '"') {
				a++;
				for (z = a; z < n && s[z] != '"'; z++)
					;
			} else {
				for (z = a; z < n && s[z] != ';' && s[z] != ' '; z++)
					;
			}
			*out = (struct waf_bytes){ s + a, (uint32_t)(z - a) };
			return true;
		}
	}
	return false;
}

static void parse_multipart(struct waf_reqview *v, const char *ctype, size_t ctlen,
			    const uint8_t *s, size_t len)
{
	struct waf_bytes bnd;
	uint8_t delim[80];
	size_t dl;
	const uint8_t *e = s + len, *p;

	if (!disp_param((const uint8_t *)ctype, ctlen, "boundary", &bnd) || !bnd.len || bnd.len > 70) {
		v->reqbody_error = true;
		v->multipart_strict_error = true;
		v->reqbody_error_msg = "multipart: no boundary";
		return;
	}
	delim[0] = '-';
	delim[1] = '-';
	memcpy(delim + 2, bnd.p, bnd.len);
	dl = 2 + bnd.len;
	p = mem_find(s, len, delim, dl);
	if (!p) {
		v->reqbody_error = true;
		v->multipart_strict_error = true;
		v->reqbody_error_msg = "multipart: boundary not found";
		return;
	}
	for (;;) {
		p += dl;
		if (e - p >= 2 && p[0] == '-' && p[1] == '-')
			return; /* closing delimiter */
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (e - p >= 2 && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (p < e && *p == '\n')
			p++;
		else
			break;
		/* part headers up to an empty line */
		struct waf_bytes name = { (const uint8_t *)"", 0 }, fname = { NULL, 0 };
		bool has_fname = false;
		uint32_t hdr_first = v->coll[WAF_RC_PART_HEADERS].n;
		for (;;) {
			const uint8_t *l = p;
			while (p < e && *p != '\n')
				p++;
			if (p >= e)
				goto bad;
			const uint8_t *le = p > l && p[-1] == '\r' ? p - 1 : p;
			p++;
			if (le == l)
				break;
			push(v, WAF_RC_PART_HEADERS, (const uint8_t *)"", 0, l, (size_t)(le - l));
			if (prefix_ci((const char *)l, (size_t)(le - l), "content-disposition:")) {
				disp_param(l + 20, (size_t)(le - l - 20), "name", &name);
				has_fname = disp_param(l + 20, (size_t)(le - l - 20), "filename", &fname);
			}
		}
		for (uint32_t i = hdr_first; i < v->coll[WAF_RC_PART_HEADERS].n; i++)
			v->coll[WAF_RC_PART_HEADERS].v[i].name = name;
		/* data up to CRLF--boundary */
		const uint8_t *d = p, *z = mem_find(p, (size_t)(e - p), delim, dl);
		if (!z) {
			v->multipart_unmatched_boundary = true;
			goto bad;
		}
		const uint8_t *de = z;
		if (de > d && de[-1] == '\n')
			de--;
		if (de > d && de[-1] == '\r')
			de--;
		if (has_fname) {
			push(v, WAF_RC_FILES, name.p, name.len, fname.p, fname.len);
			v->files_combined_size += (uint64_t)(de - d);
		} else {
			push(v, WAF_RC_ARGS_POST, name.p, name.len, d, (size_t)(de - d));
		}
		p = z;
	}
bad:
	v->reqbody_error = true;
	v->multipart_strict_error = true;
	v->reqbody_error_msg = "multipart parsing error";
}

/* ------------------------------------------------------------ build */

/* The body processor the Content-Type selects (ModSecurity with CRS's
 * recommended setup). */
static enum waf_rv_bodyproc bodyproc_of(const struct http_req *req)
{
	const struct http_hdr *ct = http_req_known(req, HTTP_H_CONTENT_TYPE);
	const char *c;
	size_t cl;

	if (ct == NULL)
		return WAF_BP_NONE;
	c = ct->value.p;
	cl = ct->value.len;
	if (prefix_ci(c, cl, "application/x-www-form-urlencoded"))
		return WAF_BP_URLENCODED;
	if (prefix_ci(c, cl, "multipart/form-data"))
		return WAF_BP_MULTIPART;
	if (prefix_ci(c, cl, "application/json"))
		return WAF_BP_JSON;
	if (prefix_ci(c, cl, "application/xml") || prefix_ci(c, cl, "text/xml") ||
	    prefix_ci(c, cl, "application/soap+xml"))
		return WAF_BP_XML;
	return WAF_BP_NONE;
}

static struct waf_bytes hs(struct http_str s)
{
	return (struct waf_bytes){ s.p ? (const uint8_t *)s.p : (const uint8_t *)"", s.len };
}

int waf_reqview_build(struct waf_reqview *v, const struct http_req *req)
{
	bool line = http_req_line_read(req), head = http_req_head_read(req);

	/* A refused request: only the parts the parser finished are trusted
	 * (the request line once it was read whole, headers once the header
	 * section was); the rest stays absent, so no rule sees half a line. */
	v->refused = req->reason != HTTP_R_OK;
	v->head_absent = v->refused && !head;
	if (v->refused && !line)
		return v->oom ? -ENOMEM : 0;
	v->method = hs(req->method_raw);
	v->protocol = req->version == 10 ? (struct waf_bytes){ (const uint8_t *)"HTTP/1.0", 8 } :
					   (struct waf_bytes){ (const uint8_t *)"HTTP/1.1", 8 };
	v->uri_raw = hs(req->target);
	/* REQUEST_URI: the target without scheme and authority, %-decoded
	 * ('+' kept); REQUEST_FILENAME its path part; no dot-segment removal
	 * (rules see "../" and normalise with t:normalizePath themselves). */
	if (req->path_raw.p) {
		const char *a = req->path_raw.p;
		size_t n = (size_t)(req->target.p + req->target.len - a);
		v->uri = pct_decode(v, a, n, false);
		v->filename = pct_decode(v, a, req->path_raw.len, false);
	} else {
		v->uri = v->filename = hs(req->target);
	}
	if (!v->filename.len && req->path_raw.p)
		v->filename = (struct waf_bytes){ (const uint8_t *)"/", 1 };
	v->basename = v->filename;
	for (uint32_t i = v->filename.len; i > 0; i--)
		if (v->filename.p[i - 1] == '/') {
			v->basename = (struct waf_bytes){ v->filename.p + i, v->filename.len - i };
			break;
		}
	v->query = hs(req->query_raw);
	if (req->method_raw.len) {
		size_t n = req->method_raw.len + 1 + req->target.len + 1 + v->protocol.len;
		uint8_t *l = rv_alloc(v, n + 1);
		if (l) {
			size_t k = 0;
			memcpy(l, req->method_raw.p, req->method_raw.len);
			k += req->method_raw.len;
			l[k++] = ' ';
			if (req->target.len)
				memcpy(l + k, req->target.p, req->target.len);
			k += req->target.len;
			l[k++] = ' ';
			memcpy(l + k, v->protocol.p, v->protocol.len);
			k += v->protocol.len;
			v->line = (struct waf_bytes){ l, (uint32_t)k };
		}
	}
	for (uint32_t i = 0; i < req->nargs; i++)
		push(v, WAF_RC_ARGS_GET, (const uint8_t *)req->args[i].name.p, req->args[i].name.len,
		     (const uint8_t *)req->args[i].value.p, req->args[i].value.len);
	if (v->refused && !head)
		return v->oom ? -ENOMEM : 0;
	for (uint32_t i = 0; i < req->nhdrs; i++)
		push(v, WAF_RC_HEADERS, (const uint8_t *)req->hdrs[i].name.p, req->hdrs[i].name.len,
		     (const uint8_t *)req->hdrs[i].value.p, req->hdrs[i].value.len);
	for (uint32_t i = 0; i < req->ncookies; i++)
		push(v, WAF_RC_COOKIES, (const uint8_t *)req->cookies[i].name.p, req->cookies[i].name.len,
		     (const uint8_t *)req->cookies[i].value.p, req->cookies[i].value.len);

	v->body = (struct waf_bytes){ v->bodybuf ? v->bodybuf : (const uint8_t *)"",
				      (uint32_t)v->bodybuf_len };
	if (!v->streaming && v->bodybuf_len) {
		/* whole: the same piecewise processors, in one piece */
		waf_reqview_body_begin(v, req);
		v->bodyproc = v->stream_bp;
		if (v->bodyproc == WAF_BP_JSON)
			waf_body_json_feed(&v->json, &v->open, v, v->body.p, v->body.len);
		else if (v->bodyproc == WAF_BP_URLENCODED)
			waf_body_urlenc_feed(&v->urlenc, &v->open, v, v->body.p, v->body.len);
	}
	if (v->body_len) {
		const struct http_hdr *ct = http_req_known(req, HTTP_H_CONTENT_TYPE);

		switch (v->bodyproc) {
		case WAF_BP_URLENCODED:
			waf_body_urlenc_finish(&v->urlenc, &v->open, v);
			break;
		case WAF_BP_JSON:
			waf_body_json_finish(&v->json, &v->open, v);
			break;
		case WAF_BP_MULTIPART:
			parse_multipart(v, ct->value.p, ct->value.len, v->body.p, v->body.len);
			break;
		case WAF_BP_XML:
			parse_xml(v, v->body.p, v->body.len);
			break;
		case WAF_BP_NONE:
			break;
		}
	}
	for (int c = WAF_RC_ARGS_GET; c <= WAF_RC_ARGS_POST; c++)
		for (uint32_t i = 0; i < v->coll[c].n; i++)
			v->args_combined_size += v->coll[c].v[i].name.len + v->coll[c].v[i].value.len;
	return v->oom ? -ENOMEM : 0;
}
