"""fleetd decides: a Microsoft block line in one relay's log drains that
relay (rule ip-blocked, provider outlook, intent drain, weight 0) and
fleetctl explains it; operators cordon, enable and schedule maintenance
within the capacity floor; a read key changes nothing; every verb's
--json is one JSON document; a restart resumes a drain without firing
again; fleetd -n checks [rule] sections; the notify hook sees FLEET_*.

The agents follow log files the test writes Postfix lines into: no
Postfix runs here. fleetd's tick is 1 s, so every wait has a deadline of
a few seconds (fivefold under FLEET_WRAPPER).
"""
import os
import sqlite3
import time

import pytest

from fleetlab import Lab, postfix_result, wait_for

MS_MX = 'hotmail-com.olc.protection.outlook.com'
# tests/fixtures/responses.tsv: Outlook's block list (S3150)
MS_S3150 = ("550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't "
            "sent. Please contact your Internet service provider since part "
            "of their network is on our block list (S3150). You can also "
            "refer your provider to http://mail.live.com/mail/"
            "troubleshooting.aspx#errors. "
            "[HE1EUR02FT024.eop-EUR02.prod.protection.outlook.com]")
HOLD_IP_BLOCKED = 4 * 3600
RELAYS = ('r1', 'r2', 'r3', 'r4')

NOTIFY_SH = """#!/bin/sh
# appends the FLEET_* environment of each call, then a separator
env | grep '^FLEET_' | sort >> {out}
echo -- >> {out}
"""


def block_line(rcpt='user1@hotmail.com', qid='4F1A2B3C4D'):
    return postfix_result(rcpt, 'bounced', '5.7.1', MS_S3150, mx=MS_MX,
                          mx_ip='52.101.68.4', qid=qid)


def delivered_line(rcpt='user2@example.org', qid='5A6B7C8D9E'):
    return postfix_result(rcpt, 'sent', '2.0.0',
                          '250 2.0.0 Ok: queued as 1234ABCD',
                          mx='mx.example.org', mx_ip='192.0.2.80', qid=qid)


def new_lab(name, policy=None, rules=None):
    lab = Lab(name, policy=policy, rules=rules)
    for i, r in enumerate(RELAYS):
        lab.add_relay(r, f'127.0.0.{21 + i}', hosting='lab-a' if i < 2
                      else 'lab-b')
    return lab


def close(lab):
    bad = lab.close()
    assert not bad, '\n'.join(bad)


def ok_json(lab, *args, operator=None):
    """fleetctl --json ARGS that must succeed: its document."""
    r = lab.ctl_json(*args, operator=operator)
    assert r.returncode == 0, f'{args} -> {r.returncode}: {r.stderr}\n' \
        f'{lab.logs()}'
    return r.doc


def refused(lab, *args, operator=None, says=None):
    """fleetctl ARGS that fleetd must refuse: exit 1, the reason on stderr
    and, with --json, as error.  Returns the reason."""
    r = lab.fleetctl(*args, check=False, operator=operator)
    assert r.returncode == 1, f'{args} -> {r.returncode} (want 1): ' \
        f'{r.stdout}{r.stderr}'
    assert r.stderr.strip(), f'{args}: no reason on stderr'
    if says:
        assert says in r.stderr, f'{args}: {r.stderr!r} lacks {says!r}'
    j = lab.ctl_json(*args, operator=operator)
    assert j.returncode == 1 and j.doc.get('error'), (args, j.doc)
    return r.stderr


def state_of(lab, relay):
    return lab.relay_status()[relay]


def wait_state(lab, relay, state, timeout=10, **want):
    """Waits for relay's status row to be in state (and have the fields
    of want); returns the row."""
    def check():
        row = state_of(lab, relay)
        if row['state'] == state and all(row.get(k) == v
                                         for k, v in want.items()):
            return row
        return None
    try:
        return wait_for(f'{relay} {state} {want}', check, timeout)
    except AssertionError as e:
        raise AssertionError(f'{e}\nrow: {state_of(lab, relay)}\n'
                             f'{lab.logs()}') from None


