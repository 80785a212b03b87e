"""A relayfleet lab on 127.0.0.0/8 for the integration tests: real Postfix
instances (no systemd, no syslog: maillog_file), smtp-sink receivers, and
the real fleetd, fleet-agent and fleetctl.

Everything lives under one directory and every process is stopped by
Lab.close(). FLEET_BUILD names the build directory; FLEET_WRAPPER (for
example "valgrind -q --error-exitcode=99 --leak-check=full") is put in
front of the daemons, and timeouts grow fivefold when it is set.
"""
import fcntl
import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import types

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD = os.environ.get('FLEET_BUILD', os.path.join(TOP, 'build'))
WRAPPER = shlex.split(os.environ.get('FLEET_WRAPPER', ''))
SLOW = 5 if WRAPPER else 1
MASTER_CF = os.path.join(TOP, 'scripts', 'lab', 'master.cf')


PORT_LOCK = os.path.join(tempfile.gettempdir(), 'relayfleet-ports.lock')
_ports = types.SimpleNamespace(fd=None, claimed=set())


def port_range():
    """The ports free_port() hands out: the 10000 below the kernel's
    ephemeral range, so that no outgoing connection (Postfix, an agent,
    fleetctl) takes one as its source port before its daemon binds it."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    ports = range(max(1024, low - 10000), low)
    if len(ports) < 1000:
        raise AssertionError(f'ip_local_port_range starts at {low}: no room '
                             'below it for the ports of the lab')
    return ports


def port_bindable(port):
    """Nobody holds port on 127.0.0.1, TCP or UDP (a TCP port in TIME_WAIT
    counts as held: a daemon without SO_REUSEADDR could not bind it)."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                return False
    return True


def free_port():
    """A 127.0.0.1 port, free for TCP and UDP, for a daemon of the lab to
    bind (or to stay closed: a relayhost that refuses).

    Binding port 0 and closing would return a port anyone can take before
    our daemon binds it: another test run, or an outgoing connection of
    ours picking it as its source port.  So ports come from port_range()
    (below the ephemeral ones), and each is claimed by an fcntl lock on
    byte <port> of PORT_LOCK, held until this process exits (the kernel
    drops it then, even after a crash): concurrent runs and benches never
    share a port and this process never hands one out twice.  What is left
    is a program outside this protocol binding the port meanwhile:
    Lab.start_fleetd() then retries on new ports."""
    if _ports.fd is None:
        _ports.fd = os.open(PORT_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                            0o666)
    ports = port_range()
    start = random.SystemRandom().randrange(len(ports))
    for i in range(len(ports)):
        port = ports[(start + i) % len(ports)]
        if port in _ports.claimed:  # our own locks never conflict
            continue
        try:
            fcntl.lockf(_ports.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, port)
        except OSError:  # another process holds it
            continue
        _ports.claimed.add(port)  # even if busy: not worth a second try
        if port_bindable(port):
            return port
    raise AssertionError(f'no free port left in {ports}')


def wait_for(what, pred, timeout, interval=0.1):
    """Polls pred() until it returns a true value and returns that; fails
    after timeout seconds, times SLOW (under FLEET_WRAPPER): give the time
    the condition takes at full speed."""
    deadline = time.monotonic() + timeout * SLOW
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f'timed out waiting for {what} (last: {last!r})')


def postfix_result(rcpt, status, dsn, text, mx=None, mx_ip='192.0.2.25',
                   qid='4F1A2B3C4D', host='relay', at=None):
    """One Postfix smtp delivery line in rsyslog's RFC 3339 format:
    rcpt's result with the receiver's text (a failed result from mx gets
    Postfix's "host MX[IP] said: ... (in reply to RCPT TO command)").
    at: unix seconds (now if None)."""
    when = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(
        time.time() if at is None else at)) + '.000000+00:00'
    relay = f'{mx}[{mx_ip}]:25' if mx else 'none'
    said = f'host {mx}[{mx_ip}] said: {text} (in reply to RCPT TO command)' \
        if mx and status != 'sent' else text
    return (f'{when} {host} postfix/smtp[4242]: {qid}: to=<{rcpt}>, '
            f'relay={relay}, delay=0.52, delays=0.01/0/0.31/0.2, dsn={dsn}, '
            f'status={status} ({said})')


