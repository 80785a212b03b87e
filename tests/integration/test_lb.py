"""fleetd drives real load balancers: a real HAProxy 2.6 over its admin
socket (drain, ramp back by weight, a reload that loses the runtime state,
a socket that is not there yet, an error reply), the exec and file
drivers, two HAProxies at once, and fleetd -n on [lb] sections.

No health checks run in HAProxy: what a server's state is comes from the
runtime API alone, i.e. from fleetd.  Policy timings are compressed
(ramp_step 1 s, resync 2 s), so every wait has a deadline of a few
seconds (fivefold under FLEET_WRAPPER).
"""
import json
import os
import socket
import time

import pytest

from fleetlab import SLOW, Lab, free_port, postfix_result, wait_for

MS_MX = 'hotmail-com.olc.protection.outlook.com'
MS_S3150 = ("550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't "
            "sent. Please contact your Internet service provider since part "
            "of their network is on our block list (S3150). You can also "
            "refer your provider to http://mail.live.com/mail/"
            "troubleshooting.aspx#errors. "
            "[HE1EUR02FT024.eop-EUR02.prod.protection.outlook.com]")
RELAYS = ('r1', 'r2', 'r3', 'r4')
# min_active 1: the capacity floor stays out of the way of these tests
POLICY = {'ramp': '10 25 50 100', 'ramp_step': '1s', 'min_active': 1}
RESYNC = 2  # s, [lb] resync of every section here
DRAIN, MAINT = 8, 1  # srv_admin_state bits (forced drain, forced maint)


def new_lab(name, lb_server=None, **lab_kw):
    """4 relays r1..r4 on be_smtp/s1..s4 (lb_server: relay -> another
    value) and the compressed policy."""
    lab = Lab(name, policy=dict(POLICY), **lab_kw)
    for i, r in enumerate(RELAYS):
        lab.add_relay(r, f'127.0.0.{21 + i}',
                      lb_server=(lb_server or {}).get(r, f'be_smtp/s{i + 1}'))
    return lab


def idle_servers(n=4):
    """Addresses nothing listens on: fine without health checks, for
    tests that send no mail through HAProxy."""
    return [f'127.0.0.1:{free_port()}' for _ in range(n)]


def haproxy_lb(lab, name, h):
    lab.lbs[name] = {'driver': 'haproxy', 'socket': h.sock,
                     'resync': f'{RESYNC}s', 'timeout': '2s'}


def close(lab):
    bad = lab.close()
    assert not bad, '\n'.join(bad)


def ok_json(lab, *args):
    r = lab.ctl_json(*args)
    assert r.returncode == 0, f'{args} -> {r.returncode}: {r.stderr}\n' \
        f'{lab.logs()}'
    return r.doc


def lb_status(lab, name):
    """fleetctl --json lb: the entry of load balancer name."""
    lbs = {x['name']: x for x in ok_json(lab, 'lb')['lbs']}
    return lbs[name]


def lb_events(lab, name, relay=None, text=None):
    """fleetd's events of kind lb of section name (relay: of that relay,
    '' for the load balancer itself; text: in the reason)."""
    return [e for e in ok_json(lab, 'events')['events']
            if e['kind'] == 'lb' and e['rule'] == f'lb:{name}' and
            (relay is None or (e['relay'] or '') == relay) and
            (text is None or text in (e['reason'] or ''))]


def wait(lab, what, pred, timeout=10, interval=0.1):
    """wait_for with every log in the failure."""
    try:
        return wait_for(what, pred, timeout, interval)
    except AssertionError as e:
        raise AssertionError(f'{e}\n{lab.logs()}') from None


def wait_admin(lab, h, srv, admin, timeout=5):
    return wait(lab, f'{h.name} {srv} admin state {admin}',
                lambda: h.server(srv)['admin'] == admin, timeout, 0.05)


def wait_in_sync(lab, name, timeout=10):
    def check():
        s = lb_status(lab, name)
        return s if s['last_success_at'] and s['out_of_sync'] == 0 else None
    return wait(lab, f'lb {name} in sync', check, timeout)


