/* SPDX-License-Identifier: ISC */
/*
 * The notify hook (see notify.h).  notify_post() runs on fleetd's core
 * thread: it copies the event, with control characters stripped, into a
 * STAILQ of at most NOTIFY_QUEUE_MAX items under `mtx` and signals `cv`.
 * The notify thread takes one item at a time, runs the command with
 * util_spawn_env() and waits for it with util_wait_child(), which at the
 * timeout kills the command's process group.  The counters live under `mtx`
 * too.
 */
#include "notify.h"

#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define NOTIFY_NENV    13                         /* FLEET_* variables */
#define NOTIFY_VAR_MAX (32 + WIRE_REASON_MAX + 1) /* "NAME=value" */

struct notify_item {
	STAILQ_ENTRY(notify_item) entry;
	uint64_t id, at, until;
	uint32_t weight;
	char kind[WIRE_STATE_MAX + 1];
	char from[WIRE_STATE_MAX + 1], to[WIRE_STATE_MAX + 1];
	char intent[WIRE_STATE_MAX + 1];
	char relay[WIRE_NAME_MAX + 1];
	char rule[WIRE_NAME_MAX + 1];
	char provider[WIRE_PROVIDER_MAX + 1];
	char operator[WIRE_NAME_MAX + 1];
	char reason[WIRE_REASON_MAX + 1];
};

STAILQ_HEAD(notify_items, notify_item);

struct notify {
	char *command; /* NULL: accept and ignore, no thread */
	uint64_t timeout_ms;
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	struct notify_items queue; /* under mtx, as everything below */
	size_t queued;
	bool stopping;
	uint64_t stop_deadline; /* monotonic ms: queued events run until */
	bool dropping;          /* the last post was dropped (logged once) */
	struct notify_stats st;
};

/* Copies src into dst[size] without its control characters. */
static void
notify_copy(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src != '\0' && n + 1 < size; src++)
		if ((unsigned char)*src >= 0x20 && *src != 0x7f)
			dst[n++] = *src;
	dst[n] = '\0';
}

static struct notify_item *
notify_item_new(const struct wire_event *e)
{
	struct notify_item *it = xcalloc(1, sizeof(*it));

	it->id = e->id;
	it->at = e->at;
	it->until = e->until;
	it->weight = e->weight;
	notify_copy(it->kind, sizeof(it->kind), e->kind);
	notify_copy(it->from, sizeof(it->from), e->from_state);
	notify_copy(it->to, sizeof(it->to), e->to_state);
	notify_copy(it->intent, sizeof(it->intent), e->intent);
	notify_copy(it->relay, sizeof(it->relay), e->relay);
	notify_copy(it->rule, sizeof(it->rule), e->rule);
	notify_copy(it->provider, sizeof(it->provider), e->provider);
	notify_copy(it->operator, sizeof(it->operator), e->operator);
	notify_copy(it->reason, sizeof(it->reason), e->reason);
	return (it);
}

/* Fills vars and envp (NULL-terminated, pointing into vars). */
static void
notify_env(const struct notify_item *it, char vars[][NOTIFY_VAR_MAX],
    const char *envp[])
{
	const struct {
		const char *name, *s; /* s NULL: v */
		uint64_t v;
	} env[NOTIFY_NENV] = {{"FLEET_EVENT", it->kind, 0},
	    {"FLEET_EVENT_ID", NULL, it->id}, {"FLEET_AT", NULL, it->at},
	    {"FLEET_RELAY", it->relay, 0}, {"FLEET_FROM", it->from, 0},
	    {"FLEET_TO", it->to, 0}, {"FLEET_RULE", it->rule, 0},
	    {"FLEET_PROVIDER", it->provider, 0},
	    {"FLEET_REASON", it->reason, 0}, {"FLEET_UNTIL", NULL, it->until},
	    {"FLEET_INTENT", it->intent, 0}, {"FLEET_WEIGHT", NULL, it->weight},
	    {
	        "FLEET_OPERATOR",
	        it->operator,
	        0 },
	};

	for (size_t i = 0; i < NOTIFY_NENV; i++) {
		if (env[i].s != NULL)
			snprintf(vars[i], NOTIFY_VAR_MAX, "%s=%s", env[i].name,
			    env[i].s);
		else
			snprintf(vars[i], NOTIFY_VAR_MAX, "%s=%" PRIu64,
			    env[i].name, env[i].v);
		envp[i] = vars[i];
	}
	envp[NOTIFY_NENV] = NULL;
}

static void
notify_count(struct notify *n, uint64_t *counter)
{
	pthread_mutex_lock(&n->mtx);
	(*counter)++;
	pthread_mutex_unlock(&n->mtx);
}

