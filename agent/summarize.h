/* SPDX-License-Identifier: ISC */
/*
 * `fleet-agent summarize [--json] [--rules FILE] FILE...`: reads Postfix
 * logs offline and prints what happened to each delivery, by provider,
 * reason class and status, with sample response texts.  Shares the log
 * parser, the classifier and the tally with the running agent, so what it
 * prints is what the agent would report.
 */
#ifndef FLEET_AGENT_SUMMARIZE_H
#define FLEET_AGENT_SUMMARIZE_H

/* argv[0] is "summarize".  Returns the exit status (0, 1 error, 2 usage). */
int summarize_main(int argc, char **argv);

/*
 * `fleet-agent queue [--config-dir DIR] [--postqueue PATH] [--rules FILE]`:
 * one queue scan, as the agent makes it, printed as JSON.  argv[0] is
 * "queue".  Returns the exit status.
 */
int summarize_queue_main(int argc, char **argv);

#endif /* FLEET_AGENT_SUMMARIZE_H */