def events(lab, *args):
    return ok_json(lab, 'events', *args)['events']


def audit_rows(lab):
    """fleetd's audit table: (operator, role, op, detail, result)."""
    db = sqlite3.connect(f'file:{lab.base}/fleetd.db?mode=ro', uri=True)
    try:
        return db.execute('SELECT operator, role, op, detail, result'
                          ' FROM audit ORDER BY id').fetchall()
    finally:
        db.close()


def transitions(evs, relay, to=None):
    return [e for e in evs if e['relay'] == relay and
            e['kind'] == 'transition' and (to is None or e['to'] == to)]


# ---- 1 and 7: a block line drains the relay, explained, notified ---------

@pytest.fixture(scope='module')
def blocked():
    """4 relays, r1's agent follows a log; one S3150 line is written into
    it.  The notify hook appends its FLEET_* environment to a file."""
    lab = new_lab('blocked')
    out = os.path.join(lab.base, 'notified')
    hook = os.path.join(lab.base, 'notify.sh')
    with open(hook, 'w') as f:
        f.write(NOTIFY_SH.format(out=out))
    os.chmod(hook, 0o755)
    lab.policy['notify_command'] = hook
    lab.notified = out
    try:
        lab.start_fleetd()
        lab.start_log_agent('r1')
        wait_for('r1 to report', lambda: state_of(lab, 'r1')['reports'], 10)
        lab.block_at = int(time.time())
        lab.append_log('r1', delivered_line(), block_line())
        lab.drained = wait_state(lab, 'r1', 'drained')
        yield lab
    finally:
        close(lab)


def test_block_drains_the_relay(blocked):
    lab = blocked
    rows = lab.relay_status()
    r1 = rows['r1']
    assert (r1['rule'], r1['provider'], r1['intent'], r1['weight']) == \
        ('ip-blocked', 'outlook', 'drain', 0), r1
    assert lab.block_at - 1 <= r1['since'] <= time.time(), r1
    assert r1['until'] == r1['since'] + HOLD_IP_BLOCKED, r1
    assert r1['worst'] == {'provider': 'outlook', 'class': 'ip_blocked',
                           'count': 1}, r1
    for name in RELAYS[1:]:
        row = rows[name]
        assert (row['state'], row['intent'], row['weight']) == \
            ('active', 'ready', 100), row
        assert row['until'] is None and row['rule'] in (None, ''), row
    # the table has the state columns
    table = lab.fleetctl('status').stdout.splitlines()
    head = table[0].split()
    for col in ('STATE', 'WEIGHT', 'SINCE', 'UNTIL', 'REASON'):
        assert col in head, head
    body = {line.split()[0]: line.split() for line in table[1:]}
    assert body['r1'][head.index('STATE')] == 'drained'
    assert body['r1'][head.index('WEIGHT')] == '0%'
    assert body['r1'][head.index('REASON')] == 'ip-blocked'
    assert body['r2'][head.index('STATE')] == 'active'
    assert body['r2'][head.index('WEIGHT')] == '100%'


def test_show_explains_the_block(blocked):
    lab = blocked
    text = lab.fleetctl('show', 'r1').stdout
    assert MS_S3150 in text, text
    assert 'drained' in text and 'ip-blocked' in text, text
    doc = ok_json(lab, 'show', 'r1')
    assert doc['relay']['name'] == 'r1'
    assert doc['relay']['state'] == 'drained'
    ev = doc['decided_by']
    assert ev is not None, doc
    assert (ev['relay'], ev['kind'], ev['from'], ev['to'], ev['rule'],
            ev['provider'], ev['intent'], ev['weight']) == \
        ('r1', 'transition', 'active', 'drained', 'ip-blocked', 'outlook',
         'drain', 0), ev
    assert ev['until'] == doc['relay']['until'], ev
    assert ev['counts'] and '1 ip_blocked' in ev['counts'] and \
        'outlook' in ev['counts'], ev
    assert ev['window_s'] == 600, ev
    assert 1 <= len(ev['samples']) <= 3, ev
    s = ev['samples'][0]
    assert MS_S3150 in s['text'], s
    assert (s['provider'], s['class'], s['status'], s['dsn']) == \
        ('outlook', 'ip_blocked', 'bounced', '5.7.1'), s
    assert s['first_seen'] and s['last_seen'] >= s['first_seen'], s
    # per-provider health over 5 min / 1 h / 24 h
    health = {h['provider']: h for h in doc['health']}
    assert 'outlook' in health, doc['health']
    spans = [w['span_s'] for w in health['outlook']['windows']]
    assert spans == [300, 3600, 86400], health['outlook']
    w5 = health['outlook']['windows'][0]
    assert (w5['attempts'], w5['bounced'], w5['worst_class']) == \
        (1, 1, 'ip_blocked'), w5
    assert any(MS_S3150 in x['text'] for x in doc['samples']), \
        doc['samples']


