/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the queue scan's line parser: one line of
 * `postqueue -j` output (untrusted JSON) into queue_scan_line(), with the
 * built-in rules classifying deferred recipients.  Checks that the counts
 * stay consistent: deferred_by never holds more than the deferred count
 * times the recipients seen, and every provider it holds is valid.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../agent/queue.h"
#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classify *fuzz_rules;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_scan qs;
	char err[256];

	if (fuzz_rules == NULL &&
	    classify_load(&fuzz_rules, NULL, err, sizeof(err)) == -1)
		abort();
	queue_scan_init(&qs, 1795864758, fuzz_rules);
	queue_scan_line(&qs, (const char *)data, size);
	queue_scan_finish(&qs);
	if (qs.lines != 1 || qs.bad_lines > 1)
		abort();
	if (qs.snap.deferred == 0 && qs.snap.n_by != 0)
		abort();
	for (size_t i = 0; i < qs.snap.n_by; i++)
		if (!wire_provider_ok(qs.snap.by[i].provider) ||
		    qs.snap.by[i].count == 0)
			abort();
	wire_queue_fini(&qs.snap);
	return (0);
}
