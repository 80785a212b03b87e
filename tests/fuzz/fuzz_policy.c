/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for a relay's saved policy state (the JSON the store
 * keeps; a damaged file or another version's may hold anything):
 * policy_relay_from_json() must refuse bad input without changing the
 * relay, and whatever it accepts must survive the policy's own use: a
 * tick, a block, a window, and a second save that reads back the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../controller/health.h"
#include "../../controller/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_T0 1795864758u

static const struct policy_relay_conf fuzz_relays[] = {
    {"r0", "a"}, {"r1", "a"}, {"r2", "b"}, {"r3", "b"}};

static void
fuzz_use(struct policy *p, struct health *h)
{
	struct wire_counter c = {.provider = "outlook",
	    .cls = CLASS_IP_BLOCKED,
	    .status = STATUS_BOUNCED,
	    .count = 1};
	struct wire_report r = {.n_counters = 1, .counters = &c};
	struct policy_out out = {0};
	char err[256];

	policy_tick(p, h, FUZZ_T0, &out);
	health_add(
	    h, 0, "outlook", CLASS_IP_BLOCKED, STATUS_BOUNCED, 1, FUZZ_T0 + 60);
	policy_report(p, h, 0, &r, FUZZ_T0 + 60, FUZZ_T0 + 60, &out);
	(void)policy_enable(
	    p, 0, "fuzz", false, FUZZ_T0 + 120, &out, err, sizeof(err));
	policy_tick(p, h, FUZZ_T0 + 86400 * 3, &out);
	for (size_t i = 0; i < out.n; i++)
		if (out.ev[i].relay >= 4 || out.ev[i].weight > 100)
			abort();
	policy_out_fini(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_conf pc;
	struct policy *p;
	struct health *h;
	char *text = malloc(size + 1), *before, *again;
	const char *errstr;

	if (text == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	policy_conf_defaults(&pc);
	if (policy_conf_finish(&pc, &errstr) == -1)
		abort();
	p = policy_new(&pc, fuzz_relays, 4, FUZZ_T0);
	h = health_new(4);
	before = policy_relay_to_json(p, 0);
	if (policy_relay_from_json(p, 0, text, &errstr) == -1) {
		again = policy_relay_to_json(p, 0);
		if (strcmp(before, again) != 0)
			abort(); /* a refusal changed the relay */
		free(again);
	} else {
		again = policy_relay_to_json(p, 0);
		if (policy_relay_from_json(p, 1, again, &errstr) == -1)
			abort(); /* our own output must read back */
		free(again);
		if (policy_relay(p, 0)->weight > 100)
			abort();
		fuzz_use(p, h);
	}
	free(before);
	health_free(h);
	policy_free(p);
	free(text);
	return (0);
}