def test_events_hold_the_transition(blocked):
    lab = blocked
    evs = events(lab)
    got = transitions(evs, 'r1', 'drained')
    assert len(got) == 1, evs
    e = got[0]
    assert (e['from'], e['rule'], e['provider'], e['intent'],
            e['weight']) == ('active', 'ip-blocked', 'outlook', 'drain', 0)
    assert any(MS_S3150 in s['text'] for s in e['samples']), e
    # nothing happened to the other relays, and the filters work
    assert not [x for x in evs if x['relay'] != 'r1' and
                x['kind'] != 'alert'], evs
    assert events(lab, '--relay', 'r2') == [x for x in evs
                                            if x['relay'] == 'r2']
    assert transitions(events(lab, '--relay', 'r1', '--since', '1h'), 'r1',
                       'drained') == got
    table = lab.fleetctl('events').stdout
    assert 'active->drained' in table and 'ip-blocked' in table, table


def test_notify_command_sees_the_transition(blocked):
    lab = blocked

    def calls():
        if not os.path.exists(lab.notified):
            return None
        with open(lab.notified) as f:
            blocks = f.read().split('--\n')
        envs = [dict(line.split('=', 1) for line in b.splitlines())
                for b in blocks if b.strip()]
        return [e for e in envs if e.get('FLEET_TO') == 'drained'] or None

    try:
        got = wait_for('the notify hook to run', calls, 10)
    except AssertionError as e:
        raise AssertionError(f'{e}\n{lab.logs()}') from None
    assert len(got) == 1, got
    env = got[0]
    until = state_of(lab, 'r1')['until']
    assert env['FLEET_RELAY'] == 'r1', env
    assert env['FLEET_FROM'] == 'active', env
    assert env['FLEET_RULE'] == 'ip-blocked', env
    assert env['FLEET_PROVIDER'] == 'outlook', env
    assert env['FLEET_REASON'], env
    assert str(until) in env['FLEET_UNTIL'] or \
        time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(until)) in \
        env['FLEET_UNTIL'], env


# ---- 2: operator round trips within the floor ----------------------------