class Daemon:
    """A program of ours run in the foreground, stderr to a log file."""

    def __init__(self, name, argv, log, wrap=True):
        """wrap: put FLEET_WRAPPER in front (not for programs of others,
        such as HAProxy)."""
        self.name, self.log = name, log
        self.err = open(log, 'ab')
        self.start_off = self.err.tell()  # a restart appends to the log
        self.proc = subprocess.Popen((WRAPPER if wrap else []) + argv,
                                     stdout=self.err, stderr=self.err,
                                     stdin=subprocess.DEVNULL)

    def text(self):
        """What this run (not an earlier one) logged."""
        with open(self.log, 'rb') as f:
            f.seek(self.start_off)
            return f.read().decode(errors='replace')

    def wait_log(self, text, timeout=10):
        return wait_for(f'{self.name} to log {text!r}',
                        lambda: text in self.text(), timeout)

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.err.close()

    def dump_threads(self):
        """Under valgrind, every guest thread's stack into the log: what a
        daemon that does not stop is waiting for."""
        if not WRAPPER or 'valgrind' not in os.path.basename(WRAPPER[0]):
            return
        r = subprocess.run(['vgdb', f'--pid={self.proc.pid}',
                            'v.info', 'scheduler'], capture_output=True,
                           timeout=60)
        self.err.write(b'--- vgdb v.info scheduler ---\n' + r.stdout +
                       r.stderr)
        self.err.flush()

    def stop(self, timeout=10):
        """SIGTERM; returns the exit status (a clean stop is 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.dump_threads()
                self.proc.kill()
                self.proc.wait()
        if not self.err.closed:
            self.err.close()
        return self.proc.returncode


class Postfix:
    """One Postfix instance sending from bind_ip; mail for every domain goes
    to relayhost, or per domain through transport (domain -> host:port)."""

    def __init__(self, base, name, bind_ip='127.0.0.1', relayhost=None,
                 transport=None, extra=None):
        self.name, self.dir = name, os.path.join(base, name)
        self.conf = os.path.join(self.dir, 'conf')
        self.log = os.path.join(self.dir, 'mail.log')
        for d in ('conf', 'spool', 'data'):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        subprocess.run(['chown', 'postfix', os.path.join(self.dir, 'data')],
                       check=True)
        lines = [
            'compatibility_level = 3.6',
            f'queue_directory = {self.dir}/spool',
            f'data_directory = {self.dir}/data',
            f'multi_instance_name = postfix-{name}',
            f'syslog_name = postfix-{name}',
            f'maillog_file = {self.log}',
            f'maillog_file_prefixes = {base}',
            f'myhostname = {name}.lab.test',
            'myorigin = lab.test', 'mydestination =', 'alias_maps =',
            'alias_database =', 'inet_interfaces = 127.0.0.1',
            'inet_protocols = ipv4', 'mynetworks = 127.0.0.0/8',
            f'smtp_bind_address = {bind_ip}',
            'smtp_tls_security_level = none',
            'minimal_backoff_time = 1h', 'maximal_backoff_time = 2h',
            'queue_run_delay = 1h', 'smtp_connect_timeout = 2s',
            'smtp_helo_timeout = 2s',
        ]
        if relayhost:
            lines.append(f'relayhost = {relayhost}')
        if transport:
            tpath = os.path.join(self.conf, 'transport')
            with open(tpath, 'w') as f:
                for dom, hostport in transport.items():
                    f.write(f'{dom} smtp:[{hostport.rsplit(":", 1)[0]}]:'
                            f'{hostport.rsplit(":", 1)[1]}\n')
            lines.append(f'transport_maps = texthash:{tpath}')
        lines += extra or []
        with open(os.path.join(self.conf, 'main.cf'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        with open(MASTER_CF) as src, \
                open(os.path.join(self.conf, 'master.cf'), 'w') as dst:
            dst.write(src.read())
        self.postfix('post-install', 'create-missing')
        self.postfix('start')
        self.started = True

    def postfix(self, *args):
        r = subprocess.run(['postfix', '-c', self.conf, *args],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f'postfix {args}: {r.stderr}')

    def send(self, rcpt, subject='test'):
        msg = f'Subject: {subject}\n\nhello\n'
        subprocess.run(['sendmail', '-C', self.conf, '-f', 'sender@lab.test',
                        rcpt], input=msg, text=True, check=True)

    def queue(self):
        r = subprocess.run(['postqueue', '-c', self.conf, '-j'],
                           capture_output=True, text=True, check=True)
        return [json.loads(line) for line in r.stdout.splitlines() if line]

    def hold(self, qid):
        subprocess.run(['postsuper', '-c', self.conf, '-h', qid],
                       capture_output=True, check=True)

    def stop(self):
        if self.started:
            subprocess.run(['postfix', '-c', self.conf, 'stop'],
                           capture_output=True)
            self.started = False


class HAProxy:
    """A real HAProxy in TCP mode: frontend fe_smtp on 127.0.0.1:port in
    front of backend be_smtp, servers s1..sN at the given host:port
    addresses, and an admin stats socket (sock) in its own directory under
    the lab.  No health checks: a server's state is only what the runtime
    API was told.  state_file: HAProxy loads server-state-file at start and
    reload() dumps the state into it first (a reload that keeps the
    runtime state); without it a reload loses that state."""

    BACKEND = 'be_smtp'

    def __init__(self, base, name, servers, state_file=False):
        self.name = name
        self.dir = os.path.join(base, 'haproxy-' + name)
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, 'admin.sock')
        self.cfg = os.path.join(self.dir, 'haproxy.cfg')
        self.log = os.path.join(self.dir, 'haproxy.log')
        self.state = os.path.join(self.dir, 'server-state') \
            if state_file else None
        self.port = free_port()
        self.daemon = None
        with open(self.cfg, 'w') as f:
            f.write(self.config(servers))

    def config(self, servers):
        state = self.state is not None
        lines = ['global',
                 f'    stats socket {self.sock} mode 600 level admin',
                 '    stats timeout 2m']
        lines += [f'    server-state-file {self.state}'] if state else []
        lines += ['', 'defaults', '    mode tcp', '    timeout connect 2s',
                  '    timeout client 5m', '    timeout server 5m']
        lines += ['    load-server-state-from-file global'] if state else []
        lines += ['', 'frontend fe_smtp', f'    bind 127.0.0.1:{self.port}',
                  f'    default_backend {self.BACKEND}', '',
                  f'backend {self.BACKEND}', '    balance roundrobin',
                  '    default-server weight 100']
        lines += [f'    server s{i} {addr}'
                  for i, addr in enumerate(servers, 1)]
        return '\n'.join(lines) + '\n'

    def start(self, timeout=10):
        """Starts HAProxy in the foreground; returns once its admin socket
        answers (its listeners are bound by then)."""
        assert not self.running(), f'haproxy {self.name} runs already'
        self.daemon = Daemon('haproxy-' + self.name,
                             ['haproxy', '-db', '-f', self.cfg], self.log,
                             wrap=False)

        def answers():
            if not self.running():
                raise AssertionError(f'haproxy {self.name} exited '
                                     f'{self.daemon.proc.returncode}:\n'
                                     f'{self.daemon.text()}')
            try:
                return self.cmd('show info').startswith('Name: HAProxy')
            except OSError:
                return False
        wait_for(f'haproxy {self.name} to answer', answers, timeout)
        return self

    def running(self):
        return self.daemon is not None and self.daemon.alive()

    def stop(self):
        if self.daemon is not None:
            self.daemon.stop()

    def reload(self):
        """Stops and starts HAProxy with the same configuration: what the
        runtime API was told is lost unless state_file was given."""
        if self.state:
            with open(self.state, 'w') as f:
                f.write(self.cmd('show servers state'))
        self.stop()
        return self.start()

    def cmd(self, text, timeout=5):
        """One command on its own connection; the reply, read to EOF."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout * SLOW)
            s.connect(self.sock)
            s.sendall(text.encode() + b'\n')
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        return b''.join(chunks).decode(errors='replace')

    def servers(self, backend=BACKEND):
        """show servers state BACKEND: one dict per server with srv_name,
        op (srv_op_state), admin (srv_admin_state: 1 maint, 8 drain),
        uweight and iweight."""
        text = self.cmd(f'show servers state {backend}')
        lines = text.splitlines()
        if len(lines) < 2 or lines[0] != '1' or \
                not lines[1].startswith('# '):
            raise AssertionError(f'not a servers state reply: {text!r}')
        cols = lines[1][2:].split()
        rows = []
        for line in lines[2:]:
            if not line.strip():
                continue
            v = dict(zip(cols, line.split()))
            rows.append(dict(srv_name=v['srv_name'],
                             op=int(v['srv_op_state']),
                             admin=int(v['srv_admin_state']),
                             uweight=int(v['srv_uweight']),
                             iweight=int(v['srv_iweight'])))
        return rows

    def server(self, name, backend=BACKEND):
        """The servers() row of one server."""
        for row in self.servers(backend):
            if row['srv_name'] == name:
                return row
        raise AssertionError(f'haproxy {self.name}: no server {name}')

    def stat(self, backend=BACKEND):
        """show stat of backend: svname -> {column: text} (the CSV)."""
        lines = self.cmd('show stat').splitlines()
        if not lines or not lines[0].startswith('# '):
            raise AssertionError(f'not a show stat reply: {lines[:2]!r}')
        cols = lines[0][2:].split(',')
        out = {}
        for line in lines[1:]:
            v = dict(zip(cols, line.split(',')))
            if v.get('pxname') == backend:
                out[v['svname']] = v
        return out


