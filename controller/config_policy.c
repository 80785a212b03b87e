/* SPDX-License-Identifier: ISC */
/*
 * The [policy] and [rule NAME] sections of fleetd.conf (docs/config.md):
 * their key tables, the parsers of their values, and the checks that
 * span keys and sections, run once the whole file is read.
 *
 * [policy] starts from policy_conf_defaults() and its built-in rules.  A
 * [rule NAME] of a built-in name replaces that rule in its place; any
 * other name is appended, so rules are evaluated in the order of the
 * built-ins, then of the file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"
#include "wire.h"

#define CONFIG_RULE_NAME_MAX (CONFIG_SECTION_MAX - 5) /* "rule " */
#define CONFIG_MSG_MAX       256
#define CONFIG_WORDS_MAX     (CFG_LINE_MAX / 2 + 1) /* words in one value */
#define CONFIG_RULE_WINDOW   600                    /* s, [rule] defaults */
#define CONFIG_RULE_HOLD     3600
#define CONFIG_RULE_CHARS    "abcdefghijklmnopqrstuvwxyz0123456789-"
#define CONFIG_CHECK_CHARS   "abcdefghijklmnopqrstuvwxyz0123456789_.:-"
#define CONFIG_SEC           1000ull /* ms */
#define CONFIG_DAY           (86400 * CONFIG_SEC)
#define CONFIG_COUNT_MAX     1000000
#define CONFIG_PROVIDER_FMT  "'%s' is not a provider name (1-32 of [a-z0-9_.-])"

/*
 * The keys of [policy] and [rule NAME].  cfg_set() keeps milliseconds in
 * uint64_t; struct policy_conf keeps seconds and uint32_t, and has lists,
 * so these sections get a table of their own: set() writes a message
 * without the key's name into msg.  min and max are ms for durations.
 */
struct config_key {
	const char *name;
	int (*set)(void *obj, const struct config_key *k, const char *value,
	    char *msg, size_t msglen);
	size_t off;
	uint64_t min, max;
	bool required;
};

static void *
config_at(void *obj, const struct config_key *k)
{
	return ((char *)obj + k->off);
}

/* Splits value at blanks into w[] (pointing into buf); sets *n. */
static int
config_words(const char *value, char *buf, size_t buflen, char **w, size_t *n,
    char *msg, size_t msglen)
{
	char *p, *save = NULL;

	if (util_strlcpy(buf, value, buflen) >= buflen) {
		snprintf(msg, msglen, "too long");
		return (-1);
	}
	*n = 0;
	for (p = strtok_r(buf, " \t", &save); p != NULL;
	     p = strtok_r(NULL, " \t", &save)) {
		if (*n == CONFIG_WORDS_MAX) {
			snprintf(msg, msglen, "too many words");
			return (-1);
		}
		w[(*n)++] = p;
	}
	return (0);
}

/* True if w[i] equals one of w[0..i-1]; says so in msg. */
static bool
config_twice(char **w, size_t i, char *msg, size_t msglen)
{
	for (size_t j = 0; j < i; j++) {
		if (strcmp(w[i], w[j]) == 0) {
			snprintf(msg, msglen, "'%s' listed twice", w[i]);
			return (true);
		}
	}
	return (false);
}

/* A duration kept in units of unit ms: a whole number of them. */
static int
config_set_duration(void *obj, const struct config_key *k, const char *value,
    uint64_t unit, char *msg, size_t msglen)
{
	const char *errstr;
	uint64_t ms;

	if (util_parse_duration(value, k->min, k->max, &ms, &errstr) == -1)
		snprintf(msg, msglen, "%s", errstr);
	else if (ms % unit != 0)
		snprintf(msg, msglen, "not a whole number of seconds");
	else {
		*(uint64_t *)config_at(obj, k) = ms / unit;
		return (0);
	}
	return (-1);
}

static int
config_set_s(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	return (config_set_duration(obj, k, value, CONFIG_SEC, msg, msglen));
}

static int
config_set_ms(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	return (config_set_duration(obj, k, value, 1, msg, msglen));
}