def test_drain_enable_maint_round_trips():
    # 4 relays: min_active 3 lets one relay out, max_maintenance 2
    lab = new_lab('verbs', policy={'min_active': 3, 'max_maintenance': 2})
    try:
        lab.start_fleetd()
        t0 = int(time.time())
        doc = ok_json(lab, 'drain', 'r2', '--reason', 'disk swap',
                      '--for', '1h')
        r2 = doc['relay']
        assert (r2['name'], r2['state'], r2['intent'], r2['weight']) == \
            ('r2', 'cordoned', 'drain', 0), doc
        assert t0 + 3600 - 2 <= r2['until'] <= int(time.time()) + 3600 + 2
        assert r2['until'] == r2['since'] + 3600, r2
        assert 'disk swap' in r2['reason'], r2
        ops = [e for e in events(lab, '--relay', 'r2')
               if e['kind'] == 'operator']
        assert [(e['operator'], e['from'], e['to'], e['until'])
                for e in ops] == [('tester', 'active', 'cordoned',
                                   r2['until'])], ops
        assert 'disk swap' in ops[0]['reason'], ops
        assert state_of(lab, 'r2')['until'] == r2['until']
        # a second relay out would break min_active 3
        refused(lab, 'drain', 'r3', '--reason', 'x', says='min_active')
        assert state_of(lab, 'r3')['state'] == 'active'

        doc = ok_json(lab, 'enable', 'r2')
        assert (doc['relay']['state'], doc['relay']['intent'],
                doc['relay']['weight']) == ('probation', 'ready', 10), doc
        assert doc['relay']['until'] is None, doc['relay']
        doc = ok_json(lab, 'enable', 'r2', '--now')
        assert (doc['relay']['state'], doc['relay']['weight']) == \
            ('active', 100), doc
        # enable of an active relay changes nothing and succeeds
        ok_json(lab, 'enable', 'r2')
        assert state_of(lab, 'r2')['state'] == 'active'

        doc = ok_json(lab, 'maint', 'add', 'w1', '--relays', 'r2',
                      '--start', 'now', '--end', '+30m', '--reason', 'x')
        assert [w['name'] for w in doc['windows']] == ['w1'], doc
        row = wait_state(lab, 'r2', 'maintenance', timeout=5,
                         intent='maint', weight=0)
        assert 'w1' in (row['reason'] or '') + (row['rule'] or ''), row
        win = {w['name']: w for w in ok_json(lab, 'maint', 'list')[
            'windows']}['w1']
        assert (win['state'], win['relays'], win['reason'],
                win['created_by']) == ('running', ['r2'], 'x', 'tester'), win
        assert win['end'] - win['start'] in range(1800 - 2, 1800 + 3), win
        # enable is refused while the window runs
        refused(lab, 'enable', 'r2', says='w1')
        doc = ok_json(lab, 'maint', 'cancel', 'w1')
        wait_state(lab, 'r2', 'probation', timeout=5, weight=10,
                   intent='ready')
        win = {w['name']: w for w in ok_json(lab, 'maint', 'list')[
            'windows']}['w1']
        assert win['state'] == 'cancelled', win

        # r2 is in probation (in service): 4 in service.  r1+r3 out would
        # leave 2 < min_active 3; r1+r3+r4 is more than max_maintenance 2
        args = ('--start', 'now', '--end', '+20m', '--reason', 'kernel')
        refused(lab, 'maint', 'add', 'w2', '--relays', 'r1,r3', *args,
                says='min_active')
        refused(lab, 'maint', 'add', 'w3', '--relays', 'r1,r3,r4', *args,
                says='max_maintenance')
        refused(lab, 'maint', 'add', 'w4', '--hosting', 'lab-b', *args,
                says='min_active')
        names = [w['name'] for w in ok_json(lab, 'maint', 'list')['windows']]
        assert 'w2' not in names and 'w3' not in names, names
        for r in ('r1', 'r3', 'r4'):
            assert state_of(lab, r)['state'] == 'active'
        # --force schedules it anyway, and it is audited
        ok_json(lab, 'maint', 'add', 'w2', '--relays', 'r1,r3', *args,
                '--force')
        for r in ('r1', 'r3'):
            wait_state(lab, r, 'maintenance', timeout=5, intent='maint')
        ok_json(lab, 'maint', 'cancel', 'w2')
        for r in ('r1', 'r3'):
            wait_state(lab, r, 'probation', timeout=5)
        # a window in the future is scheduled, not running
        ok_json(lab, 'maint', 'add', 'w5', '--relays', 'r4',
                '--start', '+1h', '--end', '+2h', '--reason', 'later')
        win = {w['name']: w for w in ok_json(lab, 'maint', 'list')[
            'windows']}['w5']
        assert (win['state'], win['relays'], win['hosting']) == \
            ('scheduled', ['r4'], None), win
        assert state_of(lab, 'r4')['state'] == 'active'
        refused(lab, 'maint', 'cancel', 'nosuch')
        refused(lab, 'drain', 'nosuch', '--reason', 'x', says='nosuch')

        evs = events(lab)
        ops = [e for e in evs if e['kind'] == 'operator']
        assert {e['operator'] for e in ops} == {'tester'}, ops
        assert [e['to'] for e in ops if e['relay'] == 'r2'][:3] == \
            ['cordoned', 'probation', 'active'], ops
        # every operator verb is audited, the refused and forced ones too
        audit = audit_rows(lab)
        assert ('tester', 'admin', 'maint add', 'ok') in \
            [(a[0], a[1], a[2], a[4]) for a in audit
             if a[3].startswith('w2') and 'force' in a[3]], audit
        assert [a for a in audit if a[2] == 'drain' and
                a[3].startswith('r3') and 'min_active' in a[4]], audit
    finally:
        close(lab)


