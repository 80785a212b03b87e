/* SPDX-License-Identifier: ISC */
/*
 * fleetd's configuration: [fleetd], [relay NAME]..., [operator NAME]...,
 * [policy], [rule NAME]... and [lb NAME]... (see docs/config.md).  Sections may
 * come in any order; a name defined twice, or a key used by two parties (two
 * relays, two operators, a relay and an operator), is an error.
 *
 * This file reads the file, owns [fleetd], [relay NAME] and [operator
 * NAME], and runs the checks of the whole file; config_policy.c owns
 * [policy] and [rule NAME], config_lb.c [lb NAME].
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config_int.h"
#include "util.h"

#define FIELD(s, n, t, field, req)                                             \
	{                                                                      \
		n, t, offsetof(struct s, field),                               \
		    sizeof(((struct s *)0)->field), 0, 0, req                  \
	}

#define LIMIT(n, t, field, lo, hi)                                             \
	{                                                                      \
		n, t, offsetof(struct fleetd_config, limits.field),            \
		    sizeof(((struct fleetd_config *)0)->limits.field), lo, hi, \
		    false                                                      \
	}

static const struct cfg_field fleetd_fields[] = {
    FIELD(fleetd_config, "agent_listen", CFG_URL, agent_listen, false),
    FIELD(fleetd_config, "control_listen", CFG_URL, control_listen, false),
    FIELD(fleetd_config, "key_file", CFG_PATH, key_file, true),
    FIELD(fleetd_config, "database", CFG_PATH, database, true),
    LIMIT("agent_sources", CFG_NAME, agent_sources, 0, 0),
    LIMIT("max_connections", CFG_UINT, max_connections, 16, 1000000),
    LIMIT("max_per_source", CFG_UINT, max_per_source, 1, 100000),
    LIMIT("handshake_timeout", CFG_DURATION, handshake_timeout_ms, 100, 600000),
    LIMIT("idle_timeout", CFG_DURATION, idle_timeout_ms, 1000, 86400000),
    LIMIT("hello_rate", CFG_UINT, hello_rate, 1, 1000000),
    LIMIT("hello_rate_per_source", CFG_UINT, hello_rate_per_source, 1, 1000000),
    LIMIT("hello_skew", CFG_DURATION, hello_skew_ms, 1000, 86400000),
    LIMIT("report_rate", CFG_UINT, report_rate, 1, 1000000),
    LIMIT("max_report_bytes", CFG_UINT, max_report_bytes, 4096, WIRE_MAX_MSG),
    LIMIT("max_seq_ahead", CFG_UINT, max_seq_ahead, 1, 1000000000),
    LIMIT("nofile", CFG_UINT, nofile, 1024, 1048576),
};

static const struct cfg_field relay_fields[] = {
    FIELD(fleetd_relay, "ip", CFG_IP, ip, true),
    FIELD(fleetd_relay, "hosting", CFG_NAME, hosting, false),
    FIELD(fleetd_relay, "agent_key", CFG_KEY, agent_key, true),
    FIELD(fleetd_relay, "lb_server", CFG_STRING, lb_server, false),
};

static const struct cfg_field operator_fields[] = {
    FIELD(fleetd_operator, "key", CFG_KEY, key, true),
    FIELD(fleetd_operator, "role", CFG_NAME, role_text, false),
};

static struct fleetd_relay *
fleetd_config_relay(struct fleetd_config *c, const char *name)
{
	/* a section's keys come together: the last relay first */
	if (c->nrelays > 0 && strcmp(c->relays[c->nrelays - 1].name, name) == 0)
		return (&c->relays[c->nrelays - 1]);
	for (size_t i = 0; i < c->nrelays; i++)
		if (strcmp(c->relays[i].name, name) == 0)
			return (&c->relays[i]);
	c->relays =
	    xreallocarray(c->relays, c->nrelays + 1, sizeof(*c->relays));
	memset(&c->relays[c->nrelays], 0, sizeof(c->relays[0]));
	util_strlcpy(
	    c->relays[c->nrelays].name, name, sizeof(c->relays[0].name));
	return (&c->relays[c->nrelays++]);
}

static struct fleetd_operator *
fleetd_config_operator(struct fleetd_config *c, const char *name)
{
	for (size_t i = 0; i < c->nops; i++)
		if (strcmp(c->ops[i].name, name) == 0)
			return (&c->ops[i]);
	c->ops = xreallocarray(c->ops, c->nops + 1, sizeof(*c->ops));
	memset(&c->ops[c->nops], 0, sizeof(c->ops[0]));
	util_strlcpy(c->ops[c->nops].name, name, sizeof(c->ops[0].name));
	return (&c->ops[c->nops++]);
}