static int
config_set_u32(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	const char *errstr;
	uint64_t v;

	if (util_parse_uint(value, k->min, k->max, &v, &errstr) == -1) {
		snprintf(msg, msglen, "%s (%llu..%llu)", errstr,
		    (unsigned long long)k->min, (unsigned long long)k->max);
		return (-1);
	}
	*(uint32_t *)config_at(obj, k) = (uint32_t)v;
	return (0);
}

/* Provider names into dst[]; "" gives none. */
static int
config_set_providers(char (*dst)[WIRE_PROVIDER_MAX + 1], size_t *ndst,
    const char *value, char *msg, size_t msglen)
{
	char buf[CFG_LINE_MAX + 1], *w[CONFIG_WORDS_MAX];
	size_t n;

	if (config_words(value, buf, sizeof(buf), w, &n, msg, msglen) == -1)
		return (-1);
	if (n > POLICY_PROVIDERS_MAX) {
		snprintf(msg, msglen, "more than %d providers",
		    POLICY_PROVIDERS_MAX);
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (!wire_provider_ok(w[i])) {
			snprintf(msg, msglen, CONFIG_PROVIDER_FMT, w[i]);
			return (-1);
		}
		if (config_twice(w, i, msg, msglen))
			return (-1);
	}
	for (size_t i = 0; i < n; i++)
		util_strlcpy(dst[i], w[i], sizeof(dst[i]));
	*ndst = n;
	return (0);
}

static int
config_set_drain(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_conf *pc = obj;

	(void)k;
	return (config_set_providers(
	    pc->drain_providers, &pc->ndrain, value, msg, msglen));
}

/* A count ("7") or a share of the relays ("50%"). */
static int
config_set_min_active(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_conf *pc = obj;
	char num[32];
	size_t n = strlen(value);
	bool pct = n > 0 && value[n - 1] == '%';
	const char *errstr;
	uint64_t v;

	(void)k;
	if (pct)
		n--;
	if (n >= sizeof(num)) {
		snprintf(msg, msglen, "invalid");
		return (-1);
	}
	memcpy(num, value, n);
	num[n] = '\0';
	if (util_parse_uint(num, 0, pct ? 100 : WIRE_RELAYS_MAX, &v, &errstr) ==
	    -1) {
		snprintf(msg, msglen, "%s (a count 0..%d or a share 0..100%%)",
		    errstr, WIRE_RELAYS_MAX);
		return (-1);
	}
	pc->min_active = (uint32_t)v;
	pc->min_active_pct = pct;
	return (0);
}

/* Percentages, strictly increasing, ending at 100. */
static int
config_set_ramp(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_conf *pc = obj;
	char buf[CFG_LINE_MAX + 1], *w[CONFIG_WORDS_MAX];
	uint32_t ramp[POLICY_RAMP_MAX];
	const char *errstr;
	uint64_t v;
	size_t n;

	(void)k;
	if (config_words(value, buf, sizeof(buf), w, &n, msg, msglen) == -1)
		return (-1);
	if (n == 0 || n > POLICY_RAMP_MAX) {
		snprintf(msg, msglen, "1 to %d steps", POLICY_RAMP_MAX);
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (util_parse_uint(w[i], 1, 100, &v, &errstr) == -1) {
			snprintf(
			    msg, msglen, "'%s': %s (1..100)", w[i], errstr);
			return (-1);
		}
		if (i > 0 && v <= ramp[i - 1]) {
			snprintf(msg, msglen, "steps must increase");
			return (-1);
		}
		ramp[i] = (uint32_t)v;
	}
	if (ramp[n - 1] != 100) {
		snprintf(msg, msglen, "the last step must be 100");
		return (-1);
	}
	memcpy(pc->ramp, ramp, n * sizeof(ramp[0]));
	pc->nramp = n;
	return (0);
}

