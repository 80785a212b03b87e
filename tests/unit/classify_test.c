/* SPDX-License-Identifier: ISC */
/*
 * common/classify: the shared fixture (every row), held-out texts the rules
 * were not written from, rules syntax errors, provider selection, text
 * normalisation, regex limits and the result cache.  Fixture and rules
 * paths are relative to $FLEET_SRCDIR (default ".").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

struct text_case {
	const char *mx, *text, *provider, *cls;
};

/*
 * Held out: written after the rules, from other MX hosts, IPs, S-codes,
 * wrapped replies, prefixes and Postfix's own texts.  None is in the
 * fixture.
 */
static const struct text_case heldout[] = {
    {"outlook-com.olc.protection.outlook.com",
        "host hotmail-com.olc.protection.outlook.com[52.101.73.31] said: 550 "
        "5.7.1 Unfortunately, messages from [203.0.113.45] weren't sent. "
        "Please contact your Internet service provider since part of their "
        "network is on our block list (S775). You can also refer your provider "
        "to http://mail.live.com/mail/troubleshooting.aspx#errors. "
        "[AM4PEPF00027A5F.eurprd04.prod.outlook.com] (in reply to MAIL FROM "
        "command)",
        "outlook", "ip_blocked"},
    {"fabrikam-com.mail.protection.outlook.com",
        "451 4.7.651 The mail server [198.51.100.77] has been temporarily rate "
        "limited due to IP reputation. For e-mail delivery information, see "
        "https://aka.ms/postmaster (S844) "
        "[DB5PEPF00014B8A.eurprd02.prod.outlook.com]",
        "office365", "ip_throttled"},
    {"contoso-onmicrosoft-com.mail.protection.outlook.com",
        "550 5.7.606 Access denied, banned sending IP [198.51.100.12]. To "
        "request removal from this list please visit "
        "https://sender.office.com/ and follow the directions. For more "
        "information please go to "
        "http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430)",
        "office365", "ip_blocked"},
    {"mx4.hotmail.com",
        "421 RP-001 (COL004-MC1F1) Unfortunately, some messages from "
        "198.51.100.9 weren't sent. Please try again. We have limits for how "
        "many messages can be sent per hour and per day. You can also refer to "
        "http://mail.live.com/mail/troubleshooting.aspx#errors.",
        "outlook", "ip_throttled"},
    {"outlook-com.olc.protection.outlook.com.",
        "451 4.7.500 Server busy. Please try again later from "
        "[198.51.100.200]. (S77719) "
        "[BN1NAM02FT011.eop-nam02.prod.protection.outlook.com]",
        "outlook", "ip_throttled"},
    {"fabrikam-com.mail.protection.outlook.com",
        "550 5.7.513 Service unavailable, Client host [192.0.2.8] blocked by "
        "fabrikam.com using Customer Block list (AS16012607)",
        "office365", "ip_blocked"},
    {"fabrikam-com.mail.protection.outlook.com",
        "550 5.7.511 Access denied, banned sender[192.0.2.66]. To request "
        "removal from this list, forward this message to delist@microsoft.com. "
        "For more information please go to "
        "http://go.microsoft.com/fwlink/?LinkId=526653 AS(1410)",
        "office365", "ip_blocked"},
    {"fabrikam-com.mail.protection.outlook.com",
        "smtp; 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "office365",
        "unknown_user"},
    {"HOTMAIL-COM.OLC.PROTECTION.OUTLOOK.COM",
        "451 4.7.550 Access denied, please try again later (AS790)", "outlook",
        "ip_throttled"},
    {"gmail-smtp-in.l.google.com",
        "host gmail-smtp-in.l.google.com[142.250.27.26] said: 421-4.7.28 "
        "[198.51.100.4      15] Our system has detected an unusual rate of "
        "421-4.7.28 unsolicited mail originating from your IP address. To "
        "protect our 421-4.7.28 users from spam, mail sent from your IP "
        "address has been temporarily 421-4.7.28 rate limited. Please visit "
        "421-4.7.28 "
        "https://support.google.com/mail/?p=UnsolicitedRateLimitError to 421 "
        "4.7.28 review our Bulk Email Senders Guidelines. "
        "5b1f17b1804b1-4534d6b0a6fsi1234567f9.123 - gsmtp (in reply to end of "
        "DATA command)",
        "google", "ip_throttled"},
    {"alt2.gmail-smtp-in.l.google.com",
        "550-5.7.28 [203.0.113.7] Our system has detected an unusual rate of "
        "550-5.7.28 unsolicited mail originating from your IP address. To "
        "protect our 550-5.7.28 users from spam, mail sent from your IP "
        "address has been blocked. 550 5.7.28 Please visit "
        "https://support.google.com/mail/?p=UnsolicitedIPError - gsmtp",
        "google", "ip_blocked"},
    {"alt1.gmail-smtp-in.l.google.com",
        "550-5.7.25 [2001:db8::25] The IP address sending this message does "
        "not have a 550-5.7.25 PTR record setup, or the corresponding forward "
        "DNS entry does not 550-5.7.25 point to the sending IP. As a policy, "
        "Gmail does not accept messages 550-5.7.25 from IPs with missing PTR "
        "records. - gsmtp",
        "google", "ptr"},
    {"aspmx.l.google.com",
        "421-4.7.27 This mail has been rate limited because it didn't pass SPF "
        "421-4.7.27 authentication checks. - gsmtp",
        "google", "auth"},
    {"aspmx.l.google.com",
        "421 4.7.0 IP not in whitelist for RCPT domain, closing connection. "
        "d75a77b69052e-4a5f2f - gsmtp",
        "google", "content"},
    {"smtp.google.com",
        "452-4.2.2 The recipient's inbox is out of storage space. Please "
        "direct the 452-4.2.2 recipient to 452 4.2.2  "
        "https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
        "google", "mailbox_full"},
    {"gmail-smtp-in.l.google.com",
        "550-5.2.1 The email account that you tried to reach is inactive. For "
        "more 550 5.2.1 information, go to "
        "https://support.google.com/mail/?p=DisabledUser - gsmtp",
        "google", "unknown_user"},
    {"gmail-smtp-in.l.google.com",
        "550-5.7.26 Unauthenticated email from example.com is not accepted due "
        "to 550-5.7.26 domain's DMARC policy. Please contact the administrator "
        "of 550-5.7.26 example.com domain if this was a legitimate mail. - "
        "gsmtp",
        "google", "auth"},
    {"mta6.am0.yahoodns.net",
        "421 4.7.0 [TSS04] Messages from 203.0.113.50 temporarily deferred due "
        "to unexpected volume or user complaints - 4.16.55.1; see "
        "https://postmaster.yahooinc.com/error-codes",
        "yahoo", "ip_throttled"},
    {"mx-aol.mail.gm0.yahoodns.net",
        "421 4.7.0 [TS03] All messages from 198.51.100.3 will be permanently "
        "deferred; Retrying will NOT succeed. See "
        "https://postmaster.yahooinc.com/error-codes",
        "yahoo", "ip_blocked"},
    {"mta5.am0.yahoodns.net",
        "553 5.7.1 [BL23] Connections not accepted from IP addresses on "
        "Spamhaus XBL; see http://postmaster.yahoo.com/errors/550-bl23.html "
        "[550]",
        "yahoo", "ip_blocked"},
    {"mta7.am0.yahoodns.net",
        "421 4.7.0 [GL01] Message from (198.51.100.77) temporarily deferred - "
        "4.16.50. Please refer to https://senders.yahooinc.com/error-codes",
        "yahoo", "ip_throttled"},
    {"mx-aol.mail.gm0.yahoodns.net",
        "554 30 Sorry, your message to someone@aol.jp cannot be delivered. "
        "This mailbox is disabled (554.30)",
        "yahoo", "unknown_user"},
    {"mx02.mail.icloud.com",
        "554 5.7.1 [HM08] Message rejected due to local policy. Please visit "
        "https://support.apple.com/en-us/HT204137",
        "apple", "content"},
    {"mx05.mail.icloud.com",
        "550 5.7.0 Blocked - see "
        "https://support.proofpoint.com/dnsbl-lookup.cgi?ip=198.51.100.17",
        "apple", "ip_blocked"},
    {"mx03.mail.icloud.com",
        "550 5.1.6 recipient no longer on server: someone@icloud.com", "apple",
        "unknown_user"},
    {"mx2a1.comcast.net",
        "554 resimta-po-21v.sys.comcast.net comcast 198.51.100.30 found on one "
        "or more DNSBLs, see "
        "http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
        "comcast", "ip_blocked"},
    {"mx1a1.comcast.net",
        "421 4.2.0 Throttled - "
        "https://postmaster.comcast.net/smtp-error-codes.php#RL000001",
        "comcast", "ip_throttled"},
    {"cxr.mx.a.cloudfilter.net",
        "554 cxr-mx-a-01.cox.net cmsmtp 198.51.100.40 rejected. IP blocked on "
        "Cox's list. AUP#CXBL",
        "cox", "ip_blocked"},
    {"mx01.emig.gmx.net",
        "554-gmx.net (mxgmxus008) Nemesis ESMTP Service not available 554-No "
        "SMTP service 554-IP address is black listed. 554 For explanation "
        "visit "
        "https://postmaster.gmx.net/en/"
        "case?c=bl&i=ip&v=198.51.100.2&r=1MWh2W-1qRLPq3Q4a",
        "gmx", "ip_blocked"},
    {"mx-ha01.web.de",
        "554-web.de (mxweb112) Nemesis ESMTP Service not available 554-No SMTP "
        "service 554-Reject due to policy restrictions. 554 For explanation "
        "visit https://web.de/email/senderguidelines?ip=198.51.100.5&c=rdns",
        "gmx", "ptr"},
    {"smtp-in.orange.fr",
        "421 mwinf5c10 ME Trop de connexions, veuillez verifier votre "
        "configuration. Too many connections, slow down. OFR005_104 [104]",
        "orange", "busy"},
    {"mx1.laposte.net",
        "552 5.1.1 Boite du destinataire pleine. Recipient overquota. LPN416",
        "laposte", "mailbox_full"},
    {"mx1.qq.com",
        "550 Mailbox not found. "
        "http://service.mail.qq.com/cgi-bin/"
        "help?subtype=1&&id=20022&&no=1000728",
        "qq", "unknown_user"},
    {"mxs.mail.ru",
        "550 Message was not accepted -- invalid mailbox.  Local mailbox "
        "someone@mail.ru is unavailable: account is disabled",
        "mailru", "unknown_user"},
    {"mx.yandex.ru",
        "554 5.7.1 [2] Message rejected under suspicion of SPAM; "
        "https://ya.cc/1IrBc 1234567890-AbCdEfGh",
        "yandex", "content"},
    {"smtp.secureserver.net",
        "554 p3plibsmtp03-05.prod.phx3.secureserver.net bizsmtp IB103 "
        "Connection refused. This IP has a poor reputation on Cloudmark Sender "
        "Intelligence (CSI). 198.51.100.22",
        "godaddy", "ip_blocked"},
    {"mailstore1.secureserver.net",
        "421 p3plibsmtp01-11.prod.phx3.secureserver.net bizsmtp Temporarily "
        "rejected. Reverse DNS for this IP failed. IB108",
        "godaddy", "ptr"},
    {"eu-smtp-inbound-1.mimecast.com",
        "451 Internal resources are temporarily unavailable - "
        "https://community.mimecast.com/docs/DOC-1369#451 "
        "[vFr8dRQ4N4KqBDRdBv_pBA.uk5]",
        "mimecast", "greylisted"},
    {"us-smtp-inbound-2.mimecast.com",
        "550 Rejected by header based Anti-Spoofing policy: sender@example.com "
        "- https://community.mimecast.com/docs/DOC-1369#550 [x7Yc.us1]",
        "mimecast", "auth"},
    {"mx0a-00123456.pphosted.com",
        "554 5.7.0 Blocked - see "
        "https://ipcheck.proofpoint.com/?ip=198.51.100.90",
        "proofpoint", "ip_blocked"},
    {"mail.example.org",
        "554 5.7.1 Service unavailable; Client host [198.51.100.60] blocked "
        "using b.barracudacentral.org; "
        "http://www.barracudanetworks.com/reputation/?pr=1&ip=198.51.100.60",
        "other", "ip_blocked"},
    {"mx.example.net",
        "550 5.7.1 Service unavailable; client [198.51.100.61] blocked using "
        "bl.spamcop.net",
        "other", "ip_blocked"},
    {"mx.example.net",
        "554 5.7.1 Service unavailable; Sender address [news@example.com] "
        "blocked using dbl.spamhaus.org; "
        "https://www.spamhaus.org/query/domain/example.com",
        "other", "domain_reputation"},
    {"mx.example.de", "451 4.7.1 Greylisting in action, please come back later",
        "other", "greylisted"},
    {"mx1.example.com",
        "connect to mx1.example.com[2001:db8::1]:25: Network is unreachable",
        "other", "network"},
    {"mx.example.org",
        "connect to mx.example.org[198.51.100.80]:25: No route to host",
        "other", "network"},
    {"mx.example.net",
        "conversation with mx.example.net[198.51.100.81] timed out while "
        "sending end of data -- message may be sent more than once",
        "other", "network"},
    {"mx.example.net",
        "lost connection with mx.example.net[198.51.100.82] while sending MAIL "
        "FROM",
        "other", "network"},
    {"mx.example.com",
        "delivery temporarily suspended: connect to "
        "mx.example.com[198.51.100.83]:25: Connection refused",
        "other", "network"},
    {"mx.example.com",
        "delivery temporarily suspended: host mx.example.com[198.51.100.84] "
        "refused to talk to me: 421 4.7.0 mx.example.com Error: too many "
        "connections from 203.0.113.5",
        "other", "busy"},
    {"",
        "Host or domain name not found. Name service error for "
        "name=mail.example.co type=AAAA: Host found but no data record of "
        "requested type",
        "other", "dns"},
    {"mx.example.com",
        "TLS is required, but host mx.example.com[198.51.100.85] refused to "
        "start TLS: 454 4.7.0 TLS not available due to local problem",
        "other", "tls"},
    {"mx.example.com", "Server certificate not trusted", "other", "tls"},
    {"mta5.am0.yahoodns.net",
        "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 "
        "4.7.0 [TSS04] Messages from 203.0.113.61 temporarily deferred due to "
        "unexpected volume or user complaints - 4.16.55.1; see "
        "https://postmaster.yahooinc.com/error-codes>",
        "yahoo", "ip_throttled"},
    {"mx.example.com",
        "host mx.example.com[198.51.100.86] said: 550 5.1.1 <bob@example.com>: "
        "Recipient address rejected: User unknown in local recipient table (in "
        "reply to RCPT TO command)",
        "other", "unknown_user"},
    {"mail.example.com",
        "552 5.2.2 This message is larger than the current system limit or the "
        "recipient's mailbox is full. Create a shorter message body or remove "
        "attachments and try sending it again.",
        "other", "mailbox_full"},
    {"mail.example.com",
        "550 5.7.1 Message rejected as spam by Content Filtering.", "other",
        "content"},
    {"mx.example.net",
        "450 4.1.8 <bounce@news.example.com>: Sender address rejected: Domain "
        "not found",
        "other", "auth"},
    {"mx.example.net",
        "450 4.1.2 <x@nonexist.example>: Recipient address rejected: Domain "
        "not found",
        "other", "dns"},
    {"mx.example.net",
        "554 5.7.1 Service unavailable; Client host [198.51.100.91] blocked "
        "using dnsbl.sorbs.net; Currently Sending Spam See: "
        "http://www.sorbs.net/lookup.shtml?198.51.100.91",
        "other", "ip_blocked"},
    {"mx.zoho.com",
        "554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.",
        "zoho", "content"},
    {"al-ip4-mx-vip2.prodigy.net",
        "550 5.7.1 Connections not accepted from servers without a valid "
        "sender domain.flph829 Fix reverse DNS for 198.51.100.33",
        "att", "ptr"},
    {"mx.example.com",
        "450 4.7.1 Client host rejected: cannot find your reverse hostname, "
        "[198.51.100.97]",
        "other", "ptr"},
    {"mx.example.com", "451 4.3.2 System not accepting network messages",
        "other", "busy"},
    {"mx.example.com", "554 5.7.1 <x@example.net>: Relay access denied",
        "other", "other"},
    {"mx.example.com", "250 2.0.0 Ok: queued as 4Xk2Lq0yQpz1", "other",
        "delivered"},
    {"mx.example.com", "550 5.7.1 Relaying denied", "other", "other"},
    {"aspmx.l.google.com",
        "421 4.7.0 Try again later, closing connection. (EHLO) - gsmtp",
        "google", "busy"},
    {"mx.example.com", "451 4.4.0 DNS resolving error", "other", "dns"},
    {"mx.example.com",
        "554 5.7.1 Your access to this mail system has been rejected due to "
        "the sending MTA's poor reputation. If you believe that this failure "
        "is in error, please contact the intended recipient via alternate "
        "means.",
        "other", "ip_blocked"},
    {"mx.example.com", "550 5.7.0 Local Policy Violation", "other", "content"},
    {"mx.example.com", "452 4.3.1 Insufficient system storage", "other",
        "busy"},
    {"mx.example.com",
        "550 Requested action not taken: mailbox unavailable (e.g. mailbox not "
        "found, no access)",
        "other", "unknown_user"},
    {"mx.example.com", "421 4.4.2 mx.example.com Error: timeout exceeded",
        "other", "network"},
    {"mx.example.com",
        "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied",
        "other", "ip_blocked"},
    {"mx.example.com",
        "550 5.7.1 Email rejected per DMARC policy for example.com", "other",
        "auth"},
    {"mx.example.com", "451 Temporary local problem - please try later",
        "other", "busy"},
    {"mx.example.com",
        "550-Verification failed for <bounce@example.com> 550-Unrouteable "
        "address 550 Sender verify failed",
        "other", "auth"},
    {"mx.example.com",
        "554 5.7.1 <mail.example.com>: Helo command rejected: Host not found",
        "other", "ptr"},
    {"mx.example.com", "550 5.2.1 Mailbox disabled, not accepting messages",
        "other", "unknown_user"},
    {"outlook-com.olc.protection.outlook.com",
        "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update "
        "your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls. "
        "[AM4PEPF00025F9B.EURPRD83.prod.outlook.com]",
        "outlook", "tls"},
    {"mx.example.com", "552 5.3.4 Message size exceeds fixed limit", "other",
        "other"},
    {"mx.example.com", "550 5.7.1 Delivery not authorized, message refused",
        "other", "content"},
    {"mx.example.com", "mail for example.com loops back to myself", "other",
        "other"},
};