class Lab:
    """Keys, configs and processes of one test, in a new directory under
    /tmp (not pytest's tmp_path: Postfix's unprivileged processes must
    reach their queue and data directories, and pytest's are 0700)."""

    def __init__(self, name='lab', policy=None, rules=None):
        """policy: keys of a [policy] section (none written if empty);
        rules: NAME -> keys of a [rule NAME] section."""
        self.policy = dict(policy or {})
        self.rules = dict(rules or {})
        self.operators = {}  # besides tester: name -> dict(role, pub)
        self.base = base = tempfile.mkdtemp(prefix=f'relayfleet-{name}.',
                                            dir='/tmp')
        os.chmod(base, 0o755)
        self.keys = os.path.join(base, 'keys')
        os.makedirs(self.keys, exist_ok=True)
        self.procs, self.postfixes = [], []
        self.agent_port, self.ctl_port = free_port(), free_port()
        self.fleetd_pub = self.keygen('fleetd')
        self.op_pub = self.keygen('operator')
        self.relays = {}
        self.fleetd = None
        self.lbs = {}  # [lb NAME] sections: name -> keys
        self.haproxies = []

    def keygen(self, name):
        path = os.path.join(self.keys, name + '.key')
        r = subprocess.run([os.path.join(BUILD, 'fleetctl'), 'keygen', path],
                           capture_output=True, text=True, check=True)
        return r.stdout.strip()

    def postfix(self, name, **kw):
        p = Postfix(self.base, name, **kw)
        self.postfixes.append(p)
        return p

    def sink(self, addr, *args):
        """smtp-sink on addr (host:port) with extra options."""
        p = subprocess.Popen(['smtp-sink', '-4', '-u', 'postfix', *args,
                              addr, '10'], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def add_relay(self, name, ip, hosting='lab', enrolled=True,
                  lb_server=None):
        """lb_server: "backend/server [backend/server ...]" or None."""
        self.relays[name] = dict(ip=ip, hosting=hosting, enrolled=enrolled,
                                 pub=self.keygen(name), lb_server=lb_server)

    def haproxy(self, name, servers, start=True, **kw):
        """An HAProxy (see HAProxy) stopped by close(); started unless
        start is false."""
        h = HAProxy(self.base, name, servers, **kw)
        self.haproxies.append(h)
        return h.start() if start else h

    def write_fleetd_conf(self):
        path = os.path.join(self.base, 'fleetd.conf')
        with open(path, 'w') as f:
            f.write(f'[fleetd]\nagent_listen = tcp://127.0.0.1:{self.agent_port}\n'
                    f'control_listen = tcp://127.0.0.1:{self.ctl_port}\n'
                    f'key_file = {self.keys}/fleetd.key\n'
                    f'database = {self.base}/fleetd.db\n'
                    # agents dial from 127.0.0.1, not from their relay ip
                    'agent_sources = any\n'
                    # lab agents report every 100-200 ms, past the
                    # default 120 a minute meant for 10 s intervals
                    'report_rate = 100000\n')
            for name, r in self.relays.items():
                if r['enrolled']:
                    f.write(f'\n[relay {name}]\nip = {r["ip"]}\n'
                            f'hosting = {r["hosting"]}\n'
                            f'agent_key = {r["pub"]}\n')
                    if r.get('lb_server'):
                        f.write(f'lb_server = {r["lb_server"]}\n')
            f.write(f'\n[operator tester]\nkey = {self.op_pub}\n'
                    'role = admin\n')
            for name, op in self.operators.items():
                f.write(f'\n[operator {name}]\nkey = {op["pub"]}\n'
                        f'role = {op["role"]}\n')
            f.write(self.policy_text())
            for name, keys in self.lbs.items():
                f.write(f'\n[lb {name}]\n' + ''.join(
                    f'{k} = {v}\n' for k, v in keys.items()))
        self.write_fleetctl_conf('fleetctl.conf', 'operator')
        for name in self.operators:
            self.write_fleetctl_conf(f'fleetctl-{name}.conf', 'op-' + name)
        return path

    def policy_text(self):
        """The [policy] and [rule NAME] sections of fleetd.conf."""
        out = ''
        if self.policy:
            out += '\n[policy]\n' + ''.join(
                f'{k} = {v}\n' for k, v in self.policy.items())
        for name, keys in self.rules.items():
            out += f'\n[rule {name}]\n' + ''.join(
                f'{k} = {v}\n' for k, v in keys.items())
        return out

    def write_fleetctl_conf(self, file, key):
        with open(os.path.join(self.base, file), 'w') as f:
            f.write('[fleetctl]\n'
                    f'controller = tcp://127.0.0.1:{self.ctl_port}\n'
                    f'controller_key = {self.fleetd_pub}\n'
                    f'key_file = {self.keys}/{key}.key\n'
                    f'timeout = {5 * SLOW}s\n')

    def add_operator(self, name, role='read'):
        """One more operator (besides tester, admin); fleetctl(...,
        operator=name) speaks with its key."""
        self.operators[name] = dict(role=role, pub=self.keygen('op-' + name))

    def start_fleetd(self, tries=3):
        """Starts fleetd; returns it once it logged that both listeners are
        up (a port that answers could be someone else's).  If a program
        outside free_port()'s claims took a port meanwhile, fleetd exits
        with "Address in use": on a first start, before any agent was
        given the ports, the lab takes new ones and tries again, up to
        tries times.  Any other exit fails the test with fleetd's log."""
        for attempt in range(1, tries + 1):
            d = Daemon('fleetd', [os.path.join(BUILD, 'fleetd'), '-d', '-v',
                                  '-c', self.write_fleetd_conf()],
                       os.path.join(self.base, 'fleetd.log'))
            self.procs.append(d)
            wait_for('fleetd to start listening or exit',
                     lambda: not d.alive() or 'fleetd: started' in d.text(),
                     10)
            if d.alive():
                self.fleetd = d
                return d
            self.procs.remove(d)
            rc, text = d.stop(), d.text()
            fresh = self.fleetd is None and not any(
                isinstance(p, Daemon) for p in self.procs)
            if 'Address in use' not in text or not fresh or attempt == tries:
                raise AssertionError(f'fleetd exited {rc} (start {attempt} '
                                     f'of {tries}):\n{text}')
            self.agent_port, self.ctl_port = free_port(), free_port()
        raise AssertionError('not reached')

    @staticmethod
    def port_open(port):
        with socket.socket() as s:
            return s.connect_ex(('127.0.0.1', port)) == 0

    def agent_conf(self, name, postfix, interval='200ms', timeout='2s',
                   extra=''):
        d = os.path.join(self.base, 'agent-' + name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, 'agent.conf')
        with open(path, 'w') as f:
            f.write(f'[agent]\ncontroller = tcp://127.0.0.1:{self.agent_port}\n'
                    f'controller_key = {self.fleetd_pub}\n'
                    f'key_file = {self.keys}/{name}.key\n'
                    f'state_dir = {d}/state\n'
                    f'report_interval = {interval}\n'
                    f'queue_interval = {interval}\n'
                    f'request_timeout = {timeout}\n'
                    f'postfix_config = {postfix.conf}\n' + extra)
        return path

    def start_agent(self, name, postfix, **kw):
        conf = self.agent_conf(name, postfix, **kw)
        d = Daemon('agent-' + name, [os.path.join(BUILD, 'fleet-agent'), '-d',
                                     '-v', '-c', conf],
                   os.path.join(self.base, f'agent-{name}.log'))
        self.procs.append(d)
        return d

    def state_dir(self, name):
        return os.path.join(self.base, 'agent-' + name, 'state')

    def agent_state(self, name):
        with open(os.path.join(self.state_dir(name), 'state')) as f:
            return dict(line.split('=', 1) for line in f.read().splitlines())

    def spooled(self, name):
        return sorted(f for f in os.listdir(self.state_dir(name))
                      if f.startswith('report-'))

    def fleetctl(self, *args, check=True, operator=None):
        conf = 'fleetctl.conf' if operator is None else \
            f'fleetctl-{operator}.conf'
        r = subprocess.run([os.path.join(BUILD, 'fleetctl'), '-c',
                            os.path.join(self.base, conf), *args],
                           capture_output=True, text=True, timeout=30 * SLOW)
        if check and r.returncode != 0:
            raise AssertionError(f'fleetctl {args} -> {r.returncode}: '
                                 f'{r.stderr}')
        return r

    def status(self):
        return json.loads(self.fleetctl('--json', 'status').stdout)

    def ctl_json(self, *args, operator=None):
        """fleetctl --json ARGS: the completed process with .doc, its
        stdout parsed as exactly one JSON document (json.loads fails the
        test on anything else), whatever the exit status."""
        r = self.fleetctl('--json', *args, check=False, operator=operator)
        try:
            r.doc = json.loads(r.stdout)
        except ValueError as e:
            raise AssertionError(f'fleetctl --json {args} -> {r.returncode}'
                                 f': stdout is not one JSON document ({e}):'
                                 f'\n{r.stdout!r}\nstderr: {r.stderr}')
        return r

    def relay_status(self):
        """fleetctl --json status as relay name -> its row."""
        return {r['name']: r for r in self.status()['relays']}

    def fleetd_check(self, conf):
        """fleetd -n -c conf: checks a configuration file."""
        return subprocess.run([os.path.join(BUILD, 'fleetd'), '-n', '-c',
                               conf], capture_output=True, text=True,
                              timeout=30 * SLOW)

    def start_log_agent(self, name, interval='200ms', extra=''):
        """An agent for relay name without Postfix: it follows
        agent-NAME/mail.log (empty at start; append_log() writes to it)
        and its postqueue is a stand-in that sees an empty queue.
        Returns once the agent follows the log from its (empty) end."""
        d = os.path.join(self.base, 'agent-' + name)
        os.makedirs(d, exist_ok=True)
        log = os.path.join(d, 'mail.log')
        open(log, 'a').close()
        fake = os.path.join(self.base, 'postqueue-empty')
        if not os.path.exists(fake):
            with open(fake, 'w') as f:
                f.write('#!/bin/sh\n# stand-in for postqueue -j: empty '
                        'queue\nexit 0\n')
            os.chmod(fake, 0o755)
        self.relays[name]['maillog'] = log
        agent = self.start_agent(
            name, types.SimpleNamespace(conf=d), interval=interval,
            extra=f'maillog = {log}\npostqueue = {fake}\n' + extra)
        agent.wait_log('agent: started')
        return agent

    def append_log(self, name, *lines):
        """Appends Postfix log lines to the log relay name's agent follows
        (start_log_agent())."""
        with open(self.relays[name]['maillog'], 'a') as f:
            f.write(''.join(line + '\n' for line in lines))

    def logs(self):
        out = []
        for p in self.procs:
            if isinstance(p, Daemon):
                out.append(f'--- {p.name} ---\n{p.text()[-4000:]}')
        for h in self.haproxies:
            if h.daemon is not None:
                out.append(f'--- haproxy-{h.name} ---\n'
                           f'{h.daemon.text()[-2000:]}')
        return '\n'.join(out)

    def close(self):
        """Stops everything; returns the daemons that did not exit 0 on
        SIGTERM (a sanitizer or valgrind finding shows up here)."""
        bad = []
        for p in reversed(self.procs):
            if isinstance(p, Daemon):
                rc = p.stop()
                if rc != 0:
                    bad.append(f'{p.name} exited {rc}:\n{p.text()[-3000:]}')
            elif p.poll() is None:
                p.terminate()
                p.wait()
        for pf in self.postfixes:
            pf.stop()
        for h in self.haproxies:
            h.stop()
        if not os.environ.get('FLEET_KEEP') and not bad:
            shutil.rmtree(self.base, ignore_errors=True)
        return bad
