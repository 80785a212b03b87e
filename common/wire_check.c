/* SPDX-License-Identifier: ISC */
/*
 * Field rules of the wire structs (see wire_check.h).  No state.
 *
 * Control messages add these classes (checked with wire_check_set()):
 * names of relays, windows, hosting providers and operators are
 * [A-Za-z0-9_.-] as in the config (cfg_name_ok); rules are the same plus
 * ':' ("ip-blocked", "operator:alice", "window:db-move"); states, intents
 * and event kinds are [a-z_]; agent keys are base64.  A text that breaks
 * wire_text_scan() is refused as "<field> utf-8" (not well-formed) or
 * "<field> charset" (a hidden code point, as for the other classes).
 */
#include "wire_check.h"

#include <assert.h>
#include <string.h>

#define WIRE_NAME_CHARS                                                        \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
#define WIRE_RULE_CHARS  WIRE_NAME_CHARS ":"
#define WIRE_STATE_CHARS "abcdefghijklmnopqrstuvwxyz_"
#define WIRE_B64_CHARS                                                         \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

/* ---- text ---------------------------------------------------------------- */

size_t
wire_utf8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c, min;
	size_t len;

	if (n == 0)
		return (0);
	c = u[0];
	if (c < 0x80) {
		*cp = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf) { /* 0xc0, 0xc1: overlong forms only */
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return (0);
	if (len > n)
		return (0);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

bool
wire_cp_hidden(uint32_t cp)
{
	static const uint32_t hidden[][2] = {
	    {0x0000, 0x001f},   /* C0 */
	    {0x007f, 0x009f},   /* DEL, C1 (0x9b is CSI) */
	    {0x061c, 0x061c},   /* arabic letter mark */
	    {0x200b, 0x200b},   /* zero width space */
	    {0x200e, 0x200f},   /* LRM, RLM */
	    {0x2028, 0x202e},   /* LS, PS, embeddings, PDF, overrides */
	    {0x2060, 0x206f},   /* WJ, invisible operators, isolates */
	    {0xfeff, 0xfeff},   /* BOM, zero width no-break space */
	    {0xfff9, 0xfffb},   /* interlinear annotation */
	    {0xe0000, 0xe007f}, /* tags: invisible ASCII */
	};

	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		if (cp >= hidden[i][0] && cp <= hidden[i][1])
			return (true);
	}
	return (false);
}

enum wire_text_fault
wire_text_scan(const char *s, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = wire_utf8_next(s + i, n - i, &cp)) == 0)
			return (WIRE_TEXT_UTF8);
		if (wire_cp_hidden(cp))
			return (WIRE_TEXT_CONTROL);
		i += len;
	}
	return (WIRE_TEXT_OK);
}

size_t
wire_text_sanitize(char *dst, size_t size, const char *src, size_t n)
{
	size_t i = 0, o = 0, len;
	uint32_t cp;

	assert(size >= 1);
	while (i < n) {
		len = wire_utf8_next(src + i, n - i, &cp);
		if (len == 0 || wire_cp_hidden(cp)) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			i += len == 0 ? 1 : len;
			continue;
		}
		if (o + len >= size)
			break;
		memmove(dst + o, src + i, len); /* o <= i: dst may be src */
		o += len;
		i += len;
	}
	dst[o] = '\0';
	return (o);
}

/*
 * wire_check_str() for a text, with a message for each fault:
 * WIRE_TEXT_E("sample.text") gives "sample.text length", "sample.text
 * utf-8" and "sample.text charset" as the three arguments.
 */
#define WIRE_TEXT_E(f) f " length", f " utf-8", f " charset"

static int
wire_check_text(const char *s, size_t max, const char *elen, const char *eutf8,
    const char *ecs, const char **errstr)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		*errstr = elen;
		return (-1);
	}
	switch (wire_text_scan(s, n)) {
	case WIRE_TEXT_OK:
		return (0);
	case WIRE_TEXT_UTF8:
		*errstr = eutf8;
		break;
	case WIRE_TEXT_CONTROL:
		*errstr = ecs;
		break;
	}
	return (-1);
}