class Session:
    """An SMTP client through HAProxy's frontend; server is the backend
    server that answered (smtp-sink -h sN puts sN in its banner)."""

    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port),
                                             timeout=5 * SLOW)
        self.rf = self.sock.makefile('rb')
        self.banner = self.rf.readline().decode()
        assert self.banner.startswith('220 '), self.banner
        self.server = self.banner.split()[1]

    def say(self, line):
        """Sends line; the whole reply (every line of a multi-line one)."""
        self.sock.sendall(line.encode() + b'\r\n')
        reply = ''
        while True:
            got = self.rf.readline().decode()
            reply += got
            if len(got) < 4 or got[3] != '-':
                return reply

    def quit(self):
        reply = self.say('QUIT')
        self.rf.close()
        self.sock.close()
        return reply


# ---- 1: drain keeps open sessions and takes no new one; enable ramps ------

def test_drain_then_enable_ramps_the_weight():
    lab = new_lab('lb-drain')
    sessions = []
    try:
        ports = [free_port() for _ in RELAYS]
        for i, port in enumerate(ports, 1):
            lab.sink(f'127.0.0.1:{port}', '-h', f's{i}')
        for port in ports:
            wait(lab, f'smtp-sink on {port}', lambda p=port: lab.port_open(p))
        h = lab.haproxy('edge1', [f'127.0.0.1:{p}' for p in ports])
        haproxy_lb(lab, 'edge1', h)
        lab.start_fleetd()
        wait_in_sync(lab, 'edge1')
        # sessions opened before the drain: roundrobin puts 2 on each
        sessions = [Session(h.port) for _ in range(8)]
        on_s2 = [s for s in sessions if s.server == 's2']
        assert len(on_s2) == 2, [s.banner for s in sessions]
        before = h.stat()['s2']

        t0 = time.monotonic()
        ok_json(lab, 'drain', 'r2', '--reason', 'x')
        wait_admin(lab, h, 's2', DRAIN)
        print(f'\ndrain r2 -> s2 in drain: {time.monotonic() - t0:.3f} s')
        stat = h.stat()['s2']
        assert stat['status'] == 'DRAIN' and stat['scur'] == '2', stat
        # new connections avoid s2
        fresh = [Session(h.port) for _ in range(12)]
        got = sorted(s.server for s in fresh)
        assert 's2' not in got and set(got) == {'s1', 's3', 's4'}, got
        for s in fresh:
            assert s.quit().startswith('221'), s.banner
        after = h.stat()['s2']
        assert (after['stot'], after['lbtot']) == \
            (before['stot'], before['lbtot']), (before, after)
        # the sessions on s2 from before the drain go on and end normally
        for s in on_s2:
            assert s.say('NOOP').startswith('250'), s.banner
            assert s.say('EHLO client.lab.test').startswith('250'), s.banner
            assert s.quit().startswith('221'), s.banner
        wait(lab, 's2 without sessions',
             lambda: h.stat()['s2']['scur'] == '0', 5)
        others = {r['srv_name']: r for r in h.servers() if
                  r['srv_name'] != 's2'}
        assert all((r['admin'], r['uweight']) == (0, 100)
                   for r in others.values()), others

        # enable: probation 10% then 25, 50, 100 each ramp_step
        ok_json(lab, 'enable', 'r2')
        samples = []

        def ramped():
            row = h.server('s2')
            samples.append((row['admin'], row['uweight']))
            return row['admin'] == 0 and row['uweight'] == 100
        wait(lab, 's2 ready at 100', ramped, 15, 0.05)
        ready = [w for a, w in samples if a == 0]
        steps = [w for i, w in enumerate(ready) if i == 0 or
                 w != ready[i - 1]]
        print(f'enable r2 -> s2 weights seen while ready: {steps} '
              f'({len(samples)} samples)')
        assert steps == [10, 25, 50, 100], samples
        assert all(a in (0, DRAIN) for a, _ in samples), samples
        # one step at 100 ends probation; HAProxy has nothing more to do
        wait(lab, 'r2 active', lambda: lab.relay_status()['r2']['state'] ==
             'active', 5)
        assert lab.relay_status()['r2']['weight'] == 100
        assert wait_in_sync(lab, 'edge1')['failures'] == 0
        assert (h.server('s2')['admin'], h.server('s2')['uweight']) == \
            (0, 100)
    finally:
        for s in sessions:
            try:
                s.quit()
            except OSError:
                pass
        close(lab)


# ---- 2: a block line drains the relay on HAProxy at once -------------------

