"""fleetctl classify: the offline classifier over stdin, on the real
receiver texts of tests/fixtures/responses.tsv (every row must match)."""
import os
import subprocess

from fleetlab import BUILD, TOP


def test_fixture_rows_classify():
    rows = []
    with open(os.path.join(TOP, 'tests', 'fixtures', 'responses.tsv')) as f:
        next(f)
        for line in f:
            mx, text, prov, cls = line.rstrip('\n').split('\t')
            rows.append((mx, text, prov, cls))
    inp = ''.join(f'{mx}\t{text}\n' for mx, text, _p, _c in rows)
    r = subprocess.run([os.path.join(BUILD, 'fleetctl'), 'classify'],
                       input=inp, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    got = [tuple(l.split('\t')) for l in r.stdout.splitlines()]
    want = [(p, c) for _m, _t, p, c in rows]
    wrong = [(rows[i][1][:80], got[i], want[i])
             for i in range(len(want)) if got[i] != want[i]]
    assert len(got) == len(want) and not wrong, wrong


def test_no_tab_and_bad_rules(tmp_path):
    fleetctl = os.path.join(BUILD, 'fleetctl')
    r = subprocess.run([fleetctl, 'classify'], capture_output=True, text=True,
                       input='connect to mx[192.0.2.1]:25: Connection refused\n')
    assert r.returncode == 0 and r.stdout == 'other\tnetwork\n'
    bad = tmp_path / 'rules.conf'
    bad.write_text('class blok /x/\n')
    r = subprocess.run([fleetctl, 'classify', '--rules', str(bad)],
                       capture_output=True, text=True, input='')
    assert r.returncode == 1 and f'{bad}:1' in r.stderr
    r = subprocess.run([fleetctl, 'classify', 'extra'], capture_output=True,
                       text=True, input='')
    assert r.returncode == 2