/* "" for none; else an executable file, checked now so -n catches it. */
static int
config_set_notify(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_conf *pc = obj;
	struct stat st;

	(void)k;
	if (value[0] != '\0' && value[0] != '/')
		snprintf(msg, msglen, "not an absolute path");
	else if (strlen(value) >= sizeof(pc->notify_command))
		snprintf(msg, msglen, "too long");
	else if (!wire_text_ok(value, sizeof(pc->notify_command)))
		snprintf(msg, msglen, "not printable");
	else if (value[0] != '\0' && stat(value, &st) == -1)
		snprintf(msg, msglen, "%s: %s", value, strerror(errno));
	else if (value[0] != '\0' &&
	         (!S_ISREG(st.st_mode) || access(value, X_OK) == -1))
		snprintf(msg, msglen, "%s: not an executable file", value);
	else {
		util_strlcpy(
		    pc->notify_command, value, sizeof(pc->notify_command));
		return (0);
	}
	return (-1);
}

static const struct config_key policy_keys[] = {
    {"drain_providers", config_set_drain, 0, 0, 0, false},
    {"min_active", config_set_min_active, 0, 0, 0, false},
    {"max_maintenance", config_set_u32,
        offsetof(struct policy_conf, max_maintenance), 0, WIRE_RELAYS_MAX,
        false},
    {"hold_max", config_set_s, offsetof(struct policy_conf, hold_max_s),
        CONFIG_SEC, 365 * CONFIG_DAY, false},
    {"ramp", config_set_ramp, 0, 0, 0, false},
    {"ramp_step", config_set_s, offsetof(struct policy_conf, ramp_step_s),
        CONFIG_SEC, CONFIG_DAY, false},
    {"agent_silent", config_set_u32, offsetof(struct policy_conf, agent_silent),
        0, 1000, false},
    {"report_interval", config_set_s,
        offsetof(struct policy_conf, report_interval_s), CONFIG_SEC,
        3600 * CONFIG_SEC, false},
    {"tick", config_set_ms, offsetof(struct policy_conf, tick_ms), 100,
        CONFIG_SEC, false},
    {"notify_command", config_set_notify, 0, 0, 0, false},
    {"notify_timeout", config_set_ms,
        offsetof(struct policy_conf, notify_timeout_ms), 100, 3600 * CONFIG_SEC,
        false},
    {"retention", config_set_s, offsetof(struct policy_conf, retention_s),
        CONFIG_DAY, 3650 * CONFIG_DAY, false},
};

/* A check name after "check:": ptr, fcrdns, helo, master, dnsbl[:ZONE]. */
static int
config_rule_check(
    struct policy_rule *r, const char *name, char *msg, size_t msglen)
{
	size_t n = strlen(name);

	if (n == 0 || n > POLICY_NAME_MAX ||
	    strspn(name, CONFIG_CHECK_CHARS) != n) {
		snprintf(msg, msglen,
		    "'check:%s': a check name is 1-%d characters of "
		    "[a-z0-9_.:-]",
		    name, POLICY_NAME_MAX);
		return (-1);
	}
	if (r->nchecks == POLICY_CHECKS_MAX) {
		snprintf(msg, msglen, "more than %d checks", POLICY_CHECKS_MAX);
		return (-1);
	}
	util_strlcpy(r->checks[r->nchecks++], name, sizeof(r->checks[0]));
	return (0);
}

/* One word of class: a reason class, check:NAME or queue_deferred. */
static int
config_rule_class_word(struct policy_rule *r, const char *w, size_t nwords,
    char *msg, size_t msglen)
{
	enum reason_class cls;

	if (strcmp(w, "queue_deferred") == 0) {
		if (nwords != 1) {
			snprintf(msg, msglen, "queue_deferred must be alone");
			return (-1);
		}
		r->queue_deferred = true;
		return (0);
	}
	if (strncmp(w, "check:", 6) == 0)
		return (config_rule_check(r, w + 6, msg, msglen));
	if (!reason_class_parse(w, &cls)) {
		snprintf(msg, msglen,
		    "'%s' is not a reason class, check:NAME or queue_deferred",
		    w);
		return (-1);
	}
	if (cls == CLASS_DELIVERED) {
		snprintf(msg, msglen, "'delivered' cannot fire a rule");
		return (-1);
	}
	r->classes |= UINT32_C(1) << cls;
	return (0);
}

