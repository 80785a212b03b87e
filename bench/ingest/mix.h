/* SPDX-License-Identifier: ISC */
/*
 * The Reports of the ingest benchmark's simulated agents.  A pool of
 * report templates is cut once at start, each the way the agent cuts one
 * (agent/tally.c counting one 10 s interval of a relay sending 200 mails
 * per minute, plus the last queue snapshot and, one Report in 60, the self
 * checks); the texts of failed deliveries are real receiver answers taken
 * from tests/fixtures/responses.tsv with their provider and class.  A send
 * only stamps a template with the agent's epoch, seq, hostname and
 * interval and encodes it, so the load generator spends its CPU on the
 * wire, not on building Reports.  Templates are read-only once built: any
 * thread may encode from them.
 */
#ifndef FLEET_BENCH_INGEST_MIX_H
#define FLEET_BENCH_INGEST_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

enum mix_profile {
	MIX_TYPICAL = 1,  /* healthy relay: ~8% deferred or bounced */
	MIX_TROUBLED = 2, /* a relay being blocked: ~35%, ip classes too */
};

#define MIX_INTERVAL_S    10  /* the agent's default report_interval */
#define MIX_MAILS_PER_MIN 200 /* per relay */

struct mix_pool {
	size_t n;
	struct wire_report *r; /* n templates, owned */
	size_t bytes_min, bytes_max;
	double bytes_avg;                     /* encoded AgentRequest, bytes */
	size_t counters_avg10, samples_avg10; /* per Report, times 10 */
};

/* Parses "typical" or "troubled"; false if unknown. */
bool mix_profile_parse(const char *s, enum mix_profile *p);

/*
 * Builds n templates for profile from the receiver texts in the TSV file
 * at responses (mx_host, response, provider, class, with a header line);
 * seed makes the pool reproducible.  Returns 0, or -1 with err set;
 * mix_pool_free() releases the pool either way.
 */
int mix_pool_build(struct mix_pool *p, const char *responses,
    enum mix_profile profile, size_t n, uint64_t seed, char *err,
    size_t errlen);
void mix_pool_free(struct mix_pool *p);

/*
 * Encodes template i (modulo the pool size) as the Report seq of an agent:
 * its epoch, hostname, and an interval ending at now_s.  *buf is malloc'd
 * (caller frees).  Returns 0, or -1 with *errstr set.
 */
int mix_encode(const struct mix_pool *p, size_t i, uint64_t epoch, uint64_t seq,
    const char *hostname, uint64_t now_s, uint8_t **buf, size_t *len,
    const char **errstr);

/* splitmix64: a small reproducible generator for the mix. */
uint64_t mix_rand(uint64_t *state);

#endif /* FLEET_BENCH_INGEST_MIX_H */