# ---- 3: a read key reads and changes nothing -----------------------------

def test_read_role_is_refused_changes():
    lab = new_lab('roles')
    lab.add_operator('viewer', role='read')
    try:
        fleetd = lab.start_fleetd()
        ok_json(lab, 'drain', 'r3', '--reason', 'by admin')
        # r3 is out: 3 in service, the window leaves 2 = min_active (50%)
        ok_json(lab, 'maint', 'add', 'later', '--hosting', 'lab-b',
                '--start', '+1h', '--end', '+2h', '--reason', 'x')
        before = ok_json(lab, 'status')['relays']
        windows = ok_json(lab, 'maint', 'list')['windows']
        nevents = len(events(lab))

        for args in (('status',), ('status', 'r1'), ('show', 'r3'),
                     ('events',), ('events', '--relay', 'r3'), ('agents',),
                     ('maint', 'list')):
            ok_json(lab, *args, operator='viewer')
            r = lab.fleetctl(*args, operator='viewer')
            assert r.stdout, args
        for args in (('drain', 'r1', '--reason', 'x'),
                     ('drain', 'r1', '--reason', 'x', '--force'),
                     ('enable', 'r3'), ('enable', 'r3', '--now'),
                     ('maint', 'add', 'w1', '--relays', 'r2', '--start',
                      'now', '--end', '+30m', '--reason', 'x'),
                     ('maint', 'cancel', 'later')):
            msg = refused(lab, *args, operator='viewer')
            assert 'read' in msg and 'refused' in msg, msg
        # nothing changed
        after = ok_json(lab, 'status')['relays']
        strip = [{k: v for k, v in r.items() if k in (
            'name', 'state', 'since', 'until', 'rule', 'intent', 'weight')}
            for r in before]
        assert strip == [{k: v for k, v in r.items() if k in strip[0]}
                         for r in after]
        assert ok_json(lab, 'maint', 'list')['windows'] == windows
        assert len(events(lab)) == nevents
        assert 'operator=viewer' in fleetd.text() and \
            'refused' in fleetd.text(), fleetd.text()
        denied = [a for a in audit_rows(lab) if a[0] == 'viewer']
        assert len(denied) == 6 * 2 and all(
            a[1] == 'read' and 'refused' in a[4] for a in denied), denied
    finally:
        close(lab)


# ---- 4: every verb's --json is one document; usage errors exit 2 ---------

