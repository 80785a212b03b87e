/* SPDX-License-Identifier: ISC */
/*
 * The policy's configuration (built-in rules, defaults, cross-field
 * checks) and the names and formats its events use.  See policy.h.
 */
#include "policy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy_int.h"
#include "util.h"
#include "wire_check.h"

static const char *const policy_state_names[] = {
    [POLICY_ACTIVE] = "active",
    [POLICY_SUSPECT] = "suspect",
    [POLICY_DRAINED] = "drained",
    [POLICY_PROBATION] = "probation",
    [POLICY_CORDONED] = "cordoned",
    [POLICY_MAINTENANCE] = "maintenance",
};

const char *
policy_state_name(enum policy_state s)
{
	if ((unsigned)s > POLICY_STATE_LAST)
		return ("unknown");
	return (policy_state_names[s]);
}

const char *
policy_intent_name(enum policy_intent i)
{
	switch (i) {
	case POLICY_INTENT_READY:
		return ("ready");
	case POLICY_INTENT_DRAIN:
		return ("drain");
	case POLICY_INTENT_MAINT:
		return ("maint");
	}
	return ("unknown");
}

const char *
policy_event_kind_name(enum policy_event_kind k)
{
	switch (k) {
	case POLICY_EV_TRANSITION:
		return ("transition");
	case POLICY_EV_ALERT:
		return ("alert");
	case POLICY_EV_REFUSED:
		return ("refused");
	case POLICY_EV_OPERATOR:
		return ("operator");
	}
	return ("unknown");
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ACT_BLOCK:
		return ("block");
	case POLICY_ACT_DRAIN:
		return ("drain");
	case POLICY_ACT_SUSPECT:
		return ("suspect");
	}
	return ("unknown");
}

/* ---- formatting ---------------------------------------------------------- */

char *
policy_format_span(char buf[POLICY_SPAN_LEN], uint64_t s)
{
	if (s % 86400 == 0 && s != 0)
		snprintf(buf, POLICY_SPAN_LEN, "%" PRIu64 "d", s / 86400);
	else if (s % 3600 == 0 && s != 0)
		snprintf(buf, POLICY_SPAN_LEN, "%" PRIu64 "h", s / 3600);
	else if (s % 60 == 0 && s != 0)
		snprintf(buf, POLICY_SPAN_LEN, "%" PRIu64 "m", s / 60);
	else
		snprintf(buf, POLICY_SPAN_LEN, "%" PRIu64 "s", s);
	return (buf);
}

int
policy_refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

void
policy_set_reason(struct policy_relay *rs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(rs->reason, sizeof(rs->reason), fmt, ap);
	(void)wire_text_sanitize(
	    rs->reason, sizeof(rs->reason), rs->reason, strlen(rs->reason));
	va_end(ap);
}

void
policy_format_time(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%" PRIu64, t);
}

/* ---- configuration ------------------------------------------------------ */

static struct policy_rule *
policy_conf_add(struct policy_conf *pc, const char *name, uint32_t classes,
    enum policy_action action, uint64_t hold_s)
{
	struct policy_rule *r = &pc->rules[pc->nrules++];

	memset(r, 0, sizeof(*r));
	util_strlcpy(r->name, name, sizeof(r->name));
	r->classes = classes;
	r->action = action;
	r->hold_s = hold_s;
	r->count = 1;
	r->window_s = 600;
	return (r);
}

static void
policy_conf_check(struct policy_rule *r, const char *check)
{
	util_strlcpy(r->checks[r->nchecks++], check, sizeof(r->checks[0]));
}

