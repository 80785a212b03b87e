"""Hostile input against the real fleetd while honest agents report: each
attack is refused and counted (fleetd's stop lines), and fleetd stores
exactly the results the honest relays logged, none lost, none twice.

The read role trying a state change is covered by
test_policy.py::test_read_role_is_refused_changes.
"""
import os
import subprocess
import threading
import time

import pytest

from fleetlab import BUILD, SLOW
from hostile import (MIB, Flood, Honest, HostileLab, frame_len, is_closed,
                     open_raw, raise_nofile, sp_header)

FAST = {'handshake_timeout': '1s'}


@pytest.fixture
def lab(request):
    labs = []

    def make(name, limits=FAST):
        lab = HostileLab(name, limits=limits)
        labs.append(lab)
        return lab
    yield make
    for lab in labs:
        bad = lab.close()
        assert not bad, bad


def start(lab):
    """fleetd and three honest agents, which have a first result stored."""
    honest = Honest(lab)
    lab.start_fleetd()
    honest.start()
    honest.append(2)
    honest.wait_stored()
    return honest


def flood(port, total, out, stop):
    """total raw connections from 127.0.0.2..254 that announce a 1 MiB
    frame and send nothing more, spread over about two seconds."""
    f = out['flood'] = Flood()
    try:
        for i in range(total):
            if stop.is_set():
                return
            src = f'127.0.0.{2 + i % 253}'
            f.add(open_raw(port, src, sp_header() + frame_len(MIB)))
            if i % 100 == 99:
                f.poll()
                out['rss'] = max(out.get('rss', 0), out['lab'].rss_kb())
                time.sleep(0.1)
    except Exception as e:  # reported by the test
        out['error'] = e


def test_connection_flood(lab):
    """2,000 connections from 253 loopback sources, each announcing a
    1 MiB frame: the fourth and later from one source are refused, the
    admitted ones closed at handshake_timeout, RSS stays small, and the
    honest agents' Reports are acked all along."""
    total = 2000
    assert raise_nofile() > total + 200
    lab = lab('flood', dict(FAST, max_per_source=4))
    honest = start(lab)
    out, stop = {'lab': lab}, threading.Event()
    t = threading.Thread(target=flood, args=(lab.agent_port, total, out,
                                             stop))
    t.start()
    try:
        while t.is_alive():  # Acks flow while the flood goes on
            honest.append(1)
            honest.wait_stored()
            out['rss'] = max(out.get('rss', 0), lab.rss_kb())
    finally:
        stop.set()
        t.join()
    assert 'error' not in out, out.get('error')
    f = out['flood']
    try:
        assert len(f.socks) == total
        f.wait_all_closed(5)
        # a refused connection is closed at once, an admitted one after
        # handshake_timeout (1 s), not long after
        assert max(f.closed_at.values()) < 3 * SLOW
        assert sum(1 for v in f.closed_at.values() if v >= 0.9) > 0
    finally:
        f.close()
    assert out['rss'] < 100 * 1024, f'fleetd RSS {out["rss"]} KiB'
    honest.append(2)
    honest.wait_stored()
    assert lab.fleetd.alive()
    c = lab.stop_counters()
    honest.check_exact()
    a = c['agent']
    assert a['conn_refused_per_source'] > 0, a
    assert a['conn_closed_handshake'] > 0, a
    # every flood connection was refused, or admitted and then timed out
    assert a['conn_refused_per_source'] + a['conn_refused_cap'] + \
        a['conn_closed_handshake'] == total, a
    assert c['fleetd']['reports'] > 0