static int
config_rule_class(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_rule *r = obj;
	char buf[CFG_LINE_MAX + 1], *w[CONFIG_WORDS_MAX];
	size_t n;

	(void)k;
	if (config_words(value, buf, sizeof(buf), w, &n, msg, msglen) == -1)
		return (-1);
	if (n == 0) {
		snprintf(msg, msglen, "empty");
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (config_twice(w, i, msg, msglen) ||
		    config_rule_class_word(r, w[i], n, msg, msglen) == -1)
			return (-1);
	}
	return (0);
}

static int
config_rule_providers(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	struct policy_rule *r = obj;
	char buf[CFG_LINE_MAX + 1], *w[CONFIG_WORDS_MAX];
	size_t n;

	(void)k;
	if (config_words(value, buf, sizeof(buf), w, &n, msg, msglen) == -1)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(w[i], "drain_providers") != 0)
			continue;
		if (n != 1) {
			snprintf(msg, msglen, "drain_providers must be alone");
			return (-1);
		}
		r->drain_providers = true;
		return (0);
	}
	return (config_set_providers(
	    r->providers, &r->nproviders, value, msg, msglen));
}

static int
config_rule_no_delivery(void *obj, const struct config_key *k,
    const char *value, char *msg, size_t msglen)
{
	struct policy_rule *r = obj;

	(void)k;
	if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
		snprintf(msg, msglen, "yes or no");
		return (-1);
	}
	r->no_delivery = strcmp(value, "yes") == 0;
	return (0);
}

static int
config_rule_action(void *obj, const struct config_key *k, const char *value,
    char *msg, size_t msglen)
{
	static const enum policy_action actions[] = {
	    POLICY_ACT_BLOCK, POLICY_ACT_DRAIN, POLICY_ACT_SUSPECT};
	struct policy_rule *r = obj;

	(void)k;
	for (size_t i = 0; i < CONFIG_N(actions); i++) {
		if (strcmp(value, policy_action_name(actions[i])) == 0) {
			r->action = actions[i];
			return (0);
		}
	}
	snprintf(msg, msglen, "block, drain or suspect");
	return (-1);
}

static const struct config_key rule_keys[] = {
    {"class", config_rule_class, 0, 0, 0, true},
    {"providers", config_rule_providers, 0, 0, 0, false},
    {"count", config_set_u32, offsetof(struct policy_rule, count), 1,
        CONFIG_COUNT_MAX, false},
    {"window", config_set_s, offsetof(struct policy_rule, window_s), CONFIG_SEC,
        HEALTH_SPAN_MAX *CONFIG_SEC, false},
    {"min_providers", config_set_u32,
        offsetof(struct policy_rule, min_providers), 0, 1000, false},
    {"no_delivery", config_rule_no_delivery, 0, 0, 0, false},
    {"action", config_rule_action, 0, 0, 0, true},
    {"hold", config_set_s, offsetof(struct policy_rule, hold_s), CONFIG_SEC,
        365 * CONFIG_DAY, false},
};

/* cfg_set() for a config_key table. */
static int
config_key_set(const struct config_key *keys, size_t n, void *obj,
    uint32_t *seen, const char *name, const char *value, char *err,
    size_t errlen)
{
	char msg[CONFIG_MSG_MAX];

	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (*seen & (UINT32_C(1) << i)) {
			snprintf(err, errlen, "%s: given twice", name);
			return (-1);
		}
		if (keys[i].set(obj, &keys[i], value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: %s", name, msg);
			return (-1);
		}
		*seen |= UINT32_C(1) << i;
		return (0);
	}
	snprintf(err, errlen, "unknown key '%s'", name);
	return (-1);
}

/* The defaults of a [rule NAME] section (docs/config.md). */
static void
config_rule_init(struct policy_rule *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	util_strlcpy(r->name, name, sizeof(r->name));
	r->count = 1;
	r->window_s = CONFIG_RULE_WINDOW;
	r->hold_s = CONFIG_RULE_HOLD;
	r->action = POLICY_ACT_SUSPECT; /* required: always set by the file */
}

/* The first key of a [rule NAME] section: replace or append the rule. */
static int
config_rule_begin(
    struct config_ctx *ctx, const char *name, char *err, size_t errlen)
{
	struct policy_conf *pc = &ctx->c->policy;
	struct policy_rule *r;
	size_t n = strlen(name), i;