void
policy_conf_defaults(struct policy_conf *pc)
{
	static const char *const drain[] = {
	    "outlook", "office365", "google", "yahoo", "apple"};
	static const uint32_t ramp[] = {10, 25, 50, 100};
	struct policy_rule *r;

	memset(pc, 0, sizeof(*pc));
	for (size_t i = 0; i < sizeof(drain) / sizeof(drain[0]); i++)
		util_strlcpy(pc->drain_providers[pc->ndrain++], drain[i],
		    sizeof(pc->drain_providers[0]));
	pc->min_active = 50;
	pc->min_active_pct = true;
	pc->max_maintenance = 6;
	pc->hold_max_s = 24 * 3600;
	for (size_t i = 0; i < sizeof(ramp) / sizeof(ramp[0]); i++)
		pc->ramp[pc->nramp++] = ramp[i];
	pc->ramp_step_s = 15 * 60;
	pc->agent_silent = 3;
	pc->report_interval_s = 10;
	pc->tick_ms = 1000;
	pc->notify_timeout_ms = 10000;
	pc->retention_s = 30 * 86400;

	r = policy_conf_add(pc, "ip-blocked", POLICY_CLASS(CLASS_IP_BLOCKED),
	    POLICY_ACT_BLOCK, 4 * 3600);
	r->drain_providers = true;
	policy_conf_add(pc, "ip-blocked-other", POLICY_CLASS(CLASS_IP_BLOCKED),
	    POLICY_ACT_SUSPECT, 3600);
	r = policy_conf_add(pc, "ip-throttled",
	    POLICY_CLASS(CLASS_IP_THROTTLED), POLICY_ACT_BLOCK, 3600);
	r->drain_providers = true;
	r->count = 3;
	r = policy_conf_add(
	    pc, "ptr", POLICY_CLASS(CLASS_PTR), POLICY_ACT_DRAIN, 3600);
	policy_conf_check(r, "ptr");
	policy_conf_check(r, "fcrdns");
	policy_conf_check(r, "helo");
	r = policy_conf_add(pc, "network", POLICY_CLASS(CLASS_NETWORK),
	    POLICY_ACT_DRAIN, 30 * 60);
	r->min_providers = 3;
	r->no_delivery = true;
	r = policy_conf_add(pc, "deferred-queue", 0, POLICY_ACT_SUSPECT, 3600);
	r->queue_deferred = true;
	r->count = 10;
	r = policy_conf_add(pc, "dnsbl", 0, POLICY_ACT_SUSPECT, 3600);
	policy_conf_check(r, "dnsbl");
}

struct policy_rule *
policy_conf_rule(struct policy_conf *pc, const char *name)
{
	for (size_t i = 0; i < pc->nrules; i++)
		if (strcmp(pc->rules[i].name, name) == 0)
			return (&pc->rules[i]);
	return (NULL);
}

static int
policy_conf_finish_rule(
    struct policy_conf *pc, struct policy_rule *r, const char **errstr)
{
	if (r->drain_providers) {
		r->nproviders = pc->ndrain;
		memcpy(r->providers, pc->drain_providers,
		    sizeof(r->providers[0]) * pc->ndrain);
	}
	if (r->classes & POLICY_CLASS(CLASS_DELIVERED) ||
	    r->classes >> (CLASS_LAST + 1))
		*errstr = "a rule's class cannot be delivered";
	else if (r->queue_deferred && (r->classes != 0 || r->nchecks != 0))
		*errstr = "queue_deferred must be a rule's only class";
	else if (!r->queue_deferred && r->classes == 0 && r->nchecks == 0)
		*errstr = "a rule needs a class";
	else if (r->count == 0)
		*errstr = "a rule's count must be at least 1";
	else if (r->window_s == 0 || r->window_s > HEALTH_SPAN_MAX)
		*errstr = "a rule's window must be 1s to 24h";
	else if (r->hold_s == 0 || r->hold_s > pc->hold_max_s)
		*errstr = "a rule's hold must be 1s to hold_max";
	else
		return (0);
	return (-1);
}

int
policy_conf_finish(struct policy_conf *pc, const char **errstr)
{
	if (pc->nramp == 0 || pc->ramp[pc->nramp - 1] != 100) {
		*errstr = "ramp must end at 100";
		return (-1);
	}
	for (size_t i = 1; i < pc->nramp; i++) {
		if (pc->ramp[i] <= pc->ramp[i - 1]) {
			*errstr = "ramp must increase";
			return (-1);
		}
	}
	if (pc->ramp[0] == 0) {
		*errstr = "ramp weights must be 1 to 100";
		return (-1);
	}
	if (pc->min_active_pct && pc->min_active > 100) {
		*errstr = "min_active share must be at most 100%";
		return (-1);
	}
	for (size_t i = 0, nqueue = 0; i < pc->nrules; i++) {
		if (policy_conf_finish_rule(pc, &pc->rules[i], errstr) == -1)
			return (-1);
		if (pc->rules[i].queue_deferred && ++nqueue > 1) {
			*errstr = "only one rule may watch queue_deferred";
			return (-1);
		}
	}
	return (0);
}