static char *
srcfile(const char *rel)
{
	const char *dir = getenv("FLEET_SRCDIR");
	char path[1024], *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", rel);
	if (util_read_file(path, 4 * 1024 * 1024, &buf, &len) == -1)
		fail_msg("cannot read %s", path);
	return (buf);
}

static struct classify *
load(const char *text)
{
	struct classify *c = NULL;
	char err[256];

	if (text == NULL
	        ? classify_load(&c, NULL, err, sizeof(err))
	        : classify_load_string(&c, text, "t", err, sizeof(err)))
		fail_msg("load: %s", err);
	return (c);
}

/* Returns 1 and prints the case if it does not classify as expected. */
static int
check(struct classify *c, const struct text_case *tc)
{
	const char *prov = classify_provider(c, tc->mx, NULL);
	const char *cls =
	    reason_class_name(classify_class(c, prov, NULL, tc->text));

	if (strcmp(prov, tc->provider) == 0 && strcmp(cls, tc->cls) == 0)
		return (0);
	print_error("got %s/%s, want %s/%s: [%s] %s\n", prov, cls, tc->provider,
	    tc->cls, tc->mx, tc->text);
	return (1);
}

static void
test_fixture(void **state)
{
	struct classify *c = load(NULL);
	char *buf = srcfile("tests/fixtures/responses.tsv"), *line, *next;
	struct text_case tc;
	int rows = 0, bad = 0;

	(void)state;
	line = buf;
	next = strchr(line, '\n');
	*next++ = '\0';
	assert_string_equal(
	    line, "mx_host\tresponse\texpect_provider\texpect_class");
	for (line = next; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		next += *next != '\0';
		line[strcspn(line, "\n")] = '\0';
		tc.mx = strsep(&line, "\t");
		tc.text = strsep(&line, "\t");
		tc.provider = strsep(&line, "\t");
		tc.cls = line;
		assert_non_null(tc.cls);
		bad += check(c, &tc);
		rows++;
	}
	assert_true(rows >= 80);
	assert_int_equal(bad, 0);
	free(buf);
	classify_free(c);
}