def test_block_line_drains_the_server_at_once():
    lab = new_lab('lb-block')
    try:
        h = lab.haproxy('edge1', idle_servers())
        haproxy_lb(lab, 'edge1', h)
        fleetd = lab.start_fleetd()
        wait_in_sync(lab, 'edge1')
        lab.start_log_agent('r1')
        wait(lab, 'r1 to report',
             lambda: lab.relay_status()['r1']['reports'], 10)
        decided = 'policy: relay=r1 transition active -> drained'
        seen = {}

        def drained():
            now = time.monotonic()
            if 'log' not in seen and decided in fleetd.text():
                seen['log'] = now
            if 'lb' not in seen and h.server('s1')['admin'] == DRAIN:
                seen['lb'] = now
            return len(seen) == 2
        t0 = time.monotonic()
        lab.append_log('r1', postfix_result(
            'user1@hotmail.com', 'bounced', '5.7.1', MS_S3150, mx=MS_MX,
            mx_ip='52.101.68.4'))
        wait(lab, 'fleetd to decide and s1 to be drained', drained, 5,
             0.02)
        print(f'\nblock line -> fleetd decides: {seen["log"] - t0:.3f} s;'
              f' -> s1 in drain: {seen["lb"] - t0:.3f} s')
        assert seen['lb'] - t0 < 5 * SLOW, seen
        assert seen['lb'] - seen['log'] < 1 * SLOW, seen
        rows = {r['srv_name']: r for r in h.servers()}
        assert [rows[s]['admin'] for s in ('s2', 's3', 's4')] == [0, 0, 0]
        row = lab.relay_status()['r1']
        assert (row['state'], row['intent']) == ('drained', 'drain'), row
        st = wait_in_sync(lab, 'edge1')
        assert st['applied'] >= 1 and st['failures'] == 0, st
        assert all(r['lb'] == [] for r in lab.status()['relays']), \
            lab.status()['relays']
        # fail-static: a stopping fleetd leaves HAProxy as it is
        assert fleetd.stop() == 0, lab.logs()
        assert [r['admin'] for r in h.servers()] == [DRAIN, 0, 0, 0]
    finally:
        close(lab)


# ---- 3: a reload loses the drain; fleetd puts it back (drift) --------------

def test_reload_drift_is_put_back():
    lab = new_lab('lb-reload')
    try:
        h1 = lab.haproxy('edge1', idle_servers())
        h2 = lab.haproxy('edge2', idle_servers(), state_file=True)
        haproxy_lb(lab, 'edge1', h1)
        haproxy_lb(lab, 'edge2', h2)
        lab.start_fleetd()
        ok_json(lab, 'drain', 'r1', '--reason', 'x')
        for h in (h1, h2):
            wait_admin(lab, h, 's1', DRAIN)
            wait_in_sync(lab, h.name)
        assert lb_status(lab, 'edge1')['drift'] == 0

        # edge1 restarts with nothing but its config: s1 ready again
        t0 = time.monotonic()
        h1.reload()
        first = h1.server('s1')
        wait_admin(lab, h1, 's1', DRAIN, RESYNC + 3)
        took = time.monotonic() - t0
        print(f'\nreload (s1 then {first}) -> s1 in drain again: '
              f'{took:.3f} s')
        evs = wait(lab, 'a drift event', lambda: lb_events(
            lab, 'edge1', 'r1', 'drift'), 5)
        assert len(evs) == 1, evs
        st = wait_in_sync(lab, 'edge1')
        assert st['drift'] >= 1, st

        # edge2 keeps its state across a reload: no drift there
        h2.reload()
        assert h2.server('s1')['admin'] == DRAIN
        rounds = lb_status(lab, 'edge2')['rounds']
        wait(lab, 'two more rounds on edge2',
             lambda: lb_status(lab, 'edge2')['rounds'] >= rounds + 2,
             2 * RESYNC + 5)
        st = lb_status(lab, 'edge2')
        assert st['drift'] == 0 and st['out_of_sync'] == 0, st
        assert not lb_events(lab, 'edge2', text='drift')
        assert h2.server('s1')['admin'] == DRAIN
    finally:
        close(lab)


# ---- 4: HAProxy not there at start; applied once it answers ----------------

