/* rampart-waf: offline WAF tool.
 *
 *   rampart-waf import [--rules DIR] [--report FILE]
 *
 * Parses every *.conf of DIR (default /usr/share/modsecurity-crs/rules),
 * classifies the rules, compiles every @rx / @pm pattern on its own and
 * prints the import report (Markdown) to FILE or stdout.
 * Exit status: 0 ok, 1 parse errors, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crs_import.h"

#define DEFAULT_RULES "/usr/share/modsecurity-crs/rules"

static int usage(void)
{
	fprintf(stderr, "usage: rampart-waf import [--rules DIR] [--report FILE]\n");
	return 2;
}

static int cmd_import(int argc, char **argv)
{
	const char *dir = DEFAULT_RULES, *report = NULL;
	struct waf_ruleset rs = { 0 };
	FILE *out = stdout;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc)
			report = argv[++i];
		else
			return usage();
	}
	rc = crs_import_dir(&rs, dir);
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

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 2, argv + 2);
	return usage();
}
