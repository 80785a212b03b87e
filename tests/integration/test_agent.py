"""The agent's eyes: a real Postfix relay delivers to smtp-sink receivers
that answer with real receiver texts; fleet-agent follows the Postfix log,
classifies every result by provider and reason class, and its Reports reach
fleetd with the right counts and the verbatim samples. An IP block sends a
Report at once; a restart neither loses nor double-counts a log line.
"""
import os
import sqlite3
import subprocess
import types

import pytest

from fleetlab import Lab, free_port, wait_for

MS_451 = ('451 4.7.650 The mail server [127.0.0.21] has been temporarily '
          'rate limited due to IP reputation. For e-mail delivery '
          'information, see https://aka.ms/postmaster (S775)')
MS_S3150 = ("550 5.7.1 Unfortunately, messages from [127.0.0.21] weren't "
            "sent. Please contact your Internet service provider since part "
            "of their network is on our block list (S3150). You can also "
            "refer your provider to "
            "http://mail.live.com/mail/troubleshooting.aspx#errors.")
TSS04 = ('421 4.7.0 [TSS04] Messages from 127.0.0.21 temporarily deferred '
         'due to unexpected volume or user complaints - 4.16.55.1; see '
         'https://postmaster.yahooinc.com/error-codes')
QUOTA = ('452 4.2.2 The email account that you tried to reach is over '
         'quota. Please direct the recipient to '
         'https://support.google.com/mail/?p=OverQuotaTemp - gsmtp')
UNKNOWN = ('550 5.1.1 <x@unknown.test>: Recipient address rejected: User '
           'unknown in virtual mailbox table')

# recipient domain -> (smtp-sink options, messages, provider, class, status)
CASES = {
    'hotmail.com': (['-r', 'RCPT', '-b', MS_451], 3,
                    'outlook', 'ip_throttled', 'deferred'),
    'outlook.com': (['-f', 'RCPT', '-B', MS_S3150], 1,
                    'outlook', 'ip_blocked', 'bounced'),
    'yahoo.com': (['-r', 'MAIL', '-b', TSS04], 2,
                  'yahoo', 'ip_throttled', 'deferred'),
    'gmail.com': (['-r', '.', '-b', QUOTA], 1,
                  'google', 'mailbox_full', 'deferred'),
    'unknown.test': (['-f', 'RCPT', '-B', UNKNOWN], 1,
                     'other', 'unknown_user', 'bounced'),
    'ok.test': ([], 2, 'other', 'delivered', 'sent'),
    'refused.test': (None, 1, 'other', 'network', 'deferred'),
    # no greeting within smtp_helo_timeout (2 s in the lab)
    'slow.test': (['-W', 'CONNECT:30'], 1, 'other', 'network', 'deferred'),
}


@pytest.fixture
def lab():
    lab = Lab('agent')
    yield lab
    bad = lab.close()
    assert not bad, '\n'.join(bad)


def counters(lab, relay):
    db = sqlite3.connect(f'file:{lab.base}/fleetd.db?mode=ro', uri=True)
    try:
        rows = db.execute(
            'SELECT c.provider, c.class, c.status, sum(c.count)'
            ' FROM counters c JOIN reports r ON r.id = c.report_id'
            ' WHERE r.relay = ? GROUP BY 1, 2, 3', (relay,)).fetchall()
        samples = db.execute(
            'SELECT s.provider, s.class, s.text FROM samples s'
            ' JOIN reports r ON r.id = s.report_id WHERE r.relay = ?',
            (relay,)).fetchall()
    finally:
        db.close()
    names = {2: 'ip_blocked', 3: 'ip_throttled', 1: 'delivered', 6: 'network',
             13: 'mailbox_full', 14: 'unknown_user'}
    status = {1: 'sent', 2: 'deferred', 3: 'bounced', 4: 'expired'}
    got = {(p, names.get(c, str(c)), status[s]): n for p, c, s, n in rows}
    return got, samples