/* Runs the command for one event and counts how it ended. */
static void
notify_run(struct notify *n, const struct notify_item *it)
{
	char vars[NOTIFY_NENV][NOTIFY_VAR_MAX];
	const char *envp[NOTIFY_NENV + 1];
	const char *argv[] = {n->command, NULL};
	const char *relay = it->relay[0] != '\0' ? it->relay : "-";
	int pid, status, rv;

	notify_env(it, vars, envp);
	pid = util_spawn_env(
	    n->command, argv, envp, STDERR_FILENO, STDERR_FILENO);
	if (pid == -1) {
		log_warn("notify: relay=%s event=%" PRIu64 ": cannot run %s",
		    relay, it->id, n->command);
		notify_count(n, &n->st.failed);
		return;
	}
	if ((rv = util_wait_child(
	         pid, util_now_ms() + n->timeout_ms, &status)) == 1) {
		log_warnx("notify: relay=%s event=%" PRIu64 ": command killed "
		          "after %" PRIu64 " ms",
		    relay, it->id, n->timeout_ms);
		notify_count(n, &n->st.timed_out);
	} else if (rv == -1) {
		log_warn("notify: relay=%s event=%" PRIu64 ": waitpid", relay,
		    it->id);
		notify_count(n, &n->st.failed);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		notify_count(n, &n->st.ok);
	} else {
		if (WIFEXITED(status))
			log_warnx("notify: relay=%s event=%" PRIu64
			          ": command exited %d",
			    relay, it->id, WEXITSTATUS(status));
		else
			log_warnx("notify: relay=%s event=%" PRIu64
			          ": command killed by signal %d",
			    relay, it->id, WTERMSIG(status));
		notify_count(n, &n->st.failed);
	}
}

static void *
notify_main(void *arg)
{
	struct notify *n = arg;
	struct notify_item *it;

	for (;;) {
		pthread_mutex_lock(&n->mtx);
		while (STAILQ_EMPTY(&n->queue) && !n->stopping)
			pthread_cond_wait(&n->cv, &n->mtx);
		if (n->stopping && util_now_ms() >= n->stop_deadline) {
			pthread_mutex_unlock(&n->mtx);
			break; /* notify_free() counts what is left */
		}
		if ((it = STAILQ_FIRST(&n->queue)) != NULL) {
			STAILQ_REMOVE_HEAD(&n->queue, entry);
			n->queued--;
		}
		pthread_mutex_unlock(&n->mtx);
		if (it == NULL) /* stopping, and nothing left */
			break;
		notify_run(n, it);
		free(it);
	}
	return (NULL);
}

static void
notify_free(struct notify *n)
{
	struct notify_item *it;
	size_t left = 0;

	while ((it = STAILQ_FIRST(&n->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&n->queue, entry);
		free(it);
		left++;
	}
	if (left > 0)
		log_warnx("notify: stopping: %zu events not run (the hook was "
		          "too slow to finish within %d ms)",
		    left, NOTIFY_STOP_MS);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mtx);
	free(n->command);
	free(n);
}

int
notify_start(struct notify **np, const char *command, uint64_t timeout_ms,
    char *err, size_t errlen)
{
	struct notify *n;
	int rv;

	if (command[0] != '\0' && (command[0] != '/' || timeout_ms == 0)) {
		snprintf(err, errlen,
		    "notify: %s: needs an absolute path and a timeout",
		    command);
		return (-1);
	}
	n = xcalloc(1, sizeof(*n));
	pthread_mutex_init(&n->mtx, NULL);
	pthread_cond_init(&n->cv, NULL);
	STAILQ_INIT(&n->queue);
	n->timeout_ms = timeout_ms;
	if (command[0] != '\0') {
		n->command = xstrdup(command);
		if ((rv = pthread_create(&n->thread, NULL, notify_main, n)) !=
		    0) {
			snprintf(err, errlen,
			    "notify: cannot start a thread: %s", strerror(rv));
			notify_free(n);
			return (-1);
		}
	}
	*np = n;
	return (0);
}

void
notify_post(struct notify *n, const struct wire_event *e)
{
	struct notify_item *it;
	bool log_drop = false, log_resume = false;
	uint64_t ndropped;

	if (n == NULL || n->command == NULL)
		return;
	it = notify_item_new(e);
	pthread_mutex_lock(&n->mtx);
	if (n->queued >= NOTIFY_QUEUE_MAX) {
		n->st.dropped++;
		log_drop = !n->dropping; /* the first of a run only */
		n->dropping = true;
	} else {
		STAILQ_INSERT_TAIL(&n->queue, it, entry);
		it = NULL;
		n->queued++;
		n->st.posted++;
		log_resume = n->dropping;
		n->dropping = false;
		pthread_cond_signal(&n->cv);
	}
	ndropped = n->st.dropped;
	pthread_mutex_unlock(&n->mtx);
	free(it);
	if (log_drop)
		log_warnx("notify: queue full (%d events): dropping events",
		    NOTIFY_QUEUE_MAX);
	if (log_resume)
		log_warnx("notify: queue accepts events again; %" PRIu64
		          " dropped in all",
		    ndropped);
}

void
notify_stop(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->command != NULL) {
		pthread_mutex_lock(&n->mtx);
		n->stopping = true;
		n->stop_deadline = util_now_ms() + NOTIFY_STOP_MS;
		pthread_cond_signal(&n->cv);
		pthread_mutex_unlock(&n->mtx);
		pthread_join(n->thread, NULL);
	}
	notify_free(n);
}

void
notify_get_stats(struct notify *n, struct notify_stats *st)
{
	if (n == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&n->mtx);
	*st = n->st;
	pthread_mutex_unlock(&n->mtx);
}