static void
test_heldout(void **state)
{
	struct classify *c = load(NULL);
	size_t n = sizeof(heldout) / sizeof(heldout[0]);
	int bad = 0;

	(void)state;
	assert_true(n >= 40);
	for (size_t i = 0; i < n; i++)
		bad += check(c, &heldout[i]);
	assert_int_equal(bad, 0);
	classify_free(c);
}

/* etc/rules.conf and the compiled-in copy must not drift apart. */
static void
test_builtin_is_rules_conf(void **state)
{
	char *buf = srcfile("etc/rules.conf");

	(void)state;
	if (strcmp(buf, classify_builtin_rules) != 0)
		fail_msg("etc/rules.conf differs from common/classify_rules.c; "
		         "regenerate it (see its header)");
	free(buf);
}

static const struct {
	const char *text, *err;
} syntax_cases[] = {
    {"mx p a.com\n\nclass blok x\n", "t:3: unknown class 'blok'"},
    {"class busy (unclosed\n", "t:1: bad regex '(unclosed': "},
    {"mx Outlook a.com\n", "t:1: bad provider id 'Outlook'"},
    {"mx p a.com\nclass busy provider=p,x!y z\n", "t:2: bad provider id 'x!y'"},
    {"# c\nmatch busy x\n", "t:2: unknown keyword 'match'"},
    {"class\n", "t:1: missing class"},
    {"class busy dsn=4.\n", "t:1: missing pattern"},
    {"class\tbusy\t \n", "t:1: missing pattern"},
    {"mx\n", "t:1: missing provider id"},
    {"domain p\n", "t:1: missing domain name"},
    {"mx p a..com\n", "t:1: bad mx name 'a..com'"},
    {"mx p a.com\nmx q b.com A.com.\n",
        "t:2: duplicate mx name 'a.com' (line 1)"},
    {"class busy provider=nosuch x\n",
        "t:1: unknown provider 'nosuch' (no mx or domain line names "
        "it)"},
    {"class busy dsn=4.7 x\n", "t:1: bad dsn '4.7'"},
    {"class busy dsn=3.1.1 x\n", "t:1: bad dsn '3.1.1'"},
    {"class busy (a)\\1\n", "t:1: bad regex '(a)\\1': back-references"},
    {"class busy ((a{200}){200})\n", "too complex"},
    {"class busy a{300}\n", "repeat count too large"},
    /* glibc reads these as a{1,2}, a{0,2}, a{0}: past the limits */
    {"class busy (.{1\\,500}){1\\,4}x\n", "is not a repeat"},
    {"class busy a{\\,2}\n", "is not a repeat"},
    {"class busy ab{0\\0}\n", "is not a repeat"},
    {"class busy a{x\n", "is not a repeat"},
    {"class busy "
     "((((((((((((((((((((((((((((((((((x))))))))))))))))))))"
     ")))))))))))))\n",
        "nested too deep"},
};