def test_oversized_and_truncated_frames(lab):
    """A frame longer than the agent endpoint's largest is dropped with its
    connection at once; frames cut short by a close leave nothing behind;
    a whole frame of garbage is refused as malformed."""
    lab = lab('frames', {'handshake_timeout': '3s'})
    honest = start(lab)
    f = Flood()
    try:
        for i in range(20):
            src = f'127.0.0.{10 + i}'
            f.add(open_raw(lab.agent_port, src, sp_header() +
                           frame_len(4 * MIB) + b'x' * 64))
        honest.append(1)
        # closed for its length, not by the 3 s handshake_timeout
        f.wait_all_closed(2)
        assert max(f.closed_at.values()) < 2 * SLOW
    finally:
        f.close()
    for i in range(20):
        # cut in the length, in the body, in the header
        for data in (sp_header() + frame_len(100)[:5],
                     sp_header() + frame_len(100) + os.urandom(40),
                     sp_header()[:5]):
            open_raw(lab.agent_port, f'127.0.0.{40 + i}', data).close()
        honest.append(1)
    g = Flood()
    try:
        for i in range(10):
            body = os.urandom(4) + os.urandom(60)  # req id, then garbage
            g.add(open_raw(lab.agent_port, f'127.0.0.{80 + i}',
                           sp_header() + frame_len(len(body)) + body))
        g.wait_all_closed(6)
    finally:
        g.close()
    honest.append(2)
    honest.wait_stored()
    assert lab.fleetd.alive()
    c = lab.stop_counters()
    honest.check_exact()
    a = c['agent']
    # the garbage frames: refused, then closed at handshake_timeout (a
    # refusal alone leaves the connection open)
    assert a['rejected'] >= 10, a
    assert a['conn_closed_handshake'] >= 10, a


def test_slow_body(lab):
    """A sender that announces a frame and trickles its body is closed at
    handshake_timeout: a partial frame does not keep a connection."""
    lab = lab('slow')
    honest = start(lab)
    s = open_raw(lab.agent_port, '127.0.0.9', sp_header() + frame_len(100))
    t0 = time.monotonic()
    closed = None
    try:
        for _ in range(int(40 * SLOW)):
            try:
                s.send(b'x')
            except OSError:
                closed = time.monotonic() - t0
                break
            honest.append(1)
            time.sleep(0.2)  # the trickle itself: one byte per 200 ms
            if is_closed(s):
                closed = time.monotonic() - t0
                break
    finally:
        s.close()
    assert closed is not None, 'the slow sender was never closed'
    assert 0.8 <= closed < 3 * SLOW, closed
    honest.wait_stored()
    c = lab.stop_counters()
    honest.check_exact()
    assert c['agent']['conn_closed_handshake'] == 1, c['agent']


def test_hello_flood_unknown_keys(lab):
    """200 Noise clients with keys fleetd does not list (bench/ingest's
    loadgen, valid mac1) handshake again and again for 3 s: refused as not
    allowed or rate limited, counted; honest agents keep their Acks."""
    loadgen = os.path.join(BUILD, 'bench', 'loadgen')
    if not os.access(loadgen, os.X_OK):
        pytest.fail(f'{loadgen} missing: make BUILD=... {loadgen}')
    lab = lab('hello', dict(FAST, max_per_source=300))
    honest = start(lab)
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    lg = subprocess.Popen(
        [loadgen, '--url', f'tcp://127.0.0.1:{lab.agent_port}',
         '--server-key', lab.fleetd_pub, '--agents', '200', '--seed', '99',
         '--rate', '0', '--connect', '1', '--duration', '3',
         '--responses', os.path.join(top, 'tests', 'fixtures',
                                     'responses.tsv')],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while lg.poll() is None:
            honest.append(1)
            honest.wait_stored()
    finally:
        if lg.poll() is None:
            lg.kill()
        lgout, lgerr = lg.communicate()
    honest.append(2)
    honest.wait_stored()
    c = lab.stop_counters()
    honest.check_exact()
    a = c['agent']
    assert a['rejected'] + a['hello_rate_limited'] >= 200, (a, lgerr)
    assert a['hello_rate_limited'] > 0, a
    # only the honest agents got sessions
    assert a['handshakes'] <= 3 * 3, a
