/* rampart-waf: offline WAF tool.
 *
 *   rampart-waf import [--rules DIR]... [--report FILE]
 *   rampart-waf eval [--rules DIR | --program FILE] --corpus FILE.jsonl[.gz] [--pl N] [--out FILE]
 *                    [--disagreements FILE] [--repeat N] [--min-agreement PCT]
 *                    [--no-detectors]
 *   rampart-waf bench [--rules DIR | --program FILE] --corpus FILE.jsonl[.gz] --pl N [--repeat N]
 *   rampart-waf compile [--rules DIR]... [--no-detectors] --out FILE [--depfile FILE]
 *
 * import: parses every *.conf of DIR (default /usr/share/modsecurity-crs/rules;
 * --rules repeated: every directory in turn into one set, e.g. CRS then
 * rules/rampart-api, as rampart-cp loads them),
 * classifies the rules, compiles every @rx / @pm pattern on its own and
 * prints the import report (Markdown) to FILE or stdout.
 * Exit status: 0 ok, 1 parse errors, 2 usage or I/O error.
 *
 * eval: runs each corpus line's wire-exact request through the HTTP parser
 * and the engine (at the line's paranoia level, or N for all) and prints per
 * request the decision and the rules that matched (to FILE, default stdout;
 * "-" is stdout), then the agreement per rule file and overall and the speed
 * (waf_corpus.h); --disagreements lists the tests that disagree.
 * Exit status: 0 ok, 1 agreement below PCT, 2 usage or I/O error.
 *
 * bench: eval at level N for every request, no per-request lines; prints one
 * JSON object (requests/s, MB/s, blocked) for scripts/bench waf.
 *
 * compile: import the directories as `import` does and write the program
 * blob rampart-cp would ship (waf_program.h) to FILE; eval and bench load
 * it with --program instead of compiling the rules (the build makes one for
 * the unit tests and fuzzers: tests/unit/meson.build). --depfile writes a
 * Makefile rule "OUT: DIR DIR/file ..." naming each rule directory and every
 * file in it, so that ninja rebuilds the program when a rule or data file
 * changes or one is added or removed (the directory's mtime).
 * Exit status: 0 ok, 2 usage, I/O or compile error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"
#include "waf_corpus.h"

#define DEFAULT_RULES "/usr/share/modsecurity-crs/rules"

static int usage(void)
{
	fprintf(stderr, "usage: rampart-waf import [--rules DIR]... [--report FILE]\n"
		"       rampart-waf eval [--rules DIR | --program FILE] --corpus FILE.jsonl[.gz] [--pl N] [--out FILE]\n"
		"                        [--disagreements FILE] [--repeat N] [--min-agreement PCT] [--no-detectors]\n"
		"       rampart-waf bench [--rules DIR | --program FILE] --corpus FILE.jsonl[.gz] --pl N [--repeat N]\n"
		"       rampart-waf compile [--rules DIR]... [--no-detectors] --out FILE [--depfile FILE]\n");
	return 2;
}

#define IMPORT_DIRS_MAX 8

static int cmd_import(int argc, char **argv)
{
	const char *dirs[IMPORT_DIRS_MAX] = { DEFAULT_RULES }, *report = NULL;
	char dir[IMPORT_DIRS_MAX * 1100] = ""; /* "A --rules B": the report's command line */
	size_t n_dirs = 0;
	struct waf_ruleset rs = { 0 };
	FILE *out = stdout;
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc && n_dirs < IMPORT_DIRS_MAX &&
		    strlen(argv[i + 1]) < 1024)
			dirs[n_dirs++] = argv[++i];
		else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc)
			report = argv[++i];
		else
			return usage();
	}
	if (!n_dirs)
		n_dirs = 1;
	for (size_t k = 0; k < n_dirs && rc == 0; k++) {
		size_t l = strlen(dir);
		snprintf(dir + l, sizeof(dir) - l, "%s%s", k ? " --rules " : "", dirs[k]);
		rc = crs_import_dir(&rs, dirs[k]);
	}
	if (rc == 0)
		rc = crs_hs_check(&rs);
	if (rc < 0) {
		fprintf(stderr, "rampart-waf: %s: %s\n", dir, strerror(-rc));
		waf_ruleset_free(&rs);
		return 2;
	}
	if (report && !(out = fopen(report, "w"))) {
		fprintf(stderr, "rampart-waf: %s: %s\n", report, strerror(errno));
		waf_ruleset_free(&rs);
		return 2;
	}
	crs_report_write(&rs, out, dir);
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "rampart-waf: %s: write failed\n", report);
		waf_ruleset_free(&rs);
		return 2;
	}
	fprintf(stderr, "rampart-waf: %zu rules found, %zu imported, %zu skipped, %zu parse errors; "
		"@rx exact %u, prefilter %u, pcre2-only %u, failed %u\n",
		rs.n_all, rs.n_imported, rs.n_skipped, rs.n_errors, rs.hs.rx_exact,
		rs.hs.rx_prefilter, rs.hs.rx_pcre_only, rs.hs.rx_failed);
	rc = rs.n_errors ? 1 : 0;
	waf_ruleset_free(&rs);
	return rc;
}