/* ---- character classes and string checks ---------------------------- */

static bool
wire_span_word(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return (false);
	}
	return (true);
}

bool
wire_provider_ok(const char *s)
{
	size_t n = strnlen(s, WIRE_PROVIDER_MAX + 1);

	return (n > 0 && n <= WIRE_PROVIDER_MAX &&
	        strspn(s, WIRE_PROVIDER_CHARS) == n);
}

bool
wire_dsn_ok(const char *s)
{
	size_t n = strnlen(s, WIRE_DSN_MAX + 1);

	return (n <= WIRE_DSN_MAX && strspn(s, WIRE_DSN_CHARS) == n);
}

bool
wire_word_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	return (n <= max && wire_span_word(s, n));
}

bool
wire_text_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	return (n <= max && wire_text_scan(s, n) == WIRE_TEXT_OK);
}

/*
 * Checks that s holds at most max bytes before its NUL (s may be a fixed
 * array of max + 1 bytes that a caller forgot to terminate) and that they
 * belong to cs.  Sets *errstr to elen or ecs.
 */
int
wire_check_str(const char *s, size_t max, enum wire_charset cs,
    const char *elen, const char *ecs, const char **errstr)
{
	size_t n = strnlen(s, max + 1);
	bool is_ok = false;

	if (n > max ||
	    (n == 0 && (cs == WIRE_CS_PROVIDER || cs == WIRE_CS_NAME))) {
		*errstr = elen;
		return (-1);
	}
	switch (cs) {
	case WIRE_CS_PROVIDER:
		is_ok = strspn(s, WIRE_PROVIDER_CHARS) == n;
		break;
	case WIRE_CS_DSN:
		is_ok = strspn(s, WIRE_DSN_CHARS) == n;
		break;
	case WIRE_CS_NAME:
	case WIRE_CS_WORD:
		is_ok = wire_span_word(s, n);
		break;
	case WIRE_CS_TEXT:
		is_ok = wire_text_scan(s, n) == WIRE_TEXT_OK;
		break;
	}
	if (!is_ok) {
		*errstr = ecs;
		return (-1);
	}
	return (0);
}

/*
 * Like wire_check_str() for the bytes of set: at most max of them, and at
 * least one unless is_optional.
 */
static int
wire_check_set(const char *s, size_t max, const char *set, bool is_optional,
    const char *elen, const char *ecs, const char **errstr)
{
	size_t n = strnlen(s, max + 1);

	if (n > max || (n == 0 && !is_optional)) {
		*errstr = elen;
		return (-1);
	}
	if (strspn(s, set) != n) {
		*errstr = ecs;
		return (-1);
	}
	return (0);
}

/* Our enums need a real value: 1..last.  v comes from a peer or a caller. */
bool
wire_enum_ok(int v, int last)
{
	return (v >= 1 && v <= last);
}

/* ---- validators shared by encoders and decoders ---------------------- */

static int
wire_validate_queue_count(const struct wire_queue_count *c, const char **errstr)
{
	if (wire_check_str(c->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "queue_count.provider length", "queue_count.provider charset",
	        errstr) == -1)
		return (-1);
	if (!wire_enum_ok((int)c->cls, CLASS_LAST)) {
		*errstr = "queue_count.class";
		return (-1);
	}
	return (0);
}

static int
wire_validate_queue(const struct wire_queue *q, const char **errstr)
{
	if (q->n_by > WIRE_QUEUE_BY_MAX || (q->n_by > 0 && q->by == NULL)) {
		*errstr = "queue.deferred_by count";
		return (-1);
	}
	for (size_t i = 0; i < q->n_by; i++) {
		if (wire_validate_queue_count(&q->by[i], errstr) == -1)
			return (-1);
	}
	return (wire_check_text(
	    q->error, WIRE_DETAIL_MAX, WIRE_TEXT_E("queue.error"), errstr));
}