static void
test_syntax_errors(void **state)
{
	struct classify *c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]);
	     i++) {
		c = NULL;
		err[0] = '\0';
		assert_int_equal(classify_load_string(&c, syntax_cases[i].text,
		                     "t", err, sizeof(err)),
		    -1);
		assert_null(c);
		if (strstr(err, syntax_cases[i].err) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    syntax_cases[i].err);
	}
}

static void
test_limits(void **state)
{
	size_t n = (CLASSIFY_RULES_MAX + 1) * 12 + CLASSIFY_LINE_MAX + 64;
	char *text = xcalloc(1, n), *p = text, err[256];
	struct classify *c = NULL;

	(void)state;
	for (int i = 0; i < CLASSIFY_RULES_MAX + 1; i++)
		p += sprintf(p, "class busy x\n");
	assert_int_equal(
	    classify_load_string(&c, text, "t", err, sizeof(err)), -1);
	assert_string_equal(err, "t:513: more than 512 class lines");
	memset(text, 'a', CLASSIFY_LINE_MAX + 1);
	text[CLASSIFY_LINE_MAX + 1] = '\0';
	assert_int_equal(
	    classify_load_string(&c, text, "t", err, sizeof(err)), -1);
	assert_string_equal(err, "t:1: line longer than 4096 bytes");
	memset(text, 'a', CLASSIFY_PATTERN_MAX + 1);
	memcpy(text, "class busy ", 11);
	text[CLASSIFY_PATTERN_MAX + 12] = '\0';
	assert_int_equal(
	    classify_load_string(&c, text, "t", err, sizeof(err)), -1);
	assert_string_equal(err, "t:1: pattern longer than 512 bytes");
	/* ordinary repeats are fine: an IPv4 address, a Comcast code */
	c = load(
	    "class busy [0-9]{1,3}(\\.[0-9]{1,3}){3}|BL0[0-9]{5}|(ab+){9}\n");
	assert_int_equal(
	    classify_class(c, NULL, NULL, "x 192.0.2.1"), CLASS_BUSY);
	classify_free(c);
	c = NULL;
	assert_int_equal(
	    classify_load(&c, "/nonexistent/rules.conf", err, sizeof(err)), -1);
	assert_string_equal(
	    err, "/nonexistent/rules.conf: No such file or directory");
	assert_null(c);
	free(text);
}