def test_socket_absent_at_start():
    lab = new_lab('lb-absent')
    try:
        h = lab.haproxy('edge1', idle_servers(), start=False)
        haproxy_lb(lab, 'edge1', h)
        fleetd = lab.start_fleetd()
        assert len(lab.status()['relays']) == 4

        def failing():
            s = lb_status(lab, 'edge1')
            return s if 'connect' in (s.get('last_error') or '') and \
                s['out_of_sync'] > 0 else None
        st = wait(lab, 'lb edge1 to fail', failing, 5)
        assert st['last_success_at'] is None and st['failures'] >= 1, st
        assert h.sock in st['last_error'], st
        evs = wait(lab, 'an lb event', lambda: lb_events(
            lab, 'edge1', '', 'connect'), 5)
        assert h.sock in evs[0]['reason'], evs
        text = lab.fleetctl('lb').stdout
        assert 'edge1' in text and 'never' in text and \
            'out of sync' in text and 'connect' in text, text

        ok_json(lab, 'drain', 'r3', '--reason', 'x')
        t0 = time.monotonic()
        h.start()
        wait_admin(lab, h, 's3', DRAIN, RESYNC + 3)
        print(f'\nHAProxy up -> s3 in drain: {time.monotonic() - t0:.3f} s')
        st = wait_in_sync(lab, 'edge1')
        assert st['last_success_at'] >= st['last_error_at'], st
        assert [r['admin'] for r in h.servers()] == [0, 0, DRAIN, 0]
        wait(lab, 'an "answers again" event', lambda: lb_events(
            lab, 'edge1', '', 'answers again'), 5)
        text = lab.fleetctl('lb').stdout
        assert 'in sync' in text and 'never' not in text, text
        assert fleetd.alive()
    finally:
        close(lab)


# ---- 5: an error reply fails that relay only -------------------------------

def test_error_reply_is_reported():
    lab = new_lab('lb-nosuch', lb_server={'r4': 'be_smtp/nosuch'})
    try:
        h = lab.haproxy('edge1', idle_servers(3))
        haproxy_lb(lab, 'edge1', h)
        fleetd = lab.start_fleetd()
        evs = wait(lab, 'an lb event about r4', lambda: lb_events(
            lab, 'edge1', 'r4', 'No such server.'), 5)
        assert len(evs) == 1, evs
        # the other relays are applied all the same
        ok_json(lab, 'drain', 'r2', '--reason', 'x')
        wait_admin(lab, h, 's2', DRAIN)
        rounds = lb_status(lab, 'edge1')['rounds']
        wait(lab, 'two more rounds',
             lambda: lb_status(lab, 'edge1')['rounds'] >= rounds + 2,
             2 * RESYNC + 5)
        assert fleetd.alive()
        st = lb_status(lab, 'edge1')
        assert st['out_of_sync'] == 1 and st['failures'] >= 1, st
        assert 'No such server.' in st['last_error'], st
        # a failure that does not change is one event, not one per round
        assert len(lb_events(lab, 'edge1', 'r4', 'No such server.')) == 1
        rows = lab.relay_status()
        lb = rows['r4']['lb']
        assert len(lb) == 1 and lb[0]['lb'] == 'edge1', lb
        assert (lb[0]['known'], lb[0]['target']) == \
            (False, 'be_smtp/nosuch'), lb
        assert 'No such server.' in lb[0]['error'], lb
        assert [rows[r]['lb'] for r in ('r1', 'r2', 'r3')] == [[], [], []]
    finally:
        close(lab)


# ---- 6: exec and file drivers, two HAProxies at once -----------------------

EXEC_SH = """#!/bin/sh
# one line per call: the arguments, then the [lb] section's name
echo "$@" >> {out}
echo "$FLEET_LB" >> {out}.lb
"""


def read_pool(d):
    """pool.json (parsed) and pool.txt (lines) of a file driver."""
    with open(os.path.join(d, 'pool.json')) as f:
        doc = json.load(f)
    with open(os.path.join(d, 'pool.txt')) as f:
        return doc, f.read().splitlines()


