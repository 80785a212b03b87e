/* SPDX-License-Identifier: ISC */
/*
 * A relay's policy state as JSON, for the store (see policy.h).  The text
 * is ours, but a file can be damaged or written by another version, so
 * reading checks every field and changes nothing unless all of it is
 * good.  Intent and weight are not trusted from the file: they follow
 * from the state (policy_weigh).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "policy_int.h"
#include "util.h"

#define JSON_U64_MAX 9007199254740992.0 /* 2^53: exact in a double */

static void
policy_json_u64(cJSON *o, const char *key, uint64_t v)
{
	cJSON_AddNumberToObject(o, key, (double)v);
}

static cJSON *
policy_json_mark(const struct policy_mark *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "provider", m->provider);
	cJSON_AddStringToObject(o, "rule", m->rule);
	cJSON_AddStringToObject(o, "action", policy_action_name(m->action));
	policy_json_u64(o, "since", m->since);
	policy_json_u64(o, "until", m->until);
	policy_json_u64(o, "hold", m->hold_s);
	return (o);
}

char *
policy_relay_to_json(const struct policy *p, size_t relay)
{
	const struct policy_relay *rs = &p->st[relay];
	cJSON *o = cJSON_CreateObject(), *marks = cJSON_CreateArray();
	char *text;

	cJSON_AddStringToObject(o, "state", policy_state_name(rs->state));
	policy_json_u64(o, "since", rs->since);
	policy_json_u64(o, "until", rs->until);
	cJSON_AddStringToObject(o, "rule", rs->rule);
	cJSON_AddStringToObject(o, "provider", rs->provider);
	cJSON_AddStringToObject(o, "reason", rs->reason);
	policy_json_u64(o, "ramp_idx", rs->ramp_idx);
	policy_json_u64(o, "step_at", rs->step_at);
	cJSON_AddBoolToObject(o, "floor_held", rs->floor_held);
	policy_json_u64(o, "last_report", rs->last_report);
	cJSON_AddBoolToObject(o, "silent_alerted", rs->silent_alerted);
	policy_json_u64(o, "deferred_since", rs->deferred_since);
	policy_json_u64(o, "deferred_now", rs->deferred_now);
	cJSON_AddBoolToObject(o, "deferred_fired", rs->deferred_fired);
	for (size_t i = 0; i < rs->nmarks; i++)
		cJSON_AddItemToArray(marks, policy_json_mark(&rs->marks[i]));
	cJSON_AddItemToObject(o, "marks", marks);
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("policy: out of memory");
	cJSON_Delete(o);
	return (text);
}

/* ---- reading ------------------------------------------------------------- */

struct policy_json_rd {
	const cJSON *o;
	const char *err; /* first problem */
};

static uint64_t
policy_json_get_u64(struct policy_json_rd *rd, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rd->o, key);
	double d;

	if (!cJSON_IsNumber(v)) {
		rd->err = rd->err != NULL ? rd->err : "a number is missing";
		return (0);
	}
	d = v->valuedouble;
	if (!(d >= 0 && d <= JSON_U64_MAX) || d != (double)(uint64_t)d) {
		rd->err =
		    rd->err != NULL ? rd->err : "a number is out of range";
		return (0);
	}
	return ((uint64_t)d);
}

static bool
policy_json_get_bool(struct policy_json_rd *rd, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rd->o, key);

	if (!cJSON_IsBool(v)) {
		rd->err = rd->err != NULL ? rd->err : "a flag is missing";
		return (false);
	}
	return (cJSON_IsTrue(v));
}

static void
policy_json_get_str(
    struct policy_json_rd *rd, const char *key, char *dst, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rd->o, key);

	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size ||
	    !wire_text_ok(v->valuestring, size - 1)) {
		rd->err =
		    rd->err != NULL ? rd->err : "a text is missing or bad";
		return;
	}
	util_strlcpy(dst, v->valuestring, size);
}

static int
policy_json_state(const char *name, enum policy_state *s)
{
	for (int i = 0; i <= POLICY_STATE_LAST; i++) {
		if (strcmp(name, policy_state_name((enum policy_state)i)) ==
		    0) {
			*s = (enum policy_state)i;
			return (0);
		}
	}
	return (-1);
}

