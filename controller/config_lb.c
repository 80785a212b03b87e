/* SPDX-License-Identifier: ISC */
/*
 * [lb NAME] sections and the relays' lb_server (docs/lb.md): read by
 * config.c, checked here once the whole file is read.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "lb_driver.h"
#include "util.h"

#define LB_FIELD(n, t, field, lo, hi)                                          \
	{                                                                      \
		n, t, offsetof(struct fleetd_lb, field),                       \
		    sizeof(((struct fleetd_lb *)0)->field), lo, hi, false      \
	}

static const struct cfg_field lb_fields[] = {
    LB_FIELD("driver", CFG_NAME, driver_text, 0, 0),
    LB_FIELD("socket", CFG_PATH, socket, 0, 0),
    LB_FIELD("path", CFG_PATH, path, 0, 0),
    LB_FIELD("command", CFG_PATH, command, 0, 0),
    LB_FIELD("timeout", CFG_DURATION, timeout_ms, 100, 60000),
    LB_FIELD("resync", CFG_DURATION, resync_ms, 1000, 3600000),
};
#define LB_F_SOCKET  (1u << 1)
#define LB_F_PATH    (1u << 2)
#define LB_F_COMMAND (1u << 3)
#define LB_F_TIMEOUT (1u << 4)
#define LB_F_RESYNC  (1u << 5)

const char *
fleetd_lb_driver_name(enum fleetd_lb_driver d)
{
	switch (d) {
	case LB_DRIVER_HAPROXY:
		return ("haproxy");
	case LB_DRIVER_FILE:
		return ("file");
	case LB_DRIVER_EXEC:
		return ("exec");
	}
	return ("?");
}

/* The section, a new one if is_new; NULL (err set) if that cannot be. */
static struct fleetd_lb *
config_lb_get(struct fleetd_config *c, const char *name, bool is_new, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < c->nlbs; i++) {
		if (strcmp(c->lbs[i].name, name) != 0)
			continue;
		if (!is_new)
			return (&c->lbs[i]);
		snprintf(err, errlen, "[lb %s]: section given twice", name);
		return (NULL);
	}
	if (c->nlbs == FLEETD_LB_MAX) {
		snprintf(err, errlen, "[lb %s]: more than %d [lb] sections",
		    name, FLEETD_LB_MAX);
		return (NULL);
	}
	c->lbs = xreallocarray(c->lbs, c->nlbs + 1, sizeof(*c->lbs));
	memset(&c->lbs[c->nlbs], 0, sizeof(c->lbs[0]));
	util_strlcpy(c->lbs[c->nlbs].name, name, sizeof(c->lbs[0].name));
	return (&c->lbs[c->nlbs++]);
}

int
config_lb_cb(struct config_ctx *ctx, const char *lname, bool is_new,
    const char *name, const char *value, char *err, size_t errlen)
{
	struct fleetd_lb *lb;
	char msg[CFG_ERR_MAX];

	if (!cfg_name_ok(lname)) {
		snprintf(err, errlen,
		    "[lb %s]: name must be 1-63 characters of [A-Za-z0-9_.-]",
		    lname);
		return (-1);
	}
	if ((lb = config_lb_get(ctx->c, lname, is_new, err, errlen)) == NULL)
		return (-1);
	if (cfg_set(lb_fields, CONFIG_N(lb_fields), lb, &lb->seen, name, value,
	        msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "[lb %s]: %s", lname, msg);
		return (-1);
	}
	return (0);
}

size_t
fleetd_lb_pairs(
    const char *lb_server, char pairs[][CFG_NAME_MAX * 2 + 2], size_t max)
{
	const char *p = lb_server;
	size_t n = 0;

	while (n < max) {
		size_t len;

		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			break;
		if (len > CFG_NAME_MAX * 2 + 1)
			len = CFG_NAME_MAX * 2 + 1;
		memcpy(pairs[n], p, len);
		pairs[n++][len] = '\0';
		p += strcspn(p, " \t");
	}
	return (n);
}

/* lb_server: 1..FLEETD_LB_PAIRS distinct "backend/server" pairs. */
static int
config_lb_server_check(const struct fleetd_relay *r, char *err, size_t errlen)
{
	char pairs[FLEETD_LB_PAIRS + 1][CFG_NAME_MAX * 2 + 2];
	const char *p = r->lb_server;
	size_t n = 0;

	while (*(p += strspn(p, " \t")) != '\0') {
		size_t len = strcspn(p, " \t");
		const char *slash = memchr(p, '/', len);

		if (slash == NULL || !haproxy_name_ok(p, slash - p) ||
		    !haproxy_name_ok(slash + 1, len - (slash - p) - 1)) {
			snprintf(err, errlen,
			    "[relay %s]: lb_server: \"%.*s\" is not "
			    "backend/server (names of [A-Za-z0-9_.:-], at "
			    "most 63 each)",
			    r->name, (int)(len > 130 ? 130 : len), p);
			return (-1);
		}
		if (++n > FLEETD_LB_PAIRS) {
			snprintf(err, errlen,
			    "[relay %s]: lb_server: more than %d pairs",
			    r->name, FLEETD_LB_PAIRS);
			return (-1);
		}
		p += len;
	}
	n = fleetd_lb_pairs(r->lb_server, pairs, FLEETD_LB_PAIRS);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(pairs[i], pairs[j]) == 0) {
				snprintf(err, errlen,
				    "[relay %s]: lb_server: %s given twice",
				    r->name, pairs[i]);
				return (-1);
			}
	return (0);
}