static FILE *open_out(const char *path)
{
	FILE *f;

	if (!path)
		return NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "rampart-waf: %s: %s\n", path, strerror(errno));
	return f;
}

static int cmd_eval(int argc, char **argv)
{
	struct waf_corpus_opts o = { .rules_dir = DEFAULT_RULES, .repeat = 1 };
	const char *out = NULL, *dis = NULL;
	double min = -1;
	char err[512] = "";
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			o.rules_dir = argv[++i];
		else if (strcmp(argv[i], "--program") == 0 && i + 1 < argc)
			o.program = argv[++i];
		else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			o.corpus = argv[++i];
		else if (strcmp(argv[i], "--pl") == 0 && i + 1 < argc)
			o.pl = atoi(argv[++i]);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--disagreements") == 0 && i + 1 < argc)
			dis = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			o.repeat = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-detectors") == 0)
			o.no_detectors = true;
		else if (strcmp(argv[i], "--min-agreement") == 0 && i + 1 < argc)
			min = atof(argv[++i]);
		else
			return usage();
	}
	if (!o.corpus || o.pl < 0 || o.pl > 4 || o.repeat < 1 || o.repeat > 1000)
		return usage();
	if (!out)
		out = "-"; /* per-request lines on stdout, then the summary */
	if (!(o.out = open_out(out)) || (dis && !(o.disagree = open_out(dis))))
		return 2;
	struct waf_corpus_stats *st = calloc(1, sizeof(*st));
	if (!st || waf_corpus_eval(&o, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-waf: %s\n", st ? err : "out of memory");
		rc = 2;
	} else {
		waf_corpus_summary(st, stdout);
		if (min >= 0 && waf_corpus_agreement(st) < min) {
			fprintf(stderr, "rampart-waf: agreement %.2f%% below %.2f%%\n",
				waf_corpus_agreement(st), min);
			rc = 1;
		}
	}
	free(st);
	if (o.out && o.out != stdout && fclose(o.out) != 0)
		rc = 2;
	if (o.disagree && o.disagree != stdout && fclose(o.disagree) != 0)
		rc = 2;
	return rc;
}

/* bench: eval without the per-request lines, one JSON object on stdout (what
 * scripts/bench waf compares with tools/bench/modsec-bench on the same file). */
static int cmd_bench(int argc, char **argv)
{
	struct waf_corpus_opts o = { .rules_dir = DEFAULT_RULES, .repeat = 1 };
	char err[512] = "";
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			o.rules_dir = argv[++i];
		else if (strcmp(argv[i], "--program") == 0 && i + 1 < argc)
			o.program = argv[++i];
		else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			o.corpus = argv[++i];
		else if (strcmp(argv[i], "--pl") == 0 && i + 1 < argc)
			o.pl = atoi(argv[++i]);
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			o.repeat = (unsigned)atoi(argv[++i]);
		else
			return usage();
	}
	/* One level for every request: the comparison runs both engines at it. */
	if (!o.corpus || o.pl < 1 || o.pl > 4 || o.repeat < 1 || o.repeat > 1000)
		return usage();
	struct waf_corpus_stats *st = calloc(1, sizeof(*st));
	if (!st || waf_corpus_eval(&o, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-waf: %s\n", st ? err : "out of memory");
		rc = 2;
	} else {
		printf("{\"engine\": \"rampart\", \"paranoia\": %d, \"requests\": %u, "
		       "\"unreadable_lines\": %u, \"rules_in_program\": %zu, \"repeat\": %u, "
		       "\"evaluated\": %llu, \"cpu_seconds\": %.6f, \"requests_per_s\": %.1f, "
		       "\"mb_per_s\": %.3f, \"blocked\": %u, \"refused_by_parser\": %u, "
		       "\"crs_tests_counted\": %u, \"crs_tests_agree\": %u}\n",
		       o.pl, st->lines, st->bad_lines, st->rules_in_program, o.repeat, st->evaluated,
		       st->seconds, st->seconds > 0 ? (double)st->evaluated / st->seconds : 0.0,
		       st->seconds > 0 ? (double)st->bytes / st->seconds / 1e6 : 0.0, st->blocked,
		       st->refused, st->counted, st->agree);
	}
	free(st);
	return rc;
}

/* --no-detectors: the rules using @detectSQLi/@detectXSS moved behind the
 * others in rs->imported (order kept otherwise); returns how many to use. */
