/* SPDX-License-Identifier: ISC */
/*
 * The agent's reaction to fleetd's commands (report_sched_command): a
 * run-checks command schedules the self checks, not a queue scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../agent/report.h"

struct sched_case {
	const char *name;
	struct wire_command cmd;
	struct report_sched want;
};

#define NOW   5000
#define LATER 99999

static const struct report_sched sched_start = {
    .report_ms = 10000,
    .queue_ms = 30000,
    .next_queue = LATER,
    .next_check = LATER,
};

static const struct sched_case sched_cases[] = {
    {"run checks: checks now, queue untouched", {.type = WIRE_CMD_RUN_CHECKS},
        {10000, 30000, LATER, NOW}},
    {"set intervals: both",
        {.type = WIRE_CMD_SET_INTERVALS,
            .report_interval_ms = 2000,
            .queue_interval_ms = 7000},
        {2000, 7000, LATER, LATER}},
    {"set intervals: 0 leaves one alone",
        {.type = WIRE_CMD_SET_INTERVALS, .report_interval_ms = 3000},
        {3000, 30000, LATER, LATER}},
    {"set intervals: under 100 ms ignored",
        {.type = WIRE_CMD_SET_INTERVALS,
            .report_interval_ms = 99,
            .queue_interval_ms = 1},
        {10000, 30000, LATER, LATER}},
};

static void
test_sched_commands(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sched_cases) / sizeof(sched_cases[0]);
	     i++) {
		const struct sched_case *c = &sched_cases[i];
		struct report_sched s = sched_start;

		print_message("case: %s\n", c->name);
		report_sched_command(&s, &c->cmd, NOW);
		assert_int_equal(s.report_ms, c->want.report_ms);
		assert_int_equal(s.queue_ms, c->want.queue_ms);
		assert_int_equal(s.next_queue, c->want.next_queue);
		assert_int_equal(s.next_check, c->want.next_check);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sched_commands),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
