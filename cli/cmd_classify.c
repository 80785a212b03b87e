/* SPDX-License-Identifier: ISC */
/*
 * fleetctl classify [--rules FILE]: reads "mx_host<TAB>response" lines on
 * stdin (a line without a TAB is all response; mx_host may be empty) and
 * writes "provider<TAB>class" for each, in order, with the built-in rules
 * or FILE.  Offline: no controller, no config, no key.  There is no
 * recipient domain, so the provider comes from the MX host or is "other".
 *
 * A line longer than CMD_CLASSIFY_LINE_MAX bytes is reported on stderr
 * with its number and answered "other<TAB>other", so that output line N
 * still belongs to input line N; the exit status is then 1.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"

#define CMD_CLASSIFY_LINE_MAX (64 * 1024) /* bytes, without the newline */

static int
cmd_classify_usage(void)
{
	fprintf(stderr, "usage: fleetctl classify [--rules FILE] < input\n");
	return (CLI_EXIT_USAGE);
}

/* Discards the rest of an over-long line. */
static void
cmd_classify_skip(FILE *fp)
{
	int ch;

	while ((ch = getc(fp)) != EOF && ch != '\n')
		;
}

static void
cmd_classify_line(struct classify *c, char *line)
{
	char *tab = strchr(line, '\t'), *text = line;
	const char *mx = "", *prov;
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (tab != NULL) {
		*tab = '\0';
		mx = line;
		text = tab + 1;
	}
	prov = classify_provider(c, mx, NULL);
	printf("%s\t%s\n", prov,
	    reason_class_name(classify_class(c, prov, NULL, text)));
}

/* Classifies stdin to stdout; returns the exit status. */
static int
cmd_classify_run(struct classify *c)
{
	static char buf[CMD_CLASSIFY_LINE_MAX + 3]; /* CR, LF and NUL */
	unsigned long lineno = 0;
	int rv = CLI_EXIT_OK;

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(stdin)) {
			cmd_classify_skip(stdin);
			fprintf(stderr,
			    "fleetctl: classify: line %lu: longer than %d "
			    "bytes\n",
			    lineno, CMD_CLASSIFY_LINE_MAX);
			printf("%s\t%s\n", CLASSIFY_OTHER,
			    reason_class_name(CLASS_OTHER));
			rv = CLI_EXIT_FAIL;
		} else
			cmd_classify_line(c, buf);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "fleetctl: classify: stdin: read error\n");
		rv = CLI_EXIT_FAIL;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "fleetctl: classify: stdout: write error\n");
		rv = CLI_EXIT_FAIL;
	}
	return (rv);
}

int
cmd_classify(struct cli *cli, int argc, char **argv)
{
	struct classify *c;
	const char *rules = NULL;
	char err[512];
	int rv;

	(void)cli;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--rules") == 0 ||
		        strcmp(argv[i], "-r") == 0) &&
		    i + 1 < argc)
			rules = argv[++i];
		else if (strncmp(argv[i], "--rules=", 8) == 0)
			rules = argv[i] + 8;
		else
			return (cmd_classify_usage());
	}
	if (classify_load(&c, rules, err, sizeof(err)) == -1) {
		fprintf(stderr, "fleetctl: classify: %s\n", err);
		return (CLI_EXIT_FAIL);
	}
	rv = cmd_classify_run(c);
	classify_free(c);
	return (rv);
}
