/* SPDX-License-Identifier: ISC */
/*
 * Configuration parsing (see cfg.h).  The file is read whole (at most
 * CFG_FILE_MAX bytes), checked for over-long lines that libinih would
 * silently split, then handed to ini_parse_string().
 */
#include "cfg.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "keys.h"
#include "util.h"

#define CFG_FILE_MAX (16 * 1024 * 1024) /* 10,000 relays take ~2 MB */

struct cfg_ctx {
	cfg_handler h;
	void *user;
	bool failed;
	char msg[CFG_ERR_MAX];
};

static int
cfg_ini_cb(void *arg, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *ctx = arg;
	char msg[CFG_ERR_MAX];

	if (ctx->failed)
		return (1); /* report the first error only */
	if (ctx->h(ctx->user, section, name, value, msg, sizeof(msg)) == -1) {
		ctx->failed = true;
		util_strlcpy(ctx->msg, msg, sizeof(ctx->msg));
		return (0);
	}
	return (1);
}

/* Returns the 1-based number of the first over-long line, or 0. */
static int
cfg_long_line(const char *buf)
{
	int line = 1;

	while (*buf != '\0') {
		size_t n = strcspn(buf, "\n");

		if (n > CFG_LINE_MAX)
			return (line);
		buf += n;
		if (*buf == '\n')
			buf++;
		line++;
	}
	return (0);
}

int
cfg_parse(const char *path, cfg_handler h, void *user, char *err, size_t errlen)
{
	struct cfg_ctx ctx = {.h = h, .user = user};
	size_t len;
	char *buf;
	int line;

	if (util_read_file(path, CFG_FILE_MAX, &buf, &len) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(buf);
		return (-1);
	}
	if ((line = cfg_long_line(buf)) != 0) {
		snprintf(err, errlen, "%s:%d: line longer than %d characters",
		    path, line, CFG_LINE_MAX);
		free(buf);
		return (-1);
	}
	line = ini_parse_string(buf, cfg_ini_cb, &ctx);
	free(buf);
	if (line == 0)
		return (0);
	if (ctx.failed)
		snprintf(err, errlen, "%s:%d: %s", path, line, ctx.msg);
	else
		snprintf(err, errlen, "%s:%d: syntax error", path, line);
	return (-1);
}

bool
cfg_name_ok(const char *s)
{
	size_t n = strlen(s);

	return (n >= 1 && n <= CFG_NAME_MAX &&
	        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789_.-") == n);
}

bool
cfg_section_is(const char *section, const char *kind, const char **name)
{
	size_t n = strlen(kind);

	if (strncmp(section, kind, n) != 0 || section[n] != ' ')
		return (false);
	*name = section + n + 1;
	return (true);
}

static bool
cfg_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (false);
	return (true);
}

static int
cfg_set_string(const struct cfg_field *f, char *dst, const char *value,
    const char **errstr)
{
	uint8_t addr[16];
	const char *port;

	if (value[0] == '\0' || !cfg_printable(value))
		*errstr = "empty or not printable";
	else if (strlen(value) >= f->len)
		*errstr = "too long";
	else if (f->type == CFG_PATH && value[0] != '/')
		*errstr = "not an absolute path";
	else if (f->type == CFG_NAME && !cfg_name_ok(value))
		*errstr = "name must be 1-63 characters of [A-Za-z0-9_.-]";
	else if (f->type == CFG_IP && inet_pton(AF_INET, value, addr) != 1 &&
	         inet_pton(AF_INET6, value, addr) != 1)
		*errstr = "not an IP address";
	else if (f->type == CFG_URL &&
	         (strncmp(value, "tcp://", 6) != 0 ||
	             (port = strrchr(value + 6, ':')) == NULL ||
	             port[1] == '\0' ||
	             strspn(port + 1, "0123456789") != strlen(port + 1)))
		*errstr = "not a tcp://host:port URL";
	else {
		memcpy(dst, value, strlen(value) + 1);
		return (0);
	}
	return (-1);
}

static int
cfg_set_value(const struct cfg_field *f, void *obj, const char *value,
    const char **errstr)
{
	char *p = (char *)obj + f->off;

	switch (f->type) {
	case CFG_DURATION:
		return (util_parse_duration(
		    value, f->min, f->max, (uint64_t *)(void *)p, errstr));
	case CFG_UINT:
		return (util_parse_uint(
		    value, f->min, f->max, (uint64_t *)(void *)p, errstr));
	case CFG_KEY:
		return (key_decode((uint8_t *)p, value, errstr));
	case CFG_STRING:
	case CFG_PATH:
	case CFG_URL:
	case CFG_IP:
	case CFG_NAME:
		return (cfg_set_string(f, p, value, errstr));
	}
	*errstr = "bad field type";
	return (-1);
}

int
cfg_set(const struct cfg_field *fields, size_t n, void *obj, uint32_t *seen,
    const char *name, const char *value, char *err, size_t errlen)
{
	const char *errstr;

	for (size_t i = 0; i < n && i < 32; i++) {
		if (strcmp(fields[i].name, name) != 0)
			continue;
		if (*seen & (UINT32_C(1) << i)) {
			snprintf(err, errlen, "%s: given twice", name);
			return (-1);
		}
		if (cfg_set_value(&fields[i], obj, value, &errstr) == -1) {
			snprintf(err, errlen, "%s: %s", name, errstr);
			return (-1);
		}
		*seen |= UINT32_C(1) << i;
		return (0);
	}
	snprintf(err, errlen, "unknown key '%s'", name);
	return (-1);
}

int
cfg_check_required(const struct cfg_field *fields, size_t n, uint32_t seen,
    const char *what, char *err, size_t errlen)
{
	for (size_t i = 0; i < n && i < 32; i++) {
		if (fields[i].required && !(seen & (UINT32_C(1) << i))) {
			snprintf(err, errlen, "%s: %s missing", what,
			    fields[i].name);
			return (-1);
		}
	}
	return (0);
}
