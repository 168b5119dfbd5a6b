"""tools/analysis_tools/mutation_report.py: verdicts, names, labels and kill
rates of a mutmut run, and the equivalents table of docs/mutation.md."""
import os.path as osp
import random

import pytest
from tool_helpers import REPO, load_tool


@pytest.fixture(scope='module')
def report():
    return load_tool('analysis_tools', 'mutation_report.py')


def test_exit_codes_map_to_verdicts(report):
    assert report.status_of(1) == 'killed'
    assert report.status_of(0) == 'survived'
    assert report.status_of(33) == 'no tests'
    assert report.status_of(None) == 'not checked'
    assert report.status_of(12345) == 'suspicious'


def test_mutant_names_in_the_generated_file_and_the_source(report):
    sep = report.CLASS_SEPARATOR
    method = (f'mmsona.models.heads.dual_branch_head.x{sep}DualBranchHead'
              f'{sep}forward__mutmut_3')
    assert report.function_names(method) == (
        f'x{sep}DualBranchHead{sep}forward__mutmut_3',
        f'x{sep}DualBranchHead{sep}forward__mutmut_orig', 'forward',
        'DualBranchHead')
    function = 'mmsona.evaluation.functional.distance.x_compute__mutmut_12'
    assert report.function_names(function)[2:] == ('compute', None)


def test_device_and_collective_labels(report):
    device = '--- a\n+++ b\n-    x = x.to(device=q.device)\n' \
        '+    x = x.to(device=None)\n'
    assert report.kind_of(device) == 'device'
    collective = '-    dist.all_reduce(counts)\n+    pass\n'
    assert report.kind_of(collective) == 'collective'
    plain = '-    return a + b\n+    return a - b\n'
    assert report.kind_of(plain) == ''


def test_kill_rates_against_a_plain_count(report):
    rng = random.Random(0)
    statuses = ['killed', 'survived', 'no tests', 'equivalent', 'suspicious']
    records = [
        dict(
            module=rng.choice(['a', 'b']),
            status=rng.choice(statuses),
            kind=rng.choice(['', 'device'])) for _ in range(200)
    ]
    rows = {row['module']: row for row in report.kill_rates(records)}
    assert list(rows) == ['a', 'b', 'all']
    for module in ('a', 'b', 'all'):
        mine = [r for r in records if module in ('all', r['module'])]
        killed = sum(r['status'] == 'killed' for r in mine)
        equivalent = sum(r['status'] == 'equivalent' for r in mine)
        row = rows[module]
        assert row['mutants'] == len(mine)
        assert row['killed'] == killed and row['equivalent'] == equivalent
        assert row['other'] == sum(r['status'] == 'suspicious' for r in mine)
        assert row['device'] == sum(
            r['status'] == 'survived' and r['kind'] == 'device' for r in mine)
        assert row['kill_rate'] == round(
            100.0 * killed / (len(mine) - equivalent), 1)


def test_the_equivalents_table_of_the_docs_parses(report, tmp_path):
    docs = report.read_equivalents(osp.join(REPO, 'docs', 'mutation.md'))
    assert len(docs) >= 80
    assert all(name.startswith('mmsona.') for name in docs)
    assert all(reason for reason in docs.values())
    table = tmp_path / 'eq.md'
    table.write_text('| `mmsona.a.x_f__mutmut_1` | a.py:3 | same sort |\n'
                     '| not a mutant | x | y |\n')
    assert report.read_equivalents(str(table)) == {
        'mmsona.a.x_f__mutmut_1': 'same sort'
    }