static int
wire_validate_counter(const struct wire_counter *c, const char **errstr)
{
	if (wire_check_str(c->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "counter.provider length", "counter.provider charset",
	        errstr) == -1)
		return (-1);
	if (!wire_enum_ok((int)c->cls, CLASS_LAST)) {
		*errstr = "counter.class";
		return (-1);
	}
	if (!wire_enum_ok((int)c->status, STATUS_LAST)) {
		*errstr = "counter.status";
		return (-1);
	}
	return (wire_check_str(c->dsn, WIRE_DSN_MAX, WIRE_CS_DSN,
	    "counter.dsn length", "counter.dsn charset", errstr));
}

static int
wire_validate_sample(const struct wire_sample *s, const char **errstr)
{
	if (wire_check_str(s->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "sample.provider length", "sample.provider charset",
	        errstr) == -1)
		return (-1);
	if (!wire_enum_ok((int)s->cls, CLASS_LAST)) {
		*errstr = "sample.class";
		return (-1);
	}
	if (!wire_enum_ok((int)s->status, STATUS_LAST)) {
		*errstr = "sample.status";
		return (-1);
	}
	if (wire_check_str(s->dsn, WIRE_DSN_MAX, WIRE_CS_DSN,
	        "sample.dsn length", "sample.dsn charset", errstr) == -1)
		return (-1);
	if (wire_check_text(s->text != NULL ? s->text : "", WIRE_TEXT_MAX,
	        WIRE_TEXT_E("sample.text"), errstr) == -1)
		return (-1);
	return (wire_check_str(s->mx_host, WIRE_HOST_MAX, WIRE_CS_WORD,
	    "sample.mx_host length", "sample.mx_host charset", errstr));
}

static int
wire_validate_check(const struct wire_check *c, const char **errstr)
{
	if (wire_check_str(c->name, WIRE_NAME_MAX, WIRE_CS_NAME,
	        "check.name length", "check.name charset", errstr) == -1)
		return (-1);
	if (!wire_enum_ok((int)c->state, CHECK_LAST)) {
		*errstr = "check.state";
		return (-1);
	}
	return (wire_check_text(
	    c->detail, WIRE_DETAIL_MAX, WIRE_TEXT_E("check.detail"), errstr));
}