static int
policy_json_action(const char *name, enum policy_action *a)
{
	static const enum policy_action all[] = {
	    POLICY_ACT_BLOCK, POLICY_ACT_DRAIN, POLICY_ACT_SUSPECT};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, policy_action_name(all[i])) == 0) {
			*a = all[i];
			return (0);
		}
	}
	return (-1);
}

static void
policy_json_read_mark(struct policy_json_rd *rd, struct policy_mark *m)
{
	char action[16] = "";

	policy_json_get_str(rd, "provider", m->provider, sizeof(m->provider));
	policy_json_get_str(rd, "rule", m->rule, sizeof(m->rule));
	policy_json_get_str(rd, "action", action, sizeof(action));
	m->since = policy_json_get_u64(rd, "since");
	m->until = policy_json_get_u64(rd, "until");
	m->hold_s = policy_json_get_u64(rd, "hold");
	if (rd->err == NULL && policy_json_action(action, &m->action) == -1)
		rd->err = "unknown mark action";
}

static void
policy_json_read_marks(struct policy_json_rd *rd, struct policy_relay *rs)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(rd->o, "marks"), *m;
	struct policy_json_rd sub;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > POLICY_MARKS_MAX) {
		rd->err = rd->err != NULL ? rd->err : "marks";
		return;
	}
	cJSON_ArrayForEach(m, a)
	{
		sub.o = m;
		sub.err = cJSON_IsObject(m) ? NULL : "a mark is not an object";
		if (sub.err == NULL)
			policy_json_read_mark(&sub, &rs->marks[rs->nmarks++]);
		if (sub.err != NULL) {
			rd->err = rd->err != NULL ? rd->err : sub.err;
			return;
		}
	}
}

static void
policy_json_read(struct policy_json_rd *rd, struct policy_relay *rs)
{
	char state[WIRE_STATE_MAX + 1] = "";

	policy_json_get_str(rd, "state", state, sizeof(state));
	if (rd->err == NULL && policy_json_state(state, &rs->state) == -1)
		rd->err = "unknown state";
	rs->since = policy_json_get_u64(rd, "since");
	rs->until = policy_json_get_u64(rd, "until");
	policy_json_get_str(rd, "rule", rs->rule, sizeof(rs->rule));
	policy_json_get_str(rd, "provider", rs->provider, sizeof(rs->provider));
	policy_json_get_str(rd, "reason", rs->reason, sizeof(rs->reason));
	rs->ramp_idx = (size_t)policy_json_get_u64(rd, "ramp_idx");
	rs->step_at = policy_json_get_u64(rd, "step_at");
	rs->floor_held = policy_json_get_bool(rd, "floor_held");
	rs->last_report = policy_json_get_u64(rd, "last_report");
	rs->silent_alerted = policy_json_get_bool(rd, "silent_alerted");
	rs->deferred_since = policy_json_get_u64(rd, "deferred_since");
	rs->deferred_now = (uint32_t)policy_json_get_u64(rd, "deferred_now");
	rs->deferred_fired = policy_json_get_bool(rd, "deferred_fired");
	policy_json_read_marks(rd, rs);
}

int
policy_relay_from_json(
    struct policy *p, size_t relay, const char *json, const char **errstr)
{
	struct policy_relay rs;
	struct policy_json_rd rd = {.o = NULL, .err = NULL};
	cJSON *o = cJSON_Parse(json);

	memset(&rs, 0, sizeof(rs));
	if (o == NULL || !cJSON_IsObject(o)) {
		*errstr = "not a JSON object";
		cJSON_Delete(o);
		return (-1);
	}
	rd.o = o;
	policy_json_read(&rd, &rs);
	cJSON_Delete(o);
	if (rs.ramp_idx >= p->pc->nramp) /* the ramp was shortened */
		rs.ramp_idx = p->pc->nramp - 1;
	if (rd.err != NULL) {
		*errstr = rd.err;
		return (-1);
	}
	policy_weigh(p, &rs);
	p->st[relay] = rs;
	p->dirty[relay] = false;
	return (0);
}