/* The one key of socket, path, command the driver takes; no other. */
static int
config_lb_target(struct fleetd_lb *lb, uint32_t want, const char *key,
    const char *value, char *err, size_t errlen)
{
	static const struct {
		uint32_t bit;
		const char *key;
	} keys[] = {{LB_F_SOCKET, "socket"}, {LB_F_PATH, "path"},
	    {LB_F_COMMAND, "command"}};

	for (size_t i = 0; i < CONFIG_N(keys); i++)
		if (keys[i].bit != want && (lb->seen & keys[i].bit) != 0) {
			snprintf(err, errlen,
			    "[lb %s]: driver %s takes no %s (it takes %s)",
			    lb->name, lb->driver_text, keys[i].key, key);
			return (-1);
		}
	if ((lb->seen & want) == 0) {
		snprintf(err, errlen, "[lb %s]: driver %s needs %s", lb->name,
		    lb->driver_text, key);
		return (-1);
	}
	util_strlcpy(lb->target, value, sizeof(lb->target));
	return (0);
}

static int
config_lb_check_one(struct fleetd_lb *lb, char *err, size_t errlen)
{
	struct stat st;

	if (strcmp(lb->driver_text, "haproxy") == 0) {
		lb->driver = LB_DRIVER_HAPROXY;
		if (config_lb_target(lb, LB_F_SOCKET, "socket", lb->socket, err,
		        errlen) == -1)
			return (-1);
		if (strlen(lb->socket) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, errlen,
			    "[lb %s]: socket: longer than a unix socket path "
			    "may be (%zu bytes)",
			    lb->name,
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			return (-1);
		}
		/* the socket may appear later: HAProxy may start after us */
	} else if (strcmp(lb->driver_text, "file") == 0) {
		lb->driver = LB_DRIVER_FILE;
		if (config_lb_target(
		        lb, LB_F_PATH, "path", lb->path, err, errlen) == -1)
			return (-1);
		if (stat(lb->path, &st) == -1 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen,
			    "[lb %s]: path %s: not a directory", lb->name,
			    lb->path);
			return (-1);
		}
	} else if (strcmp(lb->driver_text, "exec") == 0) {
		lb->driver = LB_DRIVER_EXEC;
		if (config_lb_target(lb, LB_F_COMMAND, "command", lb->command,
		        err, errlen) == -1)
			return (-1);
		if (stat(lb->command, &st) == -1 || !S_ISREG(st.st_mode) ||
		    access(lb->command, X_OK) == -1) {
			snprintf(err, errlen,
			    "[lb %s]: command %s: not an executable file",
			    lb->name, lb->command);
			return (-1);
		}
	} else {
		snprintf(err, errlen,
		    "[lb %s]: driver must be haproxy, file or exec%s", lb->name,
		    lb->driver_text[0] == '\0' ? " (driver missing)" : "");
		return (-1);
	}
	if ((lb->seen & LB_F_TIMEOUT) == 0)
		lb->timeout_ms = lb->driver == LB_DRIVER_EXEC
		                     ? FLEETD_LB_EXEC_MS
		                     : FLEETD_LB_TIMEOUT;
	if ((lb->seen & LB_F_RESYNC) == 0)
		lb->resync_ms = FLEETD_LB_RESYNC;
	return (0);
}

int
fleetd_config_check_lbs(struct fleetd_config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nlbs; i++) {
		if (config_lb_check_one(&c->lbs[i], err, errlen) == -1)
			return (-1);
		/* two writers of one pool or socket would fight */
		for (size_t j = 0; j < i; j++)
			if (c->lbs[j].driver == c->lbs[i].driver &&
			    strcmp(c->lbs[j].target, c->lbs[i].target) == 0) {
				snprintf(err, errlen,
				    "[lb %s]: %s already used by [lb %s]",
				    c->lbs[i].name, c->lbs[i].target,
				    c->lbs[j].name);
				return (-1);
			}
	}
	for (size_t i = 0; i < c->nrelays; i++)
		if (config_lb_server_check(&c->relays[i], err, errlen) == -1)
			return (-1);
	return (0);
}
