"""Foundation: a real Postfix with mail in its queue, fleetd, agents and
fleetctl on loopback. Queue counts travel agent -> fleetd -> fleetctl; an
agent whose key is not enrolled is refused and fleetd says why; killing
fleetd with SIGKILL mid-stream loses no acked report and stores none twice.
"""
import sqlite3
import time

import pytest

from fleetlab import Lab, free_port, wait_for


@pytest.fixture(scope='module')
def relay_postfix():
    """One Postfix relay whose mail cannot leave (relayhost: a closed port):
    5 messages deferred, 2 of them then put on hold."""
    lab = Lab('postfix')
    pf = lab.postfix('mta', relayhost=f'[127.0.0.1]:{free_port()}')
    try:
        for i in range(5):
            pf.send(f'user{i}@example.com')
        wait_for('5 deferred messages',
                 lambda: [m['queue_name'] for m in pf.queue()] ==
                 ['deferred'] * 5, 30)
        for m in pf.queue()[:2]:
            pf.hold(m['queue_id'])
        yield pf
    finally:
        lab.close()


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    bad = lab.close()
    assert not bad, '\n'.join(bad)


def queue_counts(pf):
    counts = {}
    for m in pf.queue():
        counts[m['queue_name']] = counts.get(m['queue_name'], 0) + 1
    return counts


def stored(lab):
    db = sqlite3.connect(f'file:{lab.base}/fleetd.db?mode=ro', uri=True)
    try:
        return db.execute('SELECT relay, epoch, seq FROM reports').fetchall()
    finally:
        db.close()


def oldest_deferred(pf):
    """Arrival time (unix s) of the oldest message in the deferred queue."""
    return min(m['arrival_time'] for m in pf.queue()
               if m['queue_name'] == 'deferred')


def test_status_shows_queue_counts(lab, relay_postfix):
    lab.add_relay('relay1', '127.0.0.21', hosting='lab-a')
    lab.add_relay('relay2', '127.0.0.22', hosting='lab-b')
    lab.start_fleetd()
    want = queue_counts(relay_postfix)
    assert want == {'deferred': 3, 'hold': 2}
    # an age of 0 is what an agent that never fills it sends: let the oldest
    # deferred message grow at least 2 s old before any scan
    oldest = oldest_deferred(relay_postfix)
    wait_for('the oldest deferred message to be 2 s old',
             lambda: time.time() - oldest >= 2, 5)
    scan_from = int(time.time())
    for r in ('relay1', 'relay2'):
        lab.start_agent(r, relay_postfix)

    def both_reported():
        st = lab.status()
        rows = {r['name']: r for r in st['relays']}
        return rows if all(rows[n]['queue'] for n in rows) else None

    rows = wait_for('both relays to report', both_reported, 20)
    scan_until = int(time.time())
    assert set(rows) == {'relay1', 'relay2'}, lab.logs()
    for name, row in rows.items():
        q = row['queue']
        assert q['valid'], (name, q)
        assert (q['deferred'], q['hold'], q['active'], q['incoming']) == \
            (want['deferred'], want['hold'], 0, 0), (name, q)
        assert row['last_report_age'] is not None and row['reports'] >= 1
        # the scan ran between the agent's start and now: its age of the
        # oldest deferred message (not of a held one) is in between
        assert scan_from - oldest <= q['oldest_deferred_age'] <= \
            scan_until - oldest, (name, q, scan_from - oldest,
                                  scan_until - oldest)

    table = lab.fleetctl('status').stdout.splitlines()
    assert table[0].split()[:3] == ['RELAY', 'IP', 'HOSTING']
    body = {line.split()[0]: line.split() for line in table[1:]}
    assert body['relay1'][1:3] == ['127.0.0.21', 'lab-a']
    assert body['relay2'][1:3] == ['127.0.0.22', 'lab-b']
    # DEFERRED and HOLD columns carry the same numbers as the JSON
    head = table[0].split()
    for name in ('relay1', 'relay2'):
        assert body[name][head.index('DEFERRED')] == str(want['deferred'])
        assert body[name][head.index('HOLD')] == str(want['hold'])
    one = lab.fleetctl('--json', 'status', 'relay2').stdout
    assert '"relay1"' not in one and '"relay2"' in one
    r = lab.fleetctl('status', 'nosuch', check=False)
    assert r.returncode == 1 and 'no relay named nosuch' in r.stderr