def test_reports_carry_classified_results(lab):
    transport = {}
    for dom, (opts, *_rest) in CASES.items():
        port = free_port()
        if opts is not None:
            lab.sink(f'127.0.0.1:{port}', *opts)
        transport[dom] = f'127.0.0.1:{port}'
    # the non-delivery notices of the two bounces go to the sender's domain
    transport['lab.test'] = transport['ok.test']
    pf = lab.postfix('relay1', bind_ip='127.0.0.21', transport=transport)
    lab.add_relay('relay1', '127.0.0.21')
    lab.start_fleetd()
    # a long interval: only an IP block or throttle makes a Report now
    agent = lab.start_agent('relay1', pf, interval='1h',
                            extra=f'maillog = {pf.log}\n')
    agent.wait_log('agent: started')
    for dom, (_o, n, *_r) in CASES.items():
        for i in range(n):
            pf.send(f'user{i}@{dom}')
    want = {}
    for _o, n, p, c, s in CASES.values():
        want[(p, c, s)] = want.get((p, c, s), 0) + n
    want[('other', 'delivered', 'sent')] += 2  # the two bounce notices

    def throttled_reported():
        got, _ = counters(lab, 'relay1')
        return got.get(('outlook', 'ip_throttled', 'deferred'))

    wait_for('an immediate report of the Microsoft throttle',
             throttled_reported, 20)
    # wait until Postfix tried every message once, then restart the agent
    # with a short interval: lines read but not yet reported before the
    # stop are read again from the committed cursor, exactly once
    wait_for('every delivery attempt in the log',
             lambda: sum(open(pf.log).read().count(f'@{d}>, relay=')
                         for d in CASES)
             >= sum(c[1] for c in CASES.values()), 30)
    assert agent.stop() == 0, lab.logs()
    agent = lab.start_agent('relay1', pf, interval='300ms',
                            extra=f'maillog = {pf.log}\n')
    wait_for('all results reported', lambda: counters(lab, 'relay1')[0] ==
             want or None, 20)
    got, samples = counters(lab, 'relay1')
    assert got == want
    texts = {(p, c): t for p, c, t in samples}
    assert MS_451 in texts[('outlook', 3)]
    assert 'S3150' in texts[('outlook', 2)]
    assert 'TSS04' in texts[('yahoo', 3)]
    st = {r['name']: r for r in lab.status()['relays']}['relay1']
    assert st['worst'] == {'provider': 'outlook', 'class': 'ip_throttled',
                           'count': 3}
    # the queue snapshots follow what waits in the deferred queue
    wait_for('the deferred queue in a report', lambda: {
        r['name']: r for r in lab.status()['relays']}['relay1']['queue'][
        'deferred'] == 3 + 2 + 1 + 1 + 1, 10)
    by = {r['name']: r for r in lab.status()['relays']}['relay1']['queue'][
        'deferred_by']
    assert by == {'outlook/ip_throttled': 3, 'yahoo/ip_throttled': 2,
                  'google/mailbox_full': 1, 'other/network': 2}


def test_summarize_matches_generator(tmp_path):
    """fleet-agent summarize on a generated log equals its ground truth."""
    import json
    import os
    from fleetlab import BUILD, TOP
    log = tmp_path / 'mail.log'
    with open(log, 'w') as out, open(tmp_path / 'truth', 'w') as truth:
        subprocess.run(['python3', os.path.join(TOP, 'tests', 'tools',
                                                'gen-maillog'),
                        '--messages', '3000', '--seed', '7'],
                       stdout=out, stderr=truth, check=True)
    truth = json.load(open(tmp_path / 'truth'))
    r = subprocess.run([os.path.join(BUILD, 'fleet-agent'), 'summarize',
                        '--json', str(log)], capture_output=True, text=True,
                       check=True)
    got = json.loads(r.stdout)
    assert got['by'] == truth['by']
    for k in ('sent', 'deferred', 'bounced'):
        assert got['results'][k] == truth[k]
    assert got['lines'] == sum(1 for _ in open(log))
    assert got['malformed'] == 0
    table = subprocess.run([os.path.join(BUILD, 'fleet-agent'), 'summarize',
                            str(log)], capture_output=True, text=True,
                           check=True).stdout
    rows = [l.split() for l in table.splitlines() if l.count(' ') > 3]
    classes = [r[1] for r in rows if len(r) == 4 and r[3].isdigit()]
    # attention first: IP classes before the rest, deliveries last
    ip = [i for i, c in enumerate(classes) if c in ('ip_blocked',
                                                    'ip_throttled', 'ptr')]
    assert ip and max(ip) < classes.index('delivered')