static int
fleetd_config_party_cb(struct fleetd_config *c, const char *section,
    const char *name, const char *value, char *err, size_t errlen)
{
	const char *sname;

	if ((cfg_section_is(section, "relay", &sname) ||
	        cfg_section_is(section, "operator", &sname)) &&
	    !cfg_name_ok(sname)) {
		snprintf(err, errlen,
		    "[%s]: name must be 1-63 characters of "
		    "[A-Za-z0-9_.-]",
		    section);
		return (-1);
	}
	if (cfg_section_is(section, "relay", &sname)) {
		struct fleetd_relay *r = fleetd_config_relay(c, sname);

		return (cfg_set(relay_fields, CONFIG_N(relay_fields), r,
		    &r->seen, name, value, err, errlen));
	}
	if (cfg_section_is(section, "operator", &sname)) {
		struct fleetd_operator *o = fleetd_config_operator(c, sname);

		return (cfg_set(operator_fields, CONFIG_N(operator_fields), o,
		    &o->seen, name, value, err, errlen));
	}
	snprintf(err, errlen, "unknown section [%s]", section);
	return (-1);
}

static int
fleetd_config_cb(void *user, const char *section, const char *name,
    const char *value, char *err, size_t errlen)
{
	struct config_ctx *ctx = user;
	struct fleetd_config *c = ctx->c;
	bool is_new = strcmp(section, ctx->section) != 0;
	const char *sname;

	if (strlen(section) > CONFIG_SECTION_MAX) {
		snprintf(err, errlen,
		    "section [%s...]: longer than %d characters", section,
		    CONFIG_SECTION_MAX);
		return (-1);
	}
	util_strlcpy(ctx->section, section, sizeof(ctx->section));
	if (strcmp(section, "fleetd") == 0)
		return (cfg_set(fleetd_fields, CONFIG_N(fleetd_fields), c,
		    &c->seen, name, value, err, errlen));
	if (strcmp(section, "policy") == 0)
		return (config_policy_cb(ctx, name, value, err, errlen));
	if (cfg_section_is(section, "lb", &sname))
		return (
		    config_lb_cb(ctx, sname, is_new, name, value, err, errlen));
	if (cfg_section_is(section, "rule", &sname))
		return (config_rule_cb(
		    ctx, sname, is_new, name, value, err, errlen));
	return (fleetd_config_party_cb(c, section, name, value, err, errlen));
}

static const struct fleetd_config *config_sort_conf;

static int
config_key_cmp(const void *a, const void *b)
{
	const struct fleetd_relay *r = config_sort_conf->relays;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int d = memcmp(r[i].agent_key, r[j].agent_key, KEY_LEN);

	if (d != 0)
		return (d);
	return (i < j ? -1 : i > j);
}

/*
 * Two relays with one agent_key: sorted by key, so 10,000 relays take
 * milliseconds (pairwise took seconds); the message names the first in
 * file order.  Public keys: no constant-time compare needed.
 */
static int
fleetd_config_dup_keys(struct fleetd_config *c, char *err, size_t errlen)
{
	size_t *ix = xcalloc(c->nrelays + 1, sizeof(*ix));
	int rv = 0;

	for (size_t i = 0; i < c->nrelays; i++)
		ix[i] = i;
	config_sort_conf = c; /* config loading is single-threaded */
	qsort(ix, c->nrelays, sizeof(*ix), config_key_cmp);
	for (size_t k = 1; k < c->nrelays; k++) {
		const struct fleetd_relay *a = &c->relays[ix[k - 1]];
		const struct fleetd_relay *b = &c->relays[ix[k]];

		if (memcmp(a->agent_key, b->agent_key, KEY_LEN) != 0)
			continue;
		snprintf(err, errlen,
		    "[relay %s]: agent_key already used by relay %s", b->name,
		    a->name);
		rv = -1;
		break;
	}
	free(ix);
	return (rv);
}

static int
fleetd_config_check_relays(struct fleetd_config *c, char *err, size_t errlen)
{
	char what[CFG_NAME_MAX + 16];

	for (size_t i = 0; i < c->nrelays; i++) {
		struct fleetd_relay *r = &c->relays[i];

		snprintf(what, sizeof(what), "[relay %s]", r->name);
		if (cfg_check_required(relay_fields, CONFIG_N(relay_fields),
		        r->seen, what, err, errlen) == -1)
			return (-1);
	}
	return (fleetd_config_dup_keys(c, err, errlen));
}

/* An operator's key is nobody else's: no relay's, no other operator's. */
static int
fleetd_config_check_op_key(
    struct fleetd_config *c, size_t i, char *err, size_t errlen)
{
	struct fleetd_operator *o = &c->ops[i];