static void
test_provider(void **state)
{
	struct classify *c = load("mx a outlook.com\n"
	                          "mx b protection.outlook.com\n"
	                          "mx c .olc.protection.outlook.com\n"
	                          "domain d hotmail.com\n"
	                          "domain e *.example.org\n");

	(void)state;
	/* longest suffix wins, on label boundaries, the name itself too */
	assert_string_equal(
	    classify_provider(c, "x.olc.protection.outlook.com", NULL), "c");
	assert_string_equal(
	    classify_provider(c, "olc.protection.outlook.com", NULL), "c");
	assert_string_equal(
	    classify_provider(c, "t.mail.protection.outlook.com", NULL), "b");
	assert_string_equal(
	    classify_provider(c, "xprotection.outlook.com", NULL), "a");
	assert_string_equal(classify_provider(c, "outlook.com", NULL), "a");
	assert_string_equal(
	    classify_provider(c, "noutlook.com", NULL), "other");
	/* case, trailing dot, [addr]:port */
	assert_string_equal(classify_provider(c, "MX.Outlook.COM.", NULL), "a");
	assert_string_equal(
	    classify_provider(c, "x.outlook.com[192.0.2.1]:25", NULL), "a");
	/* the MX beats the domain; the domain or a parent of it otherwise */
	assert_string_equal(
	    classify_provider(c, "x.outlook.com", "hotmail.com"), "a");
	assert_string_equal(
	    classify_provider(c, "mx.isp.net", "hotmail.com"), "d");
	assert_string_equal(classify_provider(c, NULL, "eu.hotmail.com"), "d");
	assert_string_equal(classify_provider(c, "", "HOTMAIL.com."), "d");
	assert_string_equal(classify_provider(c, "", "example.org"), "e");
	assert_string_equal(classify_provider(c, "", "xhotmail.com"), "other");
	assert_string_equal(classify_provider(c, NULL, NULL), "other");
	assert_string_equal(classify_provider(c, "", ""), "other");
	assert_string_equal(classify_provider(c, ".", "."), "other");
	classify_free(c);
}