def test_self_checks_reach_fleetd(lab):
    """PTR, forward-confirmed rDNS, HELO, a DNSBL listing and the Postfix
    master, checked against a real dnsmasq on loopback, arrive in fleetd."""
    port = free_port()
    dns = subprocess.Popen(
        ['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null',
         '--no-resolv', '--no-hosts', f'--port={port}',
         '--listen-address=127.0.0.1', '--bind-interfaces',
         '--pid-file=', '--local=/test/', '--local=/127.in-addr.arpa/',
         '--ptr-record=21.0.0.127.in-addr.arpa,relay1.lab.test',
         '--host-record=relay1.lab.test,127.0.0.21',
         '--address=/bl.test/127.0.0.2', '--local=/clean.test/'],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lab.procs.append(dns)
    pf = lab.postfix('relay1', bind_ip='127.0.0.21',
                     relayhost=f'[127.0.0.1]:{free_port()}')
    lab.add_relay('relay1', '127.0.0.21')
    lab.start_fleetd()
    lab.start_agent('relay1', pf, extra=(
        f'maillog = {pf.log}\nrelay_ip = 127.0.0.21\n'
        f'resolver = 127.0.0.1:{port}\nhelo_name = relay1.lab.test\n'
        'dnsbl = bl.test clean.test\n'))

    def checks():
        db = sqlite3.connect(f'file:{lab.base}/fleetd.db?mode=ro', uri=True)
        try:
            rows = db.execute('SELECT name, state, detail FROM checks'
                              ).fetchall()
        finally:
            db.close()
        return {n: (s, d) for n, s, d in rows} or None

    got = wait_for('check results in fleetd', checks, 20)
    ok, fail = 1, 2
    assert got['ptr'] == (ok, 'relay1.lab.test'), got
    assert got['fcrdns'][0] == ok and got['helo'][0] == ok, got
    assert got['dnsbl:bl.test'][0] == fail, got
    assert '127.0.0.2' in got['dnsbl:bl.test'][1]
    assert got['dnsbl:clean.test'][0] == ok, got
    assert got['master'][0] == ok, got


def argv_of(pid):
    """The command line of process pid, or None once it is gone."""
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return [a.decode(errors='replace')
                    for a in f.read().split(b'\0')[:-1]]
    except OSError:
        return None


def children_of(pid):
    """pid -> argv of the live processes whose parent is pid."""
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        argv = argv_of(d) if ppid == pid else None
        if argv:  # a zombie has an empty command line
            out[int(d)] = argv
    return out


def test_stop_cuts_a_slow_queue_scan_short(lab):
    """A stop does not wait out a queue scan (postqueue on a huge queue can
    take a minute; the scan's own timeout is 60 s): the agent kills
    postqueue, exits 0 at once, and logs nothing after the stop (a cut scan
    is not a failed one)."""
    fake = os.path.join(lab.base, 'postqueue')
    with open(fake, 'w') as f:
        f.write('#!/bin/sh\n# stand-in for a postqueue that takes long\n'
                'printf \'{"queue_name":"hold"}\\n\'\nexec sleep 317\n')
    os.chmod(fake, 0o755)
    lab.add_relay('relay1', '127.0.0.21')
    lab.start_fleetd()
    agent = lab.start_agent('relay1', types.SimpleNamespace(conf=lab.base),
                            interval='1h', extra=f'postqueue = {fake}\n')
    agent.wait_log('agent: started')

    def scanning():
        return [pid for pid, argv in children_of(agent.proc.pid).items()
                if argv == ['sleep', '317']]
    # the stand-in printed its line and became the agent's "sleep 317"
    [scan] = wait_for('the queue scan to be running', scanning, 10)
    assert agent.stop() == 0, lab.logs()  # 10 s (50 s under valgrind)
    # the agent is gone; so is its child, killed and reaped, not orphaned
    assert argv_of(scan) != ['sleep', '317'], 'postqueue left running'
    # the stop, not a scan result, is the last thing the agent logged (the
    # log also holds what FLEET_WRAPPER prints, such as valgrind's lines)
    own = [line for line in agent.text().splitlines()
           if f' fleet-agent[{agent.proc.pid}]: ' in line]
    assert own[-1].endswith('agent: Terminated received, stopping'), \
        agent.text()
