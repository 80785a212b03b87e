/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the haproxy driver's reply parsing: each input is
 * a reply to `show servers state` for haproxy_parse_servers_state(), and
 * a reply to `set server` for haproxy_reply_ok().  libFuzzer's buffer is
 * exactly size bytes with no NUL, so ASan catches any read past len.
 * Whatever is accepted must be self-consistent: names non-empty,
 * NUL-terminated within HAPROXY_NAME_MAX and of HAProxy's charset, rows
 * NULL exactly when there are none, an error text on refusal; the error
 * line of a refused `set server` reply one line of printable ASCII.
 * Seeds: corpus/haproxy/ (replies from the reference transcripts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../controller/lb_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_haproxy_name(const char *name, size_t size)
{
	size_t n = strnlen(name, size);

	if (n == 0 || n == size ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_.:-") != n)
		abort();
}

static void
fuzz_haproxy_rows(const struct haproxy_server *rows, size_t n)
{
	struct lb_state st;

	if ((n == 0) != (rows == NULL))
		abort();
	for (size_t i = 0; i < n; i++) {
		fuzz_haproxy_name(rows[i].backend, sizeof(rows[i].backend));
		fuzz_haproxy_name(rows[i].server, sizeof(rows[i].server));
		haproxy_server_state(&rows[i], &st);
		if (!st.known || st.weight > 1000 ||
		    st.uweight != rows[i].uweight)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *errstr = NULL;
	struct haproxy_server *rows = (void *)1;
	char err[LB_ERROR_MAX];
	size_t n = 1;

	if (haproxy_parse_servers_state(buf, size, &rows, &n, &errstr) == 0)
		fuzz_haproxy_rows(rows, n);
	else if (errstr == NULL || errstr[0] == '\0' || rows != NULL || n != 0)
		abort();
	free(rows);
	if (!haproxy_reply_ok(buf, size, err, sizeof(err))) {
		for (size_t i = 0; err[i] != '\0'; i++)
			if (err[i] < 0x20 || err[i] > 0x7e)
				abort();
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
	}
	return (0);
}
