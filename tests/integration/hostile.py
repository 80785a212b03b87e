"""Attack tools for the hostile-input tests (test_hostile.py): a Lab whose
[fleetd] section takes extra limits, raw connections that speak nng's
SP-over-TCP framing (8-byte header "\\0SP\\0", protocol id, 2 reserved
bytes; then frames behind a 64-bit big-endian length) and nothing else,
honest relays that append delivery lines, and readers for what fleetd
stored and counted.
"""
import re
import resource
import selectors
import socket
import sqlite3
import struct
import time

from fleetlab import SLOW, Lab, postfix_result, wait_for

SP_REQ0 = 0x30  # nng's req0: the protocol an agent speaks to fleetd's rep0
MIB = 1 << 20


def sp_header(proto=SP_REQ0):
    return b'\0SP\0' + struct.pack('>HH', proto, 0)


def frame_len(n):
    return struct.pack('>Q', n)


def raise_nofile():
    """Soft RLIMIT_NOFILE up to the hard one: a flood holds many sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class HostileLab(Lab):
    """A Lab whose [fleetd] section also holds the keys of limits
    (handshake_timeout = 1s, ...)."""

    def __init__(self, name, limits=None, **kw):
        super().__init__(name, **kw)
        self.limits = dict(limits or {})

    def write_fleetd_conf(self):
        path = super().write_fleetd_conf()
        with open(path) as f:
            text = f.read()
        extra = ''.join(f'{k} = {v}\n' for k, v in self.limits.items())
        with open(path, 'w') as f:
            f.write(text.replace('[fleetd]\n', '[fleetd]\n' + extra, 1))
        return path

    def rss_kb(self):
        """fleetd's VmRSS in KiB."""
        with open(f'/proc/{self.fleetd.proc.pid}/status') as f:
            m = re.search(r'^VmRSS:\s+(\d+) kB', f.read(), re.M)
        return int(m.group(1))

    def stop_counters(self):
        """Stops fleetd and returns the counters of its stop lines:
        {'agent': {...}, 'control': {...}, 'fleetd': {...}}."""
        assert self.fleetd.stop() == 0, self.logs()
        out = {}
        for line in self.fleetd.text().splitlines():
            m = re.search(r'\b(agent|control|fleetd): (handshakes|reports)=',
                          line)
            if m:
                out[m.group(1)] = {k: int(v) for k, v in re.findall(
                    r'(\w+)=(\d+)', line[m.start():])}
        assert set(out) == {'agent', 'control', 'fleetd'}, \
            self.fleetd.text()[-3000:]
        return out


class Honest:
    """Honest relays h1..hN (relay IPs 127.0.0.201..) with log agents
    reporting every 200 ms; each line appended is one delivered result."""

    def __init__(self, lab, n=3):
        self.lab, self.names, self.sent = lab, [], {}
        for i in range(1, n + 1):
            name = f'h{i}'
            lab.add_relay(name, f'127.0.0.{200 + i}')
            self.names.append(name)
            self.sent[name] = 0

    def start(self):
        for name in self.names:
            self.lab.start_log_agent(name)

    def append(self, n=3):
        """n more delivery lines on each honest relay."""
        for name in self.names:
            k = self.sent[name]
            self.lab.append_log(name, *[
                postfix_result(f'u{k + i}@example.org', 'sent', '2.0.0',
                               '250 2.0.0 Ok', mx='mx.example.org',
                               qid=f'{k + i:05X}ABCDE')
                for i in range(n)])
            self.sent[name] += n

    def stored(self):
        """relay -> results stored by fleetd (the sum of its counters)."""
        db = sqlite3.connect(f'file:{self.lab.base}/fleetd.db?mode=ro',
                             uri=True, timeout=5)
        try:
            rows = db.execute(
                'SELECT r.relay, sum(c.count) FROM counters c'
                ' JOIN reports r ON r.id = c.report_id GROUP BY 1').fetchall()
        finally:
            db.close()
        got = {name: 0 for name in self.names}
        got.update({r: n for r, n in rows})
        return got

    def wait_stored(self, timeout=10):
        """Waits until fleetd stored exactly what was appended."""
        wait_for('the honest results stored', lambda: self.stored() ==
                 self.sent or None, timeout)

    def check_exact(self):
        """No honest result lost or counted twice."""
        got = self.stored()
        assert got == self.sent, (got, self.sent)


def open_raw(port, src='127.0.0.1', data=b'', timeout=5):
    """A TCP connection from src to fleetd's agent port that sends data
    (blocking connect, then non-blocking)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.bind((src, 0))
    s.settimeout(timeout * SLOW)
    s.connect(('127.0.0.1', port))
    if data:
        s.sendall(data)
    s.setblocking(False)
    return s


def is_closed(s):
    """True once the peer closed s (reads whatever it sent first)."""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


class Flood:
    """Raw connections held open; each is watched until fleetd closes it.
    closed_at[i]: seconds from its connect to the close seen."""

    def __init__(self):
        self.socks, self.opened, self.closed_at = [], [], {}
        self.sel = selectors.DefaultSelector()

    def add(self, s):
        i = len(self.socks)
        self.socks.append(s)
        self.opened.append(time.monotonic())
        self.sel.register(s, selectors.EVENT_READ, i)

    def poll(self, wait=0):
        for key, _ in self.sel.select(wait):
            i = key.data
            if is_closed(self.socks[i]):
                self.closed_at[i] = time.monotonic() - self.opened[i]
                self.sel.unregister(self.socks[i])
        return len(self.closed_at)

    def wait_all_closed(self, timeout):
        deadline = time.monotonic() + timeout * SLOW
        while self.poll(0.05) < len(self.socks):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f'{len(self.socks) - len(self.closed_at)} of '
                    f'{len(self.socks)} connections still open')

    def close(self):
        for s in self.socks:
            s.close()
        self.sel.close()