/* The default rules: consumer vs tenant Microsoft, AT&T vs Yahoo. */
static void
test_provider_default(void **state)
{
	struct classify *c = load(NULL);

	(void)state;
	assert_string_equal(classify_provider(c, NULL, "sbcglobal.net"), "att");
	assert_string_equal(classify_provider(c, NULL, "aol.com"), "yahoo");
	assert_string_equal(
	    classify_provider(
	        c, "contoso-com.mail.protection.outlook.com", NULL),
	    "office365");
	assert_string_equal(
	    classify_provider(c, NULL, "googlemail.com"), "google");
	classify_free(c);
}

/* What the regexes see: anchored rules pin the normalised text down. */
static void
test_normalise(void **state)
{
	struct classify *c = load("mx p p.net\n"
	                          "class delivered ^550 5.7.1 a b c d$\n"
	                          "class busy dsn=4.7.650 ^x$\n"
	                          "class ptr provider=p dsn=5.7. ^y$\n"
	                          "class dns dsn=4.4.7 ^z$\n"
	                          "class tls dsn=5.1.1 ^connect to$\n");

	(void)state;
	assert_int_equal(classify_class(c, NULL, NULL,
	                     "host h.example[192.0.2.1] said: 550-5.7.1 a "
	                     "550-5.7.1 b\r\n550-c 550 5.7.1 d (in reply to "
	                     "RCPT TO command)"),
	    CLASS_DELIVERED);
	assert_int_equal(
	    classify_class(c, NULL, NULL, "smtp; 550 5.7.1  a\tb c\n d"),
	    CLASS_DELIVERED);
	assert_int_equal(classify_class(c, "", "4.7.650", "x"), CLASS_BUSY);
	assert_int_equal(classify_class(c, "", "junk", "x"), CLASS_OTHER);
	assert_int_equal(classify_class(c, "P", "5.7.1", "y"), CLASS_PTR);
	assert_int_equal(classify_class(c, "other", "5.7.1", "y"), CLASS_OTHER);
	assert_int_equal(classify_class(c, "p", "4.7.1", "y"), CLASS_OTHER);
	assert_int_equal(classify_class(c, "p", NULL, "y"), CLASS_OTHER);
	/* the expired wrapper's inner reply decides, and its dsn */
	assert_int_equal(classify_class(c, NULL, "4.4.7",
	                     "554 4.4.7 Message expired: unable to deliver in "
	                     "840 minutes.<451 4.7.650 x>"),
	    CLASS_OTHER);
	assert_int_equal(classify_class(c, NULL, "4.4.7", "z"), CLASS_DNS);
	assert_int_equal(classify_class(c, NULL, "5.1.1",
	                     "delivery temporarily suspended: connect to"),
	    CLASS_TLS);
	assert_int_equal(classify_class(c, NULL, NULL, NULL), CLASS_OTHER);
	classify_free(c);
}