	for (size_t j = 0; j < c->nrelays; j++) {
		if (sodium_memcmp(o->key, c->relays[j].agent_key, KEY_LEN) ==
		    0) {
			snprintf(err, errlen,
			    "[operator %s]: key already used by relay %s "
			    "(agent_key)",
			    o->name, c->relays[j].name);
			return (-1);
		}
	}
	for (size_t j = 0; j < i; j++) {
		if (sodium_memcmp(o->key, c->ops[j].key, KEY_LEN) == 0) {
			snprintf(err, errlen,
			    "[operator %s]: key already used by operator %s",
			    o->name, c->ops[j].name);
			return (-1);
		}
	}
	return (0);
}

static int
fleetd_config_check_ops(struct fleetd_config *c, char *err, size_t errlen)
{
	char what[CFG_NAME_MAX + 16];

	for (size_t i = 0; i < c->nops; i++) {
		struct fleetd_operator *o = &c->ops[i];

		snprintf(what, sizeof(what), "[operator %s]", o->name);
		if (cfg_check_required(operator_fields,
		        CONFIG_N(operator_fields), o->seen, what, err,
		        errlen) == -1)
			return (-1);
		if (o->role_text[0] == '\0' ||
		    strcmp(o->role_text, "read") == 0)
			o->role = ROLE_READ;
		else if (strcmp(o->role_text, "admin") == 0)
			o->role = ROLE_ADMIN;
		else {
			snprintf(err, errlen, "%s: role must be admin or read",
			    what);
			return (-1);
		}
		if (fleetd_config_check_op_key(c, i, err, errlen) == -1)
			return (-1);
	}
	return (0);
}

void
fleetd_limits_defaults(struct fleetd_limits *l)
{
	memset(l, 0, sizeof(*l));
	util_strlcpy(l->agent_sources, "relays", sizeof(l->agent_sources));
	l->max_connections = 4096;
	l->max_per_source = 8;
	l->handshake_timeout_ms = 10 * 1000;
	l->idle_timeout_ms = 10 * 60 * 1000;
	l->hello_rate = 200;
	l->hello_rate_per_source = 5;
	l->hello_skew_ms = 5 * 60 * 1000;
	l->report_rate = 120;
	l->max_report_bytes = 256 * 1024;
	l->max_seq_ahead = 100000;
	l->nofile = 65536;
}

static int
fleetd_config_check_limits(struct fleetd_limits *l, char *err, size_t errlen)
{
	if (strcmp(l->agent_sources, "any") == 0)
		l->any_source = true;
	else if (strcmp(l->agent_sources, "relays") != 0) {
		snprintf(err, errlen,
		    "[fleetd]: agent_sources must be relays or any");
		return (-1);
	}
	if (l->max_per_source > l->max_connections) {
		snprintf(err, errlen,
		    "[fleetd]: max_per_source is above max_connections");
		return (-1);
	}
	return (0);
}

int
fleetd_config_load(
    struct fleetd_config *conf, const char *path, char *err, size_t errlen)
{
	struct config_ctx *ctx;
	char msg[CFG_ERR_MAX];
	int rv = -1;

	memset(conf, 0, sizeof(*conf));
	util_strlcpy(conf->agent_listen, "tcp://0.0.0.0:7420",
	    sizeof(conf->agent_listen));
	util_strlcpy(conf->control_listen, "tcp://127.0.0.1:7421",
	    sizeof(conf->control_listen));
	fleetd_limits_defaults(&conf->limits);
	policy_conf_defaults(&conf->policy);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->c = conf;
	if (cfg_parse(path, fleetd_config_cb, ctx, err, errlen) == -1)
		goto out;
	if (cfg_check_required(fleetd_fields, CONFIG_N(fleetd_fields),
	        conf->seen, "[fleetd]", msg, sizeof(msg)) == -1 ||
	    fleetd_config_check_limits(&conf->limits, msg, sizeof(msg)) == -1 ||
	    fleetd_config_check_relays(conf, msg, sizeof(msg)) == -1 ||
	    fleetd_config_check_ops(conf, msg, sizeof(msg)) == -1 ||
	    fleetd_config_check_lbs(conf, msg, sizeof(msg)) == -1 ||
	    fleetd_config_check_policy(ctx, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto out;
	}
	rv = 0;
out:
	free(ctx);
	return (rv);
}

void
fleetd_config_free(struct fleetd_config *conf)
{
	free(conf->relays);
	free(conf->ops);
	free(conf->lbs);
	conf->relays = NULL;
	conf->ops = NULL;
	conf->lbs = NULL;
	conf->nrelays = conf->nops = conf->nlbs = 0;
}
