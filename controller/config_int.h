/* SPDX-License-Identifier: ISC */
/*
 * What config.c and config_policy.c share; nothing else includes this.
 * config.c reads the file and hands the keys of [policy] and [rule NAME]
 * to config_policy.c and those of [lb NAME] to config_lb.c, which check
 * them again once the whole file is read.
 * One thread: the one that runs fleetd_config_load().
 */
#ifndef FLEET_CONTROLLER_CONFIG_INT_H
#define FLEET_CONTROLLER_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "config.h"
#include "policy.h"

#define CONFIG_N(a) (sizeof(a) / sizeof((a)[0]))

/* libinih cuts a section name to 49 bytes; one that long may have been */
#define CONFIG_SECTION_MAX 48

/* What fleetd_config_cb() keeps while the file is read. */
struct config_ctx {
	struct fleetd_config *c;
	char section[CFG_LINE_MAX + 1]; /* of the previous key */
	uint32_t policy_seen;
	struct policy_rule *rule; /* of the current [rule NAME] */
	bool rule_given[POLICY_RULES_MAX];
	uint32_t rule_seen[POLICY_RULES_MAX];
};

/*
 * One key of [policy] into ctx->c->policy.  Returns 0, or -1 with err set
 * to "key: message" (an unknown key, one given twice, a bad value).
 */
int config_policy_cb(struct config_ctx *ctx, const char *name,
    const char *value, char *err, size_t errlen);

/*
 * One key of [rule rname]; is_new says it is the first of its section,
 * which then replaces the built-in rule of that name or adds one.
 * Returns 0, or -1 with err set to "[rule rname]: message".
 */
int config_rule_cb(struct config_ctx *ctx, const char *rname, bool is_new,
    const char *name, const char *value, char *err, size_t errlen);

/*
 * After the whole file: each [rule NAME] has its required keys and fits
 * [policy], then policy_conf_finish().  Returns 0, or -1 with err set.
 */
int fleetd_config_check_policy(
    struct config_ctx *ctx, char *err, size_t errlen);

/*
 * One key of [lb lname] (config_lb.c); is_new says it is the first of its
 * section (a second [lb lname] is an error).  Returns 0, or -1 with err
 * set.
 */
int config_lb_cb(struct config_ctx *ctx, const char *lname, bool is_new,
    const char *name, const char *value, char *err, size_t errlen);

/*
 * After the whole file: each [lb NAME] has a driver and what it needs,
 * and every relay's lb_server is backend/server pairs.  Returns 0, or -1
 * with err set.
 */
int fleetd_config_check_lbs(struct fleetd_config *c, char *err, size_t errlen);

#endif /* FLEET_CONTROLLER_CONFIG_INT_H */