static int
wire_validate_report_items(const struct wire_report *r, const char **errstr)
{
	if (r->n_counters > WIRE_COUNTERS_MAX ||
	    (r->n_counters > 0 && r->counters == NULL)) {
		*errstr = "report.counters count";
		return (-1);
	}
	if (r->n_samples > WIRE_SAMPLES_MAX ||
	    (r->n_samples > 0 && r->samples == NULL)) {
		*errstr = "report.samples count";
		return (-1);
	}
	if (r->n_checks > WIRE_CHECKS_MAX ||
	    (r->n_checks > 0 && r->checks == NULL)) {
		*errstr = "report.checks count";
		return (-1);
	}
	for (size_t i = 0; i < r->n_counters; i++) {
		if (wire_validate_counter(&r->counters[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < r->n_samples; i++) {
		if (wire_validate_sample(&r->samples[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < r->n_checks; i++) {
		if (wire_validate_check(&r->checks[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

int
wire_validate_report(const struct wire_report *r, const char **errstr)
{
	if (r->epoch == 0) {
		*errstr = "report.epoch";
		return (-1);
	}
	if (r->seq == 0) {
		*errstr = "report.seq";
		return (-1);
	}
	if (r->interval_start > r->interval_end) {
		*errstr = "report.interval";
		return (-1);
	}
	if (r->has_queue && wire_validate_queue(&r->queue, errstr) == -1)
		return (-1);
	if (wire_validate_report_items(r, errstr) == -1)
		return (-1);
	if (wire_check_str(r->agent_version, WIRE_VERSION_MAX, WIRE_CS_WORD,
	        "report.agent_version length", "report.agent_version charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_str(r->hostname, WIRE_HOST_MAX, WIRE_CS_WORD,
	    "report.hostname length", "report.hostname charset", errstr));
}

int
wire_validate_agent_reply(const struct wire_agent_reply *a, const char **errstr)
{
	if (a->n_commands > WIRE_COMMANDS_MAX) {
		*errstr = "agent_reply.commands count";
		return (-1);
	}
	for (size_t i = 0; i < a->n_commands; i++) {
		if (!wire_enum_ok(
		        (int)a->commands[i].type, WIRE_CMD_RUN_CHECKS)) {
			*errstr = "command.type";
			return (-1);
		}
	}
	if (a->is_refused && a->error[0] == '\0') {
		*errstr = "agent_reply.refused without error";
		return (-1);
	}
	return (wire_check_text(a->error, WIRE_DETAIL_MAX,
	    WIRE_TEXT_E("agent_reply.error"), errstr));
}

/* ---- control messages ---------------------------------------------- */

/* n non-empty relay names; relays may be NULL only for n == 0. */
static int
wire_validate_names(char (*relays)[WIRE_NAME_MAX + 1], size_t n,
    const char *ecount, const char *elen, const char *ecs, const char **errstr)
{
	if (n > WIRE_RELAYS_MAX || (n > 0 && relays == NULL)) {
		*errstr = ecount;
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (wire_check_set(relays[i], WIRE_NAME_MAX, WIRE_NAME_CHARS,
		        false, elen, ecs, errstr) == -1)
			return (-1);
	}
	return (0);
}

int
wire_validate_ctl_request(const struct wire_ctl_request *q, const char **errstr)
{
	if (!wire_enum_ok((int)q->op, WIRE_CTL_LAST)) {
		*errstr = "ctl_request.op";
		return (-1);
	}
	if (wire_check_set(q->relay, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	        "ctl_request.relay length", "ctl_request.relay charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_text(q->reason, WIRE_REASON_MAX,
	        WIRE_TEXT_E("ctl_request.reason"), errstr) == -1)
		return (-1);
	if (wire_check_set(q->name, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	        "ctl_request.name length", "ctl_request.name charset",
	        errstr) == -1)
		return (-1);
	if (wire_validate_names(q->relays, q->n_relays,
	        "ctl_request.relays count", "ctl_request.relays length",
	        "ctl_request.relays charset", errstr) == -1)
		return (-1);
	return (wire_check_set(q->hosting, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	    "ctl_request.hosting length", "ctl_request.hosting charset",
	    errstr));
}

/* The fields of the decision: state, rule, provider, reason, intent. */
static int
wire_validate_relay_decision(
    const struct wire_relay_status *s, const char **errstr)
{
	if (wire_check_set(s->state, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	        "relay.state length", "relay.state charset", errstr) == -1)
		return (-1);
	if (wire_check_set(s->rule, WIRE_NAME_MAX, WIRE_RULE_CHARS, true,
	        "relay.rule length", "relay.rule charset", errstr) == -1)
		return (-1);
	if (s->provider[0] != '\0' &&
	    wire_check_str(s->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "relay.provider length", "relay.provider charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_text(s->reason, WIRE_REASON_MAX,
	        WIRE_TEXT_E("relay.reason"), errstr) == -1)
		return (-1);
	if (wire_check_set(s->intent, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	        "relay.intent length", "relay.intent charset", errstr) == -1)
		return (-1);
	if (s->weight > 100) {
		*errstr = "relay.weight";
		return (-1);
	}
	if (s->score < -1 || s->score > 100) {
		*errstr = "relay.score";
		return (-1);
	}
	return (0);
}

/* What the agents verb shows: key, version, hostname. */
static int
wire_validate_relay_agent(
    const struct wire_relay_status *s, const char **errstr)
{
	if (wire_check_set(s->agent_key, WIRE_KEY_B64_MAX, WIRE_B64_CHARS, true,
	        "relay.agent_key length", "relay.agent_key charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_str(s->agent_version, WIRE_VERSION_MAX, WIRE_CS_WORD,
	        "relay.agent_version length", "relay.agent_version charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_str(s->hostname, WIRE_HOST_MAX, WIRE_CS_WORD,
	    "relay.hostname length", "relay.hostname charset", errstr));
}

static int
wire_validate_relay(const struct wire_relay_status *s, const char **errstr)
{
	if (wire_check_str(s->name, WIRE_NAME_MAX, WIRE_CS_NAME,
	        "relay.name length", "relay.name charset", errstr) == -1)
		return (-1);
	if (wire_check_str(s->ip, WIRE_IP_MAX, WIRE_CS_WORD, "relay.ip length",
	        "relay.ip charset", errstr) == -1)
		return (-1);
	if (wire_check_str(s->hosting, WIRE_NAME_MAX, WIRE_CS_WORD,
	        "relay.hosting length", "relay.hosting charset", errstr) == -1)
		return (-1);
	if (s->worst_provider[0] != '\0' &&
	    (wire_check_str(s->worst_provider, WIRE_PROVIDER_MAX,
	         WIRE_CS_PROVIDER, "relay.worst_provider length",
	         "relay.worst_provider charset", errstr) == -1 ||
	        !wire_enum_ok((int)s->worst_class, CLASS_LAST))) {
		if (!wire_enum_ok((int)s->worst_class, CLASS_LAST))
			*errstr = "relay.worst_class";
		return (-1);
	}
	if (s->has_queue && wire_validate_queue(&s->queue, errstr) == -1)
		return (-1);
	if (wire_validate_relay_decision(s, errstr) == -1)
		return (-1);
	return (wire_validate_relay_agent(s, errstr));
}

/* An event's words: relay, kind, states, rule, provider, operator. */
static int
wire_validate_event_words(const struct wire_event *e, const char **errstr)
{
	if (wire_check_set(e->relay, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	        "event.relay length", "event.relay charset", errstr) == -1)
		return (-1);
	if (wire_check_set(e->kind, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	        "event.kind length", "event.kind charset", errstr) == -1)
		return (-1);
	if (wire_check_set(e->from_state, WIRE_STATE_MAX, WIRE_STATE_CHARS,
	        true, "event.from_state length", "event.from_state charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_set(e->to_state, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	        "event.to_state length", "event.to_state charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_set(e->intent, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	        "event.intent length", "event.intent charset", errstr) == -1)
		return (-1);
	if (wire_check_set(e->rule, WIRE_NAME_MAX, WIRE_RULE_CHARS, true,
	        "event.rule length", "event.rule charset", errstr) == -1)
		return (-1);
	if (e->provider[0] != '\0' &&
	    wire_check_str(e->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "event.provider length", "event.provider charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_set(e->operator, WIRE_NAME_MAX, WIRE_NAME_CHARS,
	    true, "event.operator length", "event.operator charset", errstr));
}

static int
wire_validate_event(const struct wire_event *e, const char **errstr)
{
	if (wire_validate_event_words(e, errstr) == -1)
		return (-1);
	if (wire_check_text(e->counts, WIRE_DETAIL_MAX,
	        WIRE_TEXT_E("event.counts"), errstr) == -1)
		return (-1);
	if (wire_check_text(e->reason, WIRE_REASON_MAX,
	        WIRE_TEXT_E("event.reason"), errstr) == -1)
		return (-1);
	if (e->weight > 100) {
		*errstr = "event.weight";
		return (-1);
	}
	if (e->n_samples > WIRE_EVENT_SAMPLES_MAX) {
		*errstr = "event.samples count";
		return (-1);
	}
	for (size_t i = 0; i < e->n_samples; i++) {
		if (wire_validate_sample(&e->samples[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

static int
wire_validate_window(const struct wire_window *w, const char **errstr)
{
	if (wire_check_set(w->name, WIRE_NAME_MAX, WIRE_NAME_CHARS, false,
	        "window.name length", "window.name charset", errstr) == -1)
		return (-1);
	if (wire_validate_names(w->relays, w->n_relays, "window.relays count",
	        "window.relays length", "window.relays charset", errstr) == -1)
		return (-1);
	if (wire_check_set(w->hosting, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	        "window.hosting length", "window.hosting charset",
	        errstr) == -1)
		return (-1);
	if (wire_check_text(w->reason, WIRE_REASON_MAX,
	        WIRE_TEXT_E("window.reason"), errstr) == -1)
		return (-1);
	if (wire_check_set(w->created_by, WIRE_NAME_MAX, WIRE_NAME_CHARS, true,
	        "window.created_by length", "window.created_by charset",
	        errstr) == -1)
		return (-1);
	return (wire_check_set(w->state, WIRE_STATE_MAX, WIRE_STATE_CHARS, true,
	    "window.state length", "window.state charset", errstr));
}

/* worst_class may be CLASS_UNSPEC here: a window without failures. */
static int
wire_validate_health(const struct wire_provider_health *h, const char **errstr)
{
	if (wire_check_str(h->provider, WIRE_PROVIDER_MAX, WIRE_CS_PROVIDER,
	        "health.provider length", "health.provider charset",
	        errstr) == -1)
		return (-1);
	if (h->score < -1 || h->score > 100) {
		*errstr = "health.score";
		return (-1);
	}
	if (h->n_windows > WIRE_HEALTH_WINDOWS) {
		*errstr = "health.windows count";
		return (-1);
	}
	for (size_t i = 0; i < h->n_windows; i++) {
		if ((int)h->windows[i].worst_class < 0 ||
		    (int)h->windows[i].worst_class > CLASS_LAST) {
			*errstr = "health_window.worst_class";
			return (-1);
		}
	}
	return (0);
}

/* Counts and arrays agree; relays are checked by the caller. */
static int
wire_validate_ctl_reply_counts(
    const struct wire_ctl_reply *c, const char **errstr)
{
	if (c->n_relays > WIRE_RELAYS_MAX ||
	    (c->n_relays > 0 && c->relays == NULL))
		*errstr = "ctl_reply.relays count";
	else if (c->n_events > WIRE_EVENTS_MAX ||
	         (c->n_events > 0 && c->events == NULL))
		*errstr = "ctl_reply.events count";
	else if (c->n_windows > WIRE_WINDOWS_MAX ||
	         (c->n_windows > 0 && c->windows == NULL))
		*errstr = "ctl_reply.windows count";
	else if (c->n_health > WIRE_HEALTH_MAX ||
	         (c->n_health > 0 && c->health == NULL))
		*errstr = "ctl_reply.health count";
	else if (c->n_samples > WIRE_SAMPLES_MAX ||
	         (c->n_samples > 0 && c->samples == NULL))
		*errstr = "ctl_reply.samples count";
	else if (c->n_checks > WIRE_CHECKS_MAX ||
	         (c->n_checks > 0 && c->checks == NULL))
		*errstr = "ctl_reply.checks count";
	else
		return (0);
	return (-1);
}

/* Everything but the relays and the error. */
static int
wire_validate_ctl_reply_items(
    const struct wire_ctl_reply *c, const char **errstr)
{
	for (size_t i = 0; i < c->n_events; i++) {
		if (wire_validate_event(&c->events[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < c->n_windows; i++) {
		if (wire_validate_window(&c->windows[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < c->n_health; i++) {
		if (wire_validate_health(&c->health[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < c->n_samples; i++) {
		if (wire_validate_sample(&c->samples[i], errstr) == -1)
			return (-1);
	}
	for (size_t i = 0; i < c->n_checks; i++) {
		if (wire_validate_check(&c->checks[i], errstr) == -1)
			return (-1);
	}
	return (0);
}

int
wire_validate_ctl_reply(const struct wire_ctl_reply *c, const char **errstr)
{
	if (wire_validate_ctl_reply_counts(c, errstr) == -1)
		return (-1);
	for (size_t i = 0; i < c->n_relays; i++) {
		if (wire_validate_relay(&c->relays[i], errstr) == -1)
			return (-1);
	}
	if (wire_validate_ctl_reply_items(c, errstr) == -1)
		return (-1);
	return (wire_check_text(
	    c->error, WIRE_DETAIL_MAX, WIRE_TEXT_E("ctl_reply.error"), errstr));
}
