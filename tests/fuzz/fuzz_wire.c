/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the wire_*_decode() functions: every input goes to
 * all four decoders.  Whatever a decoder accepts must encode again (only
 * "message too large" may refuse it, since the encoder sets every field)
 * and decode again, with the same number of items: the decoder never lets
 * through what the encoder, which applies the same rules, would refuse.
 * Seeds: corpus/wire/ (ctl-request-* and ctl-reply-* carry every control
 * field; ctl-reply-lb the load balancers and the relays' lb entries).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless an encode failed only because of the total size. */
static void
fuzz_wire_check_encode(int rv, const char *errstr)
{
	if (rv == -1 && strcmp(errstr, "message too large") != 0)
		abort();
}

static void
fuzz_wire_report(const uint8_t *data, size_t size)
{
	struct wire_report r, r2;
	const char *errstr;
	uint8_t *buf;
	size_t len;
	int rv;

	if (wire_report_decode(&r, data, size, &errstr) == -1)
		return;
	rv = wire_report_encode(&r, &buf, &len, &errstr);
	fuzz_wire_check_encode(rv, errstr);
	if (rv == 0) {
		if (wire_report_decode(&r2, buf, len, &errstr) == -1)
			abort();
		wire_report_fini(&r2);
		free(buf);
	}
	wire_report_fini(&r);
}

static void
fuzz_wire_agent_reply(const uint8_t *data, size_t size)
{
	struct wire_agent_reply a, a2;
	const char *errstr;
	uint8_t *buf;
	size_t len;

	if (wire_agent_reply_decode(&a, data, size, &errstr) == -1)
		return;
	if (wire_agent_reply_encode(&a, &buf, &len, &errstr) == -1 ||
	    wire_agent_reply_decode(&a2, buf, len, &errstr) == -1)
		abort();
	free(buf);
}

static void
fuzz_wire_ctl_request(const uint8_t *data, size_t size)
{
	struct wire_ctl_request q, q2;
	const char *errstr;
	uint8_t *buf;
	size_t len;
	int rv;

	if (wire_ctl_request_decode(&q, data, size, &errstr) == -1)
		return;
	rv = wire_ctl_request_encode(&q, &buf, &len, &errstr);
	fuzz_wire_check_encode(rv, errstr);
	if (rv == 0) {
		if (wire_ctl_request_decode(&q2, buf, len, &errstr) == -1 ||
		    q2.n_relays != q.n_relays)
			abort();
		wire_ctl_request_fini(&q2);
		free(buf);
	}
	wire_ctl_request_fini(&q);
}

/* The same items in c2 as in c, down to each relay's lb entries. */
static bool
fuzz_wire_ctl_reply_same(
    const struct wire_ctl_reply *c, const struct wire_ctl_reply *c2)
{
	if (c2->n_relays != c->n_relays || c2->n_events != c->n_events ||
	    c2->n_windows != c->n_windows || c2->n_health != c->n_health ||
	    c2->n_lbs != c->n_lbs)
		return (false);
	for (size_t i = 0; i < c->n_relays; i++) {
		if (c2->relays[i].n_lb != c->relays[i].n_lb)
			return (false);
	}
	return (true);
}

static void
fuzz_wire_ctl_reply(const uint8_t *data, size_t size)
{
	struct wire_ctl_reply c, c2;
	const char *errstr;
	uint8_t *buf;
	size_t len;
	int rv;

	if (wire_ctl_reply_decode(&c, data, size, &errstr) == -1)
		return;
	rv = wire_ctl_reply_encode(&c, &buf, &len, &errstr);
	fuzz_wire_check_encode(rv, errstr);
	if (rv == 0) {
		if (wire_ctl_reply_decode(&c2, buf, len, &errstr) == -1 ||
		    !fuzz_wire_ctl_reply_same(&c, &c2))
			abort();
		wire_ctl_reply_fini(&c2);
		free(buf);
	}
	wire_ctl_reply_fini(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_wire_report(data, size);
	fuzz_wire_agent_reply(data, size);
	fuzz_wire_ctl_request(data, size);
	fuzz_wire_ctl_reply(data, size);
	return (0);
}
