/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for classify_load_string(): any input either loads or
 * fails with a "fuzz:LINE: ..." message.  Rules that load classify a few
 * fixed texts and the input itself, twice, and must give the same answer
 * from the cache as without it; provider ids must be well formed.  Built
 * with CLASSIFY_CHECK_PREFILTER: a text a rule's literal prefilter turns
 * away must not match its regex (each line of the input is a text).  The
 * regex limits (classify.h) keep hostile patterns fast.  Seeds:
 * corpus/rules/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_rules_texts[] = {
    "",
    "host mx.example[192.0.2.1] said: 550-5.7.1 blocked 550-5.7.1 using "
    "zen.spamhaus.org (in reply to RCPT TO command)",
    "smtp;451 4.7.650 The mail server [192.0.2.1] has been temporarily "
    "rate limited due to IP reputation. (S775)",
    "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 "
    "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred>",
    "connect to mx.example[192.0.2.1]:25: Connection timed out",
    "421-",
    "550 5.1.1",
};

static void
fuzz_rules_classify(struct classify *c, const char *mx, const char *text)
{
	const char *prov = classify_provider(c, mx, text);
	size_t n = strlen(prov);
	enum reason_class a, b;

	if (n == 0 || n > CLASSIFY_ID_MAX ||
	    strspn(prov, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		abort();
	a = classify_class(c, prov, NULL, text);
	b = classify_class(c, prov, NULL, text);
	if (a != b || a < CLASS_DELIVERED || a > CLASS_LAST)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify *c = NULL;
	char *text, err[256];
	size_t i;

	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	if (classify_load_string(&c, text, "fuzz", err, sizeof(err)) == -1) {
		if (c != NULL || strncmp(err, "fuzz:", 5) != 0)
			abort();
		free(text);
		return (0);
	}
	for (i = 0; i < sizeof(fuzz_rules_texts) / sizeof(*fuzz_rules_texts);
	     i++)
		fuzz_rules_classify(
		    c, "gmail-smtp-in.l.google.com.", fuzz_rules_texts[i]);
	fuzz_rules_classify(c, text, text);
	/* each line as a text too: lines that match the file's own regexes */
	for (char *line = text, *nl; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		fuzz_rules_classify(c, NULL, line);
	}
	classify_free(c);
	free(text);
	return (0);
}