	if (n == 0 || n > CONFIG_RULE_NAME_MAX ||
	    strspn(name, CONFIG_RULE_CHARS) != n) {
		snprintf(err, errlen,
		    "[rule %s]: name must be 1-%d characters of [a-z0-9-]",
		    name, CONFIG_RULE_NAME_MAX);
		return (-1);
	}
	if ((r = policy_conf_rule(pc, name)) == NULL) {
		if (pc->nrules == POLICY_RULES_MAX) {
			snprintf(err, errlen, "[rule %s]: more than %d rules",
			    name, POLICY_RULES_MAX);
			return (-1);
		}
		r = &pc->rules[pc->nrules++];
	}
	i = (size_t)(r - pc->rules);
	if (ctx->rule_given[i]) {
		snprintf(err, errlen, "[rule %s]: section given twice", name);
		return (-1);
	}
	config_rule_init(r, name);
	ctx->rule_given[i] = true;
	ctx->rule_seen[i] = 0;
	ctx->rule = r;
	return (0);
}

int
config_rule_cb(struct config_ctx *ctx, const char *rname, bool is_new,
    const char *name, const char *value, char *err, size_t errlen)
{
	char msg[CFG_ERR_MAX - CFG_NAME_MAX - 16];
	size_t i;

	if (is_new && config_rule_begin(ctx, rname, err, errlen) == -1)
		return (-1);
	i = (size_t)(ctx->rule - ctx->c->policy.rules);
	if (config_key_set(rule_keys, CONFIG_N(rule_keys), ctx->rule,
	        &ctx->rule_seen[i], name, value, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "[rule %s]: %s", rname, msg);
		return (-1);
	}
	return (0);
}

int
config_policy_cb(struct config_ctx *ctx, const char *name, const char *value,
    char *err, size_t errlen)
{
	return (config_key_set(policy_keys, CONFIG_N(policy_keys),
	    &ctx->c->policy, &ctx->policy_seen, name, value, err, errlen));
}

/* One rule against the limits that span keys and sections. */
static int
fleetd_config_check_rule(
    const struct config_ctx *ctx, size_t i, char *err, size_t errlen)
{
	const struct policy_conf *pc = &ctx->c->policy;
	const struct policy_rule *r = &pc->rules[i];
	char what[POLICY_NAME_MAX + 16];

	snprintf(what, sizeof(what), "[rule %s]", r->name);
	if (ctx->rule_given[i]) {
		for (size_t k = 0; k < CONFIG_N(rule_keys); k++) {
			if (rule_keys[k].required &&
			    !(ctx->rule_seen[i] & (UINT32_C(1) << k))) {
				snprintf(err, errlen, "%s: %s missing", what,
				    rule_keys[k].name);
				return (-1);
			}
		}
	}
	if (r->hold_s > pc->hold_max_s)
		snprintf(err, errlen,
		    "%s: hold (%llu s) is longer than [policy] hold_max "
		    "(%llu s)",
		    what, (unsigned long long)r->hold_s,
		    (unsigned long long)pc->hold_max_s);
	else if (r->drain_providers && pc->ndrain == 0)
		snprintf(err, errlen,
		    "%s: providers = drain_providers, but [policy] "
		    "drain_providers is empty",
		    what);
	else if (r->queue_deferred &&
	         (r->nproviders > 0 || r->drain_providers ||
	             r->min_providers > 0 || r->no_delivery))
		snprintf(err, errlen,
		    "%s: queue_deferred takes no providers, min_providers "
		    "or no_delivery",
		    what);
	else
		return (0);
	return (-1);
}

int
fleetd_config_check_policy(struct config_ctx *ctx, char *err, size_t errlen)
{
	const char *errstr;

	for (size_t i = 0; i < ctx->c->policy.nrules; i++)
		if (fleetd_config_check_rule(ctx, i, err, errlen) == -1)
			return (-1);
	if (policy_conf_finish(&ctx->c->policy, &errstr) == -1) {
		snprintf(err, errlen, "%s", errstr);
		return (-1);
	}
	return (0);
}