def test_json_of_every_verb_and_usage_errors():
    lab = new_lab('json')
    try:
        lab.start_fleetd()
        lab.start_log_agent('r1')
        wait_for('r1 to report', lambda: state_of(lab, 'r1')['reports'], 10)
        verbs = [
            ('status',), ('status', 'r2'), ('show', 'r1'), ('agents',),
            ('drain', 'r2', '--reason', 'json test', '--for', '10m'),
            ('enable', 'r2', '--now'),
            ('maint', 'add', 'j1', '--relays', 'r2', '--start', '+1h',
             '--end', '+2h', '--reason', 'json test'),
            ('maint', 'list',), ('maint', 'cancel', 'j1'),
            ('events',), ('events', '--relay', 'r2', '--since', '1h'),
        ]
        for args in verbs:
            doc = ok_json(lab, *args)
            assert isinstance(doc, dict) and 'now' in doc, (args, doc)
        assert [r['name'] for r in ok_json(lab, 'status', 'r2')[
            'relays']] == ['r2']
        agents = {a['relay']: a for a in ok_json(lab, 'agents')['agents']}
        assert set(agents) == set(RELAYS), agents
        assert agents['r1']['key'] == lab.relays['r1']['pub'], agents['r1']
        assert agents['r1']['last_seq'] >= 1 and \
            agents['r1']['agent_version'], agents['r1']
        assert agents['r2']['last_report_at'] is None, agents['r2']
        short = lab.fleetctl('agents').stdout
        assert lab.relays['r1']['pub'][:10] in short and \
            lab.relays['r1']['pub'] not in short, short
        # failures are one document too, with error
        for args in (('show', 'nosuch'), ('status', 'nosuch'),
                     ('maint', 'cancel', 'nosuch'),
                     ('events', '--relay', 'nosuch')):
            r = lab.ctl_json(*args)
            assert r.returncode == 1 and r.doc.get('error'), (args, r.doc)
        usage = [
            ('nosuchverb',), ('status', '--bogus'), ('status', 'a', 'b'),
            ('show',), ('show', 'bad name'),
            ('drain',), ('drain', 'r1'), ('drain', 'r1', '--reason'),
            ('drain', 'r1', '--reason', 'x', '--for', 'soon'),
            ('drain', 'r1', '--reason', 'x', '--for', '0s'),
            ('enable',), ('enable', 'r1', '--later'),
            ('maint',), ('maint', 'frobnicate'), ('maint', 'add'),
            ('maint', 'add', 'w', '--relays', 'r1', '--start', 'now',
             '--end', '+1h'),
            ('maint', 'add', 'w', '--start', 'now', '--end', '+1h',
             '--reason', 'x'),
            ('maint', 'add', 'w', '--relays', 'r1', '--hosting', 'lab-a',
             '--start', 'now', '--end', '+1h', '--reason', 'x'),
            ('maint', 'add', 'w', '--provider', 'outlook', '--start', 'now',
             '--end', '+1h', '--reason', 'x'),
            ('maint', 'add', 'w', '--relays', 'r1', '--start', 'tuesday',
             '--end', '+1h', '--reason', 'x'),
            ('maint', 'add', 'w', '--relays', 'r1', '--start', '+2h',
             '--end', '+1h', '--reason', 'x'),
            ('maint', 'cancel'), ('maint', 'list', 'extra'),
            ('events', '--since', 'yesterday'), ('events', 'r1'),
            ('agents', 'r1'),
        ]
        for args in usage:
            for pre in ((), ('--json',)):
                r = lab.fleetctl(*pre, *args, check=False)
                assert r.returncode == 2, \
                    f'{pre + args} -> {r.returncode} (want 2): ' \
                    f'{r.stdout}{r.stderr}'
                assert r.stderr.strip() and not r.stdout.strip(), \
                    (pre + args, r.stdout, r.stderr)
        # no usage error reached fleetd: nothing changed
        assert not [e for e in events(lab, '--relay', 'r1')
                    if e['kind'] == 'operator'], events(lab)
    finally:
        close(lab)


# ---- 5: a restart resumes the drain and fires nothing again --------------

def test_restart_resumes_a_drain():
    lab = new_lab('restart', policy={'agent_silent': 0})
    try:
        fleetd = lab.start_fleetd()
        lab.start_log_agent('r1')
        wait_for('r1 to report', lambda: state_of(lab, 'r1')['reports'], 10)
        lab.append_log('r1', block_line())
        before = wait_state(lab, 'r1', 'drained', rule='ip-blocked')
        nevents = len(events(lab))
        assert len(transitions(events(lab), 'r1', 'drained')) == 1
        assert fleetd.stop() == 0, lab.logs()
        lab.procs.remove(fleetd)
        # results while fleetd is away wait in the agent's spool
        lab.append_log('r1', delivered_line(qid='6B7C8D9E0F'))
        fleetd = lab.start_fleetd()
        after = state_of(lab, 'r1')
        for k in ('state', 'since', 'until', 'rule', 'provider', 'intent',
                  'weight'):
            assert after[k] == before[k], (k, before, after)
        # the same block again: the relay is held already, no new event
        reports = after['reports']
        lab.append_log('r1', block_line(rcpt='user3@hotmail.com',
                                        qid='7C8D9E0F1A'))
        wait_for('the second block to be stored',
                 lambda: state_of(lab, 'r1')['worst']['count'] == 2, 10)
        # several ticks and Reports later: still nothing new
        now0 = lab.status()['now']
        wait_for('3 ticks and 5 reports after the restart', lambda:
                 lab.status()['now'] >= now0 + 3 and
                 state_of(lab, 'r1')['reports'] >= reports + 5, 15)
        again = state_of(lab, 'r1')
        for k in ('state', 'since', 'until', 'rule', 'provider', 'intent',
                  'weight'):
            assert again[k] == before[k], (k, before, again)
        evs = events(lab)
        assert len(evs) == nevents, evs[-5:]
        assert 'restored' in fleetd.text(), fleetd.text()
        for r in RELAYS[1:]:
            assert state_of(lab, r)['state'] == 'active'
    finally:
        close(lab)


