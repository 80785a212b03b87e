/* SPDX-License-Identifier: ISC */
/*
 * What the fleetctl tests (cli_test.c, cli_print_test.c, cli_lb_test.c)
 * share: the fixed "now" of their fixtures, the table size macro and the
 * capture of what a printer writes.  Test-only; the helpers are static
 * inline so each test file takes what it uses.
 */
#ifndef FLEET_TESTS_UNIT_CLI_FIXTURE_H
#define FLEET_TESTS_UNIT_CLI_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "util.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NOW       1796205600ULL /* 2026-12-02T10:00:00Z */

/* Runs fn with a memory stream; returns what it wrote (caller frees). */
static inline char *
capture(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	fn(fp);
	assert_int_equal(fclose(fp), 0);
	return (text);
}

#endif /* FLEET_TESTS_UNIT_CLI_FIXTURE_H */
