"""A poisoned spool: a spooled Report that is truncated, or that is not
the Report its file name promises, is moved aside as bad-<seq> and the
Reports after it still reach fleetd; fleetd hears how many were set aside.
"""
import os
import re

import pytest

from fleetlab import Lab, wait_for


@pytest.fixture
def lab():
    lab = Lab('spool')
    yield lab
    bad = lab.close()
    assert not bad, '\n'.join(bad)


def test_poisoned_spool_does_not_stall(lab):
    lab.add_relay('relay1', '127.0.0.21')
    # fleetd is down: the agent cuts Reports into its spool only
    agent = lab.start_log_agent('relay1', interval='100ms')
    wait_for('4 reports spooled', lambda: len(lab.spooled('relay1')) >= 4,
             20)
    assert agent.stop() == 0, lab.logs()
    lab.procs.remove(agent)
    files = lab.spooled('relay1')
    assert len(files) >= 4
    d = lab.state_dir('relay1')
    first, second, third = (os.path.join(d, f) for f in files[:3])
    seq1, seq2 = (int(f.split('-')[1]) for f in files[:2])
    # the oldest is cut short; the next holds the Report of the one after
    with open(first, 'r+b') as f:
        f.truncate(os.path.getsize(first) // 2)
    with open(third, 'rb') as f:
        other = f.read()
    with open(second, 'wb') as f:
        f.write(other)
    last = int(lab.agent_state('relay1')['last_seq'])

    lab.start_fleetd()
    agent = lab.start_log_agent('relay1', interval='100ms')
    wait_for('reports past the bad ones to reach fleetd',
             lambda: lab.relay_status()['relay1']['last_seq'] > last, 20)
    wait_for('the spool to drain',
             lambda: all(int(f.split('-')[1]) > last
                         for f in lab.spooled('relay1')), 20)
    names = set(os.listdir(d))
    for seq in (seq1, seq2):
        assert f'bad-{seq:020d}' in names, names
        assert f'report-{seq:020d}' not in names, names
    text = agent.text()
    assert re.search(rf'report seq={seq1} set aside as bad-{seq1:020d}: ',
                     text), text
    assert re.search(rf'report seq={seq2} set aside as bad-{seq2:020d}: seq '
                     'is not the one in the file name', text), text
    wait_for('fleetd to log the bad spool files',
             lambda: 'agent set aside' in lab.fleetd.text(), 10)
    counts = re.findall(r'ingest: relay=relay1: agent set aside (\d+) bad '
                        'spool files', lab.fleetd.text())
    assert sum(int(n) for n in counts) == 2, lab.fleetd.text()
