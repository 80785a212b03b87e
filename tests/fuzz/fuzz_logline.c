/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for logline_parse(): each input is one log line,
 * parsed with a fixed context as a whole syslog line and again as a bare
 * message (LOGLINE_F_MSG_ONLY, which reaches the field parser at once).
 * libFuzzer's buffer is exactly size bytes with no NUL, so ASan catches
 * any read past len.  Whatever is accepted must be self-consistent:
 * borrowed pointers inside the input, copies NUL-terminated within their
 * caps, a known status.  Seeds: corpus/logline/ (real lines).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_logline_inside(const char *p, size_t n, const char *line, size_t len)
{
	if (n > 0 && (p < line || p + n > line + len))
		abort();
}

static void
fuzz_logline_check(const struct logline_result *r, const char *line, size_t len)
{
	if (r->status < STATUS_SENT || r->status > STATUS_LAST)
		abort();
	fuzz_logline_inside(r->text, r->textlen, line, len);
	fuzz_logline_inside(r->rcpt, r->rcptlen, line, len);
	fuzz_logline_inside(r->syslog_name, r->syslog_namelen, line, len);
	fuzz_logline_inside(r->service, r->servicelen, line, len);
	if (strnlen(r->queue_id, sizeof(r->queue_id)) == sizeof(r->queue_id) ||
	    strnlen(r->domain, sizeof(r->domain)) == sizeof(r->domain) ||
	    strnlen(r->relay_host, sizeof(r->relay_host)) ==
	        sizeof(r->relay_host) ||
	    strnlen(r->relay_addr, sizeof(r->relay_addr)) ==
	        sizeof(r->relay_addr) ||
	    strnlen(r->dsn, sizeof(r->dsn)) == sizeof(r->dsn))
		abort();
	if (r->queue_id[0] == '\0' || r->usec > 999999)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logline_ctx ctx = {.year = 2026, .now = 1795900000};
	struct logline_result r;
	const char *line = (const char *)data, *errstr;
	int rv, pass;

	for (pass = 0; pass < 2; pass++) {
		ctx.flags = pass == 0 ? 0 : LOGLINE_F_MSG_ONLY;
		errstr = NULL;
		rv = logline_parse(line, size, &ctx, &r, &errstr);
		if (rv == -1 && errstr == NULL)
			abort();
		if (rv == 1)
			fuzz_logline_check(&r, line, size);
		else if (rv != 0 && rv != -1)
			abort();
	}
	return (0);
}