def test_exec_file_and_two_haproxies():
    lab = new_lab('lb-drivers')
    try:
        calls = os.path.join(lab.base, 'calls')
        hook = os.path.join(lab.base, 'lb-hook.sh')
        with open(hook, 'w') as f:
            f.write(EXEC_SH.format(out=calls))
        os.chmod(hook, 0o755)
        pool = os.path.join(lab.base, 'pool')
        os.makedirs(pool)
        hs = [lab.haproxy(n, idle_servers()) for n in ('edge1', 'edge2')]
        for h in hs:
            haproxy_lb(lab, h.name, h)
        lab.lbs['hook'] = {'driver': 'exec', 'command': hook,
                           'resync': f'{RESYNC}s'}
        lab.lbs['pool'] = {'driver': 'file', 'path': pool,
                           'resync': f'{RESYNC}s'}
        lab.start_fleetd()
        for name in ('edge1', 'edge2', 'hook', 'pool'):
            wait_in_sync(lab, name)

        t0 = time.time()
        ok_json(lab, 'drain', 'r1', '--reason', 'x')
        for h in hs:
            wait_admin(lab, h, 's1', DRAIN)

        def called():
            if not os.path.exists(calls):
                return None
            with open(calls) as f:
                return 'r1 drain 0' in f.read().splitlines()
        wait(lab, 'the exec command to run for r1', called, 5)
        with open(calls + '.lb') as f:
            assert set(f.read().split()) == {'hook'}

        def pooled():
            doc, txt = read_pool(pool)
            r1 = [r for r in doc['relays'] if r['name'] == 'r1']
            return (doc, txt) if r1[0]['intent'] == 'drain' else None
        doc, txt = wait(lab, 'pool.json to drain r1', pooled, 5)
        assert isinstance(doc['generated_at'], int) and \
            t0 - 1 <= doc['generated_at'] <= time.time() + 1, doc
        assert [(r['name'], r['ip'], r['intent'], r['weight'])
                for r in doc['relays']] == \
            [('r1', '127.0.0.21', 'drain', 0),
             ('r2', '127.0.0.22', 'ready', 100),
             ('r3', '127.0.0.23', 'ready', 100),
             ('r4', '127.0.0.24', 'ready', 100)], doc
        assert txt == ['r2 127.0.0.22 100', 'r3 127.0.0.23 100',
                       'r4 127.0.0.24 100'], txt
        for name in ('edge1', 'edge2', 'hook', 'pool'):
            st = wait_in_sync(lab, name)
            assert st['failures'] == 0, st
    finally:
        close(lab)


# ---- 7: fleetd -n checks [lb] sections and lb_server ------------------------

BAD_LBS = {
    'unknown driver': ({'x1': {'driver': 'foo'}}, None,
                       ['[lb x1]', 'driver']),
    'haproxy without socket': ({'x2': {'driver': 'haproxy'}}, None,
                               ['[lb x2]', 'socket']),
    'haproxy with a path': ({'x3': {'driver': 'haproxy', 'socket': '/run/s',
                                    'path': '/tmp'}}, None,
                            ['[lb x3]', 'path']),
    'file path not a directory': ({'x4': {'driver': 'file',
                                          'path': '/nonexistent/pool'}},
                                  None, ['[lb x4]', 'path']),
    'lb_server without a slash': ({}, 'nodash',
                                  ['[relay r1]', 'lb_server', 'nodash']),
}


@pytest.mark.parametrize('case', sorted(BAD_LBS))
def test_fleetd_n_refuses_a_bad_lb(case):
    lbs, lb_server, says = BAD_LBS[case]
    lab = new_lab('lb-check', lb_server={'r1': lb_server})
    try:
        lab.lbs.update(lbs)
        conf = lab.write_fleetd_conf()
        r = lab.fleetd_check(conf)
        assert r.returncode == 1, (case, r.stdout, r.stderr)
        for text in [conf] + says:
            assert text in r.stderr, (case, text, r.stderr)
    finally:
        close(lab)


def test_fleetd_n_accepts_a_good_lb():
    lab = new_lab('lb-check', lb_server={'r1': 'be_smtp/s1 be_alt/s1'})
    try:
        # the socket need not exist yet: HAProxy may start after fleetd
        lab.lbs['edge1'] = {'driver': 'haproxy',
                            'socket': f'{lab.base}/none/admin.sock',
                            'timeout': '2s', 'resync': '30s'}
        conf = lab.write_fleetd_conf()
        r = lab.fleetd_check(conf)
        assert r.returncode == 0, r.stderr
        assert 'ok' in r.stdout, r.stdout
    finally:
        close(lab)