# ---- 6: fleetd -n checks [policy] and [rule] -----------------------------

BAD_RULES = {
    'unknown class': {'bad': {'class': 'no_such_class', 'action': 'block'}},
    'unknown action': {'ip-blocked': {'class': 'ip_blocked',
                                      'action': 'explode'}},
    'action missing': {'mine': {'class': 'ip_throttled', 'count': '2'}},
    'hold over hold_max': {'mine': {'class': 'ip_blocked',
                                    'action': 'block', 'hold': '48h'}},
    'bad name': {'Upper_Case': {'class': 'ip_blocked', 'action': 'block'}},
    'unknown key': {'mine': {'class': 'ip_blocked', 'action': 'block',
                             'colour': 'red'}},
    'count zero': {'mine': {'class': 'ip_blocked', 'action': 'block',
                            'count': '0'}},
    'bad provider': {'mine': {'class': 'ip_blocked', 'action': 'block',
                              'providers': 'Out look!'}},
}

# the [policy] and [rule] of the issue, every key at its default
DEFAULTS = """
[policy]
drain_providers = outlook office365 google yahoo apple
min_active      = 50%        ; a count or a share of the relays
max_maintenance = 6
hold_max        = 24h
ramp            = 10 25 50 100
ramp_step       = 15m
agent_silent    = 3          ; report intervals without a Report -> alert
notify_command  =

[rule ip-blocked]
class     = ip_blocked
providers = outlook office365
count     = 1
window    = 10m
action    = block
hold      = 4h
"""


@pytest.mark.parametrize('case', sorted(BAD_RULES))
def test_fleetd_n_refuses_a_bad_rule(case):
    lab = new_lab('check', rules=BAD_RULES[case])
    try:
        conf = lab.write_fleetd_conf()
        r = lab.fleetd_check(conf)
        assert r.returncode == 1, (case, r.stdout, r.stderr)
        assert conf in r.stderr, (case, r.stderr)
        assert 'rule' in r.stderr, (case, r.stderr)
    finally:
        close(lab)


def test_fleetd_n_accepts_the_defaults():
    lab = new_lab('check')
    try:
        conf = lab.write_fleetd_conf()
        r = lab.fleetd_check(conf)
        assert r.returncode == 0, r.stderr
        assert 'ok' in r.stdout and '7 rules' in r.stdout, r.stdout
        with open(conf, 'a') as f:
            f.write(DEFAULTS)
        r = lab.fleetd_check(conf)
        assert r.returncode == 0, r.stderr
        assert '7 rules' in r.stdout, r.stdout
        # a new rule is added after the built-ins; a bad [policy] refused
        with open(conf, 'a') as f:
            f.write('\n[rule yahoo-throttled]\nclass = ip_throttled\n'
                    'providers = yahoo\ncount = 5\nwindow = 5m\n'
                    'action = suspect\n')
        r = lab.fleetd_check(conf)
        assert r.returncode == 0 and '8 rules' in r.stdout, \
            (r.stdout, r.stderr)
        lab.policy['ramp'] = '10 50 25 100'
        conf = lab.write_fleetd_conf()
        r = lab.fleetd_check(conf)
        assert r.returncode == 1 and conf in r.stderr and \
            'ramp' in r.stderr, r.stderr
    finally:
        close(lab)