/* The status code: the expired reply's, never an IP address. */
static void
test_dsn(void **state)
{
	struct classify *c;

	(void)state;
	c = load("class busy dsn=4.7.650 ^451 4.7.650 x$\n"
	         "class ptr dsn=5.7.606 ^550 5.7.606-649 y$\n"
	         "class dns ^4.16.55.1 z$\n");
	assert_int_equal(classify_class(c, NULL, "4.4.7",
	                     "554 4.4.7 Message expired: unable to deliver in "
	                     "840 minutes.<451 4.7.650 x>"),
	    CLASS_BUSY);
	assert_int_equal(
	    classify_class(c, NULL, NULL, "550 5.7.606-649 y"), CLASS_PTR);
	/* an IP address is no status code */
	assert_int_equal(
	    classify_class(c, NULL, NULL, "4.16.55.1 z"), CLASS_DNS);
	classify_free(c);
}

/*
 * Regex shapes the literal prefilter must see through: each pattern is a
 * rule of its own; the text must match it (or not) exactly as regexec()
 * says, whatever literal the prefilter took from it.
 */
static const struct {
	const char *re, *text;
	bool match;
} prefilter_cases[] = {
    {"a+bc", "xaaabc", true},
    {"ab?cd", "acd", true},
    {"ab*cd", "acd", true},
    {"ab{0,2}cd", "acd", true},
    {"ab{2}cd", "abbcd", true},
    {"ab{,2}cd", "acd", true},
    {"a\\{b", "a{b", true},
    {"(ab){2}cd", "ababcd", true},
    {"(ab){2,3}cd", "ababcd", true},
    {"x(ab)?y", "xy", true},
    {"x\\.y", "x.y", true},
    {"x\\.y", "xzy", false},
    {"ip\\[?[0-9.]+]? blocked", "ip192.0.2.1 blocked", true},
    {"ip\\[?[0-9.]+]? blocked", "ip[192.0.2.1] blocked", true},
    {"\\[(TS03|TSS09)]", "foo [tss09] bar", true},
    {"FOO bar", "a foo BAR b", true},
    {"rate limited|blocked", "you are BLOCKED", true},
    {"rate limited|blocked", "you are rate-limited", false},
    {"(^|[^a-z])RP-00[0-9]", "RP-001 x", true},
    {"[)]abc", ")abc", true},
    {"a[]x]bcd", "a]bcd", true},
    {"a[^]x]bcd", "azbcd", true},
    {"\\<word", "a word", true},
    {"a\\|b", "a|b", true},
    {"ab|", "zz", true},
    {"(a|b)(c|d)ee", "bdee", true},
    {"tls.*required", "TLS is required", true},
    {"^4.7.650$", "4x7y650", true},
    {"^4\\.7\\.650$", "4x7y650", false},
};

