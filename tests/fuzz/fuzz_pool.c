/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for lb_pool_parse(), the reader of the file driver's
 * pool.json (a file anyone with access to the directory may have
 * edited).  Bad input is refused with a message and the out-parameters
 * untouched; what is accepted holds only valid entries (a relay name, an
 * IP address, a known intent, a weight of 0..100, no name twice, at most
 * LB_POOL_MAX), and survives lb_pool_json() and a second parse unchanged;
 * lb_pool_text() lists exactly its ready entries of weight > 0.  Seeds:
 * corpus/pool/.
 */
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../controller/lb_driver.h"
#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_pool_check_entry(const struct lb_pool_entry *e)
{
	unsigned char addr[16];

	if (memchr(e->name, '\0', sizeof(e->name)) == NULL ||
	    !cfg_name_ok(e->name))
		abort();
	if (memchr(e->ip, '\0', sizeof(e->ip)) == NULL ||
	    (inet_pton(AF_INET, e->ip, addr) != 1 &&
	        inet_pton(AF_INET6, e->ip, addr) != 1))
		abort();
	if (e->intent != POLICY_INTENT_READY &&
	    e->intent != POLICY_INTENT_DRAIN &&
	    e->intent != POLICY_INTENT_MAINT)
		abort();
	if (e->weight > 100)
		abort();
}

static bool
fuzz_pool_same(const struct lb_pool_entry *a, const struct lb_pool_entry *b)
{
	return (strcmp(a->name, b->name) == 0 && strcmp(a->ip, b->ip) == 0 &&
	        a->intent == b->intent && a->weight == b->weight);
}

/* pool.txt: one line per ready entry of weight > 0, in order. */
static void
fuzz_pool_check_text(const struct lb_pool_entry *e, size_t n)
{
	size_t len, off = 0, want, line;
	char *txt = lb_pool_text(e, n, &len), *nl;

	if (strlen(txt) != len || (len > 0 && txt[len - 1] != '\n'))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (e[i].intent != POLICY_INTENT_READY || e[i].weight == 0)
			continue;
		want = strlen(e[i].name);
		if ((nl = strchr(txt + off, '\n')) == NULL ||
		    strncmp(txt + off, e[i].name, want) != 0 ||
		    txt[off + want] != ' ')
			abort();
		line = (size_t)(nl - (txt + off)) + 1;
		off += line;
	}
	if (off != len)
		abort();
	free(txt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_pool_entry *e = (struct lb_pool_entry *)&e, *back = NULL;
	const char *errstr = NULL;
	size_t n = 7, n2 = 0, jlen;
	char *json;

	if (lb_pool_parse((const char *)data, size, &e, &n, &errstr) == -1) {
		if (errstr == NULL || errstr[0] == '\0' ||
		    e != (struct lb_pool_entry *)&e || n != 7)
			abort();
		return (0);
	}
	if (n > LB_POOL_MAX || (n == 0) != (e == NULL))
		abort();
	for (size_t i = 0; i < n; i++) {
		fuzz_pool_check_entry(&e[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(e[i].name, e[j].name) == 0)
				abort();
	}
	fuzz_pool_check_text(e, n);
	json = lb_pool_json(e, n, 1700000000, &jlen);
	if (lb_pool_parse(json, jlen, &back, &n2, &errstr) == -1 || n2 != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!fuzz_pool_same(&e[i], &back[i]))
			abort();
	free(json);
	free(back);
	free(e);
	return (0);
}
