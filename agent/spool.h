/* SPDX-License-Identifier: ISC */
/*
 * The agent's on-disk spool: every Report is written here (atomically,
 * fsync'ed) before it is sent, and removed only when fleetd has acked it,
 * so a Report is never lost once cut, whatever dies when.  Reports are
 * numbered 1, 2, 3, ... within an epoch, a random 64-bit number chosen
 * when the state directory is first used; fleetd deduplicates by (relay,
 * epoch, seq), so a resend after a lost Ack is not counted twice and a
 * wiped state directory starts a new epoch instead of colliding.
 *
 * Layout of dir: `state` ("epoch=<16 hex>\nlast_seq=<n>\ncursor=<text>\n")
 * and one file `report-<20 digits seq>` per unacknowledged Report, holding
 * its encoded protobuf.  Writing the state is the commit point of a
 * Report: it records the seq together with the cursor (the agent's
 * position in the Postfix log after the lines the Report counts), so a
 * crash before it leaves an orphan report file that the next open removes
 * and the lines are counted again, once.  A report file that cannot be
 * sent (it does not decode, its epoch or seq is not the one its name and
 * the state promise, or fleetd refused it for good) is renamed
 * `bad-<20 digits seq>` so the reports after it still go out; only the
 * newest SPOOL_BAD_KEEP such files are kept.  Used by the agent's worker
 * thread only.
 */
#ifndef FLEET_AGENT_SPOOL_H
#define FLEET_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_REPORT_MAX (1024 * 1024) /* bytes per spooled report */
#define SPOOL_CURSOR_MAX 200           /* bytes, printable, no newline */
#define SPOOL_BAD_KEEP   16            /* bad-* files kept, newest first */

struct spool;

/*
 * Opens (creating if needed) the spool in dir, keeping at most max
 * reports.  Returns 0, or -1 with err set (a state file that cannot be
 * read, or reports without a state file, are errors: the operator must
 * look, not have them silently dropped).
 */
int spool_open(
    struct spool **sp, const char *dir, size_t max, char *err, size_t errlen);

/* Accepts NULL. */
void spool_close(struct spool *s);

uint64_t spool_epoch(const struct spool *s);

/* The seq the next spool_put() must use. */
uint64_t spool_next_seq(const struct spool *s);

/* The cursor committed with the last report ("" if none yet). */
const char *spool_cursor(const struct spool *s);

/* Reports waiting for their Ack. */
size_t spool_pending(const struct spool *s);

/* True when spool_put() would exceed max. */
bool spool_full(const struct spool *s);

/*
 * Writes the encoded report with seq == spool_next_seq(), then commits
 * seq and cursor (NULL keeps the current one) in the state file.  Returns
 * 0 or -1 with errno set (nothing committed then).
 */
int spool_put(struct spool *s, uint64_t seq, const uint8_t *buf, size_t len,
    const char *cursor);

#define SPOOL_PEEK_BAD 2 /* spool_peek(): the oldest report is unusable */

/*
 * Reads the oldest pending report and checks it (it decodes as a Report
 * of the spool's epoch and of the seq in its name).  Returns 1 with *seq,
 * *buf (malloc'd, caller frees) and *len set; SPOOL_PEEK_BAD with *seq
 * and *why (a static string) set when the file is unusable: the caller
 * passes *seq to spool_set_aside(); 0 if the spool is empty; -1 with
 * errno set on a read error that may pass (EIO, EACCES, ENOMEM, ...).
 */
int spool_peek(struct spool *s, uint64_t *seq, uint8_t **buf, size_t *len,
    const char **why);

/* Removes pending report seq (the oldest) after its Ack. 0 or -1. */
int spool_ack(struct spool *s, uint64_t seq);

/*
 * Moves pending report seq (the oldest) aside as bad-<seq> (a rename,
 * then a sync of the directory), counts it and removes the oldest bad-*
 * files beyond SPOOL_BAD_KEEP.  The report counts as gone even if the
 * rename fails (a missing file): returns 0, or -1 with errno set when
 * the move could not be made durable (seq is skipped all the same, so
 * one bad file never stalls the spool).
 */
int spool_set_aside(struct spool *s, uint64_t seq);

/* Reports set aside and not yet announced by spool_bad_announced(). */
uint32_t spool_bad_new(const struct spool *s);

/* n of them went into a Report that is now in the spool. */
void spool_bad_announced(struct spool *s, uint32_t n);

#endif /* FLEET_AGENT_SPOOL_H */