def test_unenrolled_agent_refused(lab, relay_postfix):
    lab.add_relay('relay1', '127.0.0.21')
    lab.add_relay('intruder', '127.0.0.99', enrolled=False)
    fleetd = lab.start_fleetd()
    lab.start_agent('relay1', relay_postfix)
    bad = lab.start_agent('intruder', relay_postfix)
    pub = lab.relays['intruder']['pub']
    wait_for('fleetd to log the refusal',
             lambda: 'key not allowed' in fleetd.text() and
             pub in fleetd.text(), 20)
    wait_for('the agent to log the refusal',
             lambda: 'key not allowed' in bad.text(), 20)
    wait_for('relay1 to report', lambda: stored(lab), 20)
    assert {row[0] for row in stored(lab)} == {'relay1'}
    names = [r['name'] for r in lab.status()['relays']]
    assert names == ['relay1']
    assert bad.alive(), 'a refused agent keeps running and retrying'
    assert lab.spooled('intruder'), 'its reports wait in its spool'


def test_kill9_loses_nothing(lab, relay_postfix):
    lab.add_relay('relay1', '127.0.0.21')
    lab.add_relay('relay2', '127.0.0.22')
    fleetd = lab.start_fleetd()
    # a short request timeout: a send to the dead fleetd blocks the agent's
    # worker that long, and the test wants reports cut during the downtime
    agents = {r: lab.start_agent(r, relay_postfix, interval='100ms',
                                 timeout='300ms')
              for r in ('relay1', 'relay2')}
    wait_for('reports to flow', lambda: len(stored(lab)) >= 10, 20)
    fleetd.kill9()
    lab.procs.remove(fleetd)  # killed on purpose: close() must not count -9
    seq_at_kill = {r: int(lab.agent_state(r)['last_seq']) for r in agents}

    def last_seq(r):
        return int(lab.agent_state(r)['last_seq'])

    # while fleetd is down the agents keep cutting reports into the spool
    wait_for('6 reports cut by each agent while fleetd is down',
             lambda: all(last_seq(r) > seq_at_kill[r] + 5 and lab.spooled(r)
                         for r in agents), 10)
    down_seq = {r: last_seq(r) for r in agents}
    fleetd = lab.start_fleetd()

    def stored_max(r):
        return max((s for (rel, _ep, s) in stored(lab) if rel == r),
                   default=0)

    # the restarted fleetd takes the spooled reports, and new ones
    wait_for('the restarted fleetd to store reports cut after the outage',
             lambda: all(stored_max(r) > down_seq[r] for r in agents), 20)
    for a in agents.values():
        assert a.stop() == 0, lab.logs()
    # the agents stopped: whatever is still spooled was never acked; start
    # them once more to drain it, then stop for good
    for r in agents:
        a = lab.start_agent(r, relay_postfix, interval='1h')
        a.wait_log('agent: started')
        wait_for(f'{r} spool to drain', lambda: not lab.spooled(r), 20)
        assert a.stop() == 0
    rows = stored(lab)
    for r in agents:
        st = lab.agent_state(r)
        epoch = int(st['epoch'], 16)
        if epoch >= 1 << 63:
            epoch -= 1 << 64
        seqs = sorted(s for (rel, ep, s) in rows if rel == r and ep == epoch)
        last = int(st['last_seq'])
        assert len(seqs) == len(set(seqs)), f'{r}: duplicates'
        assert seqs == list(range(1, last + 1)), \
            f'{r}: stored {len(seqs)} of {last}, gaps: ' \
            f'{sorted(set(range(1, last + 1)) - set(seqs))[:10]}'
    assert fleetd.stop() == 0, lab.logs()