static size_t keep_rules(struct waf_ruleset *rs, bool no_detectors)
{
	size_t k = 0;

	if (!no_detectors)
		return rs->n_imported;
	for (size_t i = 0; i < rs->n_imported; i++) {
		bool det = false;
		for (const struct waf_rule *l = rs->imported[i]; l; l = l->chain)
			det |= l->op == WAF_OP_DETECTSQLI || l->op == WAF_OP_DETECTXSS;
		if (!det) {
			struct waf_rule *r = rs->imported[i];
			memmove(&rs->imported[k + 1], &rs->imported[k], (i - k) * sizeof(r));
			rs->imported[k++] = r;
		}
	}
	return k;
}

/* A path in a Makefile rule: spaces, '#' and '$' escaped (ninja's depfile syntax). */
static void dep_path(FILE *f, const char *p)
{
	for (; *p; p++) {
		if (*p == ' ' || *p == '#')
			fputc('\\', f);
		if (*p == '$')
			fputc('$', f);
		fputc(*p, f);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "OUT: DIR DIR/a DIR/b ...", every directory, its files sorted. */
static int write_depfile(const char *path, const char *out, const char *const *dirs, size_t n_dirs)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	dep_path(f, out);
	fputc(':', f);
	for (size_t k = 0; k < n_dirs && rc == 0; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, cap = 0;

		if (!d) {
			rc = -errno;
			break;
		}
		fputs(" \\\n ", f);
		dep_path(f, dirs[k]);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
				if (!nn) {
					rc = -ENOMEM;
					break;
				}
				names = nn;
			}
			if (!(names[n] = strdup(de->d_name))) {
				rc = -ENOMEM;
				break;
			}
			n++;
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n; i++) {
			if (rc == 0) {
				fputs(" \\\n ", f);
				dep_path(f, dirs[k]);
				fputc('/', f);
				dep_path(f, names[i]);
			}
			free(names[i]);
		}
		free(names);
	}
	fputc('\n', f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int cmd_compile(int argc, char **argv)
{
	const char *dirs[IMPORT_DIRS_MAX] = { DEFAULT_RULES }, *path = NULL, *depfile = NULL;
	size_t n_dirs = 0, len = 0;
	struct waf_ruleset rs = { 0 };
	struct waf_program *prog = NULL;
	uint8_t *blob = NULL;
	char err[512] = "";
	FILE *f = NULL;
	bool no_detectors = false;
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc && n_dirs < IMPORT_DIRS_MAX)
			dirs[n_dirs++] = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--depfile") == 0 && i + 1 < argc)
			depfile = argv[++i];
		else if (strcmp(argv[i], "--no-detectors") == 0)
			no_detectors = true;
		else
			return usage();
	}
	if (!path)
		return usage();
	if (!n_dirs)
		n_dirs = 1;
	for (size_t k = 0; k < n_dirs && rc == 0; k++)
		if ((rc = crs_import_dir(&rs, dirs[k])) < 0)
			snprintf(err, sizeof(err), "%s: %s", dirs[k], strerror(-rc));
	/* as rampart-cp: if a pattern compiles nowhere, crs_hs_check() moves its
	 * rule to the skipped list and the build is tried once more */
	for (int attempt = 0; attempt < 2 && rc == 0 && !prog; attempt++) {
		if (attempt && (rc = crs_hs_check(&rs)) < 0)
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		else
			prog = waf_program_compile(rs.imported, keep_rules(&rs, no_detectors), dirs,
						   n_dirs, &blob, &len, err, sizeof(err));
	}
	if (!prog) {
		fprintf(stderr, "rampart-waf: compile: %s\n", err[0] ? err : "failed");
		rc = 2;
		goto out;
	}
	/* written whole or not at all: a build step must not leave half a file */
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "wb")) || fwrite(blob, 1, len, f) != len || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		fprintf(stderr, "rampart-waf: %s: %s\n", path, strerror(errno));
		if (f)
			remove(tmp);
		rc = 2;
		goto out;
	}
	fprintf(stderr, "rampart-waf: program %016llx: %zu rules, %zu Hyperscan databases, %zu bytes -> %s\n",
		(unsigned long long)prog->hash, waf_engine_rule_count(prog->engine), prog->hsdb_count,
		len, path);
	if (depfile && (rc = write_depfile(depfile, path, dirs, n_dirs)) < 0) {
		fprintf(stderr, "rampart-waf: %s: %s\n", depfile, strerror(-rc));
		rc = 2;
	}
out:
	waf_program_free(prog);
	free(blob);
	waf_ruleset_free(&rs);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "eval") == 0)
		return cmd_eval(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "compile") == 0)
		return cmd_compile(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	return usage();
}