static void
test_prefilter(void **state)
{
	char rules[256];
	int bad = 0;

	(void)state;
	for (size_t i = 0;
	     i < sizeof(prefilter_cases) / sizeof(*prefilter_cases); i++) {
		struct classify *c;
		enum reason_class want =
		    prefilter_cases[i].match ? CLASS_IP_BLOCKED : CLASS_OTHER;

		snprintf(rules, sizeof(rules), "class ip_blocked %s\n",
		    prefilter_cases[i].re);
		c = load(rules);
		if (classify_class(c, NULL, "", prefilter_cases[i].text) !=
		    want) {
			print_error("/%s/ on \"%s\": want %s\n",
			    prefilter_cases[i].re, prefilter_cases[i].text,
			    prefilter_cases[i].match ? "a match" : "none");
			bad++;
		}
		classify_free(c);
	}
	assert_int_equal(bad, 0);
}

static void
test_cache(void **state)
{
	struct classify *c = load(NULL);
	struct classify_stats st;
	const char *t = "451 4.7.650 The mail server [192.0.2.7] has been "
	                "temporarily rate limited due to IP reputation.";
	char buf[64];

	(void)state;
	assert_int_equal(
	    classify_class(c, "outlook", NULL, t), CLASS_IP_THROTTLED);
	assert_int_equal(
	    classify_class(c, "outlook", NULL, t), CLASS_IP_THROTTLED);
	assert_int_equal(
	    classify_class(c, "outlook", "4.7.650", t), CLASS_IP_THROTTLED);
	classify_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.entries, 2);
	/* same text, other provider: its own entry and its own answer */
	assert_int_equal(
	    classify_class(c, "google", NULL, "451 4.7.500 x"), CLASS_OTHER);
	assert_int_equal(classify_class(c, "outlook", NULL, "451 4.7.500 x"),
	    CLASS_IP_THROTTLED);
	for (int i = 0; i < 3 * CLASSIFY_CACHE_MAX; i++) {
		snprintf(
		    buf, sizeof(buf), "550 5.1.1 no such user %d", i % 5000);
		assert_int_equal(
		    classify_class(c, "other", NULL, buf), CLASS_UNKNOWN_USER);
	}
	classify_stats(c, &st);
	assert_true(st.entries <= CLASSIFY_CACHE_MAX);
	assert_true(st.evictions > 0);
	assert_int_equal(st.hits + st.misses, 5 + 3 * CLASSIFY_CACHE_MAX);
	assert_true(st.hits > 0);
	classify_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture),
	    cmocka_unit_test(test_heldout),
	    cmocka_unit_test(test_builtin_is_rules_conf),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_provider),
	    cmocka_unit_test(test_provider_default),
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_dsn),
	    cmocka_unit_test(test_prefilter),
	    cmocka_unit_test(test_cache),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
