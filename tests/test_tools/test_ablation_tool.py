"""tools/analysis_tools/ablation.py: grid runs, resuming, tables, plots."""
import contextlib
import csv
import io
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
import tool_helpers  # noqa: I100
from dist_helpers import free_port
from tool_helpers import REPO, cpu_processes_env, load_tool

ablation = load_tool('analysis_tools', 'ablation.py')

BASELINE = osp.join(REPO, 'configs', 'ablation', 'bfe_r18_synthetic-hard.py')
FULL = osp.join(REPO, 'configs', 'ablation', 'sona_r18_synthetic-hard.py')


def tiny_options(data_root: str) -> list:
    """Shrink a grid config to the tiny model, one epoch of the tiny hard
    benchmark."""
    options = tool_helpers.tiny_model_options() + [
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'train_dataloader.batch_size=8', 'val_dataloader.batch_size=64',
        'test_dataloader.batch_size=64', 'default_hooks.logger.interval=1',
        'log_level=WARNING'
    ]
    for loader in ('train', 'val', 'test'):
        options += [
            f'{loader}_dataloader.dataset.data_root={data_root}',
            f'{loader}_dataloader.dataset.size=tiny'
        ]
    return options


def run_tool(*args: str, **env_vars: str) -> str:
    """Run the tool's ``main`` here, its trainings in new processes.

    Args:
        *args (str): The tool's arguments.
        **env_vars (str): Environment of the run (and its trainings).

    Returns:
        str: What the tool printed.
    """
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in dict(OMP_NUM_THREADS='1', **env_vars).items():
            patch.setenv(key, value)
        with contextlib.redirect_stdout(out):
            ablation.main(list(args))
    return out.getvalue()


def read_csv(path: str) -> list:
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope='module')
def grid(tmp_path_factory):
    """Two configs x two seeds, trained once for the module's tests."""
    root = tmp_path_factory.mktemp('ablation')
    data_root = str(root / 'data')
    work_dir = str(root / 'grid')
    options = tiny_options(data_root)
    out = run_tool(BASELINE, FULL, '--seeds', '0', '1', '--jobs', '2',
                   '--threads', '1', '--work-dir', work_dir, '--shape', '64',
                   '32', '--latency-batch', '2', '--latency-repeats', '3',
                   '--cfg-options', *options)
    return dict(
        work_dir=work_dir, data_root=data_root, options=options, stdout=out)


@pytest.mark.slow
def test_grid_writes_runs_summary_table_and_plot(grid):
    work_dir = grid['work_dir']
    runs = read_csv(osp.join(work_dir, 'runs.csv'))
    assert [(r['config'], r['seed'])
            for r in runs] == [('bfe_r18_synthetic-hard', '0'),
                               ('bfe_r18_synthetic-hard', '1'),
                               ('sona_r18_synthetic-hard', '0'),
                               ('sona_r18_synthetic-hard', '1')]
    for run in runs:
        result = osp.join(work_dir, run['config'], f'seed{run["seed"]}',
                          'result.json')
        with open(result) as f:
            assert json.load(f)['reid/mAP'] == float(run['reid/mAP'])
        assert 0 <= float(run['reid/R1']) <= 100
        assert float(run['wall_s']) > 0

    summary = read_csv(osp.join(work_dir, 'summary.csv'))
    assert [row['config'] for row in summary
            ] == ['bfe_r18_synthetic-hard', 'sona_r18_synthetic-hard']
    for row in summary:
        values = [
            float(r['reid/mAP']) for r in runs if r['config'] == row['config']
        ]
        assert float(row['reid/mAP_mean']) == pytest.approx(np.mean(values))
        assert float(row['reid/mAP_std']) == pytest.approx(
            np.std(values, ddof=1))
        assert int(row['seeds']) == 2
    base, full = summary
    assert float(base['latency_ratio']) == 1.0
    # SONA2+3 on a dilated trunk costs more than the stride-16 baseline.
    assert float(full['gflops']) > float(base['gflops'])
    assert float(full['params_m']) > float(base['params_m'])

    with open(osp.join(work_dir, 'summary.md')) as f:
        table = f.read()
    table_rows = table.split('\n\n')[0]
    assert table_rows.count('\n') == 3  # header, rule, two configs
    # The hard benchmark's floor: the regime check of the baseline.
    assert 'Regime check' in table and 'group-blind floor' in table
    assert '`sona_r18_synthetic-hard` | 2 |' in table
    # Differences to the baseline (the first config), paired by seed.
    assert float(base['reid/mAP_diff']) == 0.0
    runs_by = {(r['config'], r['seed']): float(r['reid/mAP']) for r in runs}
    expected = np.mean([
        runs_by[('sona_r18_synthetic-hard', s)] -
        runs_by[('bfe_r18_synthetic-hard', s)] for s in ('0', '1')
    ])
    assert float(full['reid/mAP_diff']) == pytest.approx(expected)
    assert f'{expected:+.1f} ± ' in table
    with open(osp.join(work_dir, 'ablation.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert table.strip() in grid['stdout']


@pytest.mark.slow
def test_finished_runs_are_skipped(grid, capsys):
    work_dir = grid['work_dir']
    log = osp.join(work_dir, 'bfe_r18_synthetic-hard', 'seed0', 'train.log')
    before = os.stat(log).st_mtime_ns
    ablation.main([
        BASELINE, FULL, '--seeds', '0', '1', '--work-dir', work_dir,
        '--no-measure', '--cfg-options', *grid['options']
    ])
    assert capsys.readouterr().out.count('done before') == 4
    assert os.stat(log).st_mtime_ns == before


@pytest.mark.slow
def test_same_seed_reproduces_the_metrics(grid, tmp_path, capsys):
    ablation.main([
        FULL, '--seeds', '1', '--work-dir',
        str(tmp_path), '--threads', '1', '--no-measure', '--cfg-options',
        *grid['options']
    ])
    assert 'seed 1' in capsys.readouterr().out
    again = read_csv(osp.join(tmp_path, 'runs.csv'))[0]
    first = [
        r for r in read_csv(osp.join(grid['work_dir'], 'runs.csv'))
        if r['config'] == 'sona_r18_synthetic-hard' and r['seed'] == '1'
    ][0]
    for key in ablation.METRICS:
        assert again[key] == first[key], key


def test_final_metrics_takes_the_last_evaluation(tmp_path):
    for stamp, r1 in (('20260101_000000', 10.0), ('20260102_000000', 30.0)):
        folder = tmp_path / stamp / 'vis_data'
        folder.mkdir(parents=True)
        lines = [dict(loss=1.0, step=1), {'reid/R1': r1 - 5, 'step': 1}]
        lines.append({'reid/R1': r1, 'reid/mAP': 2 * r1, 'step': 2})
        (folder / 'scalars.json').write_text('\n'.join(
            json.dumps(line) for line in lines))
    assert ablation.final_metrics(str(tmp_path)) == {
        'reid/R1': 30.0,
        'reid/mAP': 60.0
    }


def test_final_metrics_without_evaluation_names_the_folder(tmp_path):
    (tmp_path / 'x' / 'vis_data').mkdir(parents=True)
    (tmp_path / 'x' / 'vis_data' /
     'scalars.json').write_text(json.dumps(dict(loss=1.0, step=1)))
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        ablation.final_metrics(str(tmp_path))


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        ablation.parse_args([str(tmp_path / 'missing.py')])
    with pytest.raises(SystemExit):
        ablation.parse_args([BASELINE, BASELINE])
    with pytest.raises(SystemExit):
        ablation.parse_args([BASELINE, '--gpus', '2', '--jobs', '2'])


@pytest.mark.slow
def test_gpus_runs_each_training_through_dist_train(grid, tmp_path):
    """Also the two-process run of ``tools/dist_train.sh`` itself: the tool
    starts it as a user does (``bash tools/dist_train.sh CONFIG 2 ...``)."""
    port = free_port()
    # CPU processes even where CUDA is visible (a simulated one-GPU
    # machine): the GPUs are hidden from the training processes.
    env = cpu_processes_env()
    run_tool(
        FULL,
        '--seeds',
        '0',
        '--gpus',
        '2',
        '--work-dir',
        str(tmp_path),
        '--no-measure',
        '--cfg-options',
        *grid['options'],
        'log_level=INFO',
        PORT=str(port),
        CUDA_VISIBLE_DEVICES=env['CUDA_VISIBLE_DEVICES'],
        PYTHONPATH=env['PYTHONPATH'])
    folder = tmp_path / 'sona_r18_synthetic-hard' / 'seed0'
    with open(folder / 'train.log') as f:
        log = f.read()
    # Two processes (CPU, gloo here) trained and evaluated together.
    assert 'Distributed training is not used' not in log
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log, log[-3000:]
    assert 'GPU number: 2' in log
    # Validation ran on the gathered features of both ranks.
    assert re.search(r'Epoch\(val\) \[1\]\[\d+/\d+\].*reid/R1', log), \
        log[-3000:]
    # Rank 0 alone wrote the checkpoint.
    assert (folder / 'epoch_1.pth').is_file()
    run = read_csv(osp.join(tmp_path, 'runs.csv'))[0]
    assert 0 <= float(run['reid/R1']) <= 100


RELATIONAL = osp.join(REPO, 'configs', 'ablation',
                      'bfe_r18h-dilated_synthetic-relational.py')


@pytest.mark.slow
def test_record_is_read_back_and_replaces_training(tmp_path, capsys):
    """Runs found in --record are not trained; the tables use them."""
    record = str(tmp_path / 'record.csv')
    rows = [
        dict(
            config=name,
            seed=seed,
            wall_s=1.5,
            **{
                k: 10.0 * (seed + 1) + i
                for i, k in enumerate(ablation.METRICS)
            })
        for name in ('bfe_r18_synthetic-hard', 'sona_r18_synthetic-hard')
        for seed in (0, 1)
    ]
    ablation.write_csv(rows, record)
    assert not osp.exists(record + '.tmp')
    back = ablation.read_record(record)
    assert back[('sona_r18_synthetic-hard', 1)] == rows[3]
    assert ablation.read_record(str(tmp_path / 'none.csv')) == {}
    work_dir = str(tmp_path / 'grid')
    ablation.main([
        BASELINE, FULL, '--seeds', '0', '1', '--work-dir', work_dir,
        '--no-measure', '--record', record, '--cfg-options',
        *tiny_options(str(tmp_path / 'data'))
    ])
    assert not osp.exists(osp.join(work_dir, 'bfe_r18_synthetic-hard'))
    summary = read_csv(osp.join(work_dir, 'summary.csv'))
    assert float(summary[1]['reid/R1_mean']) == pytest.approx(15.0)
    assert float(summary[1]['reid/mAP_diff']) == 0.0
    # --table-only trains nothing and names the runs it leaves out.
    capsys.readouterr()
    ablation.main([
        BASELINE, FULL, '--seeds', '0', '1', '2', '--work-dir', work_dir,
        '--no-measure', '--record', record, '--table-only', '--cfg-options',
        *tiny_options(str(tmp_path / 'data'))
    ])
    assert '2 runs not finished, left out: bfe_r18_synthetic-hard seed 2' \
        in capsys.readouterr().out
    assert not osp.exists(osp.join(work_dir, 'bfe_r18_synthetic-hard'))
    assert int(read_csv(osp.join(work_dir, 'summary.csv'))[0]['seeds']) == 2


def test_reference_levels_and_regime_check():
    options = ['val_dataloader.dataset.size=tiny']
    levels = ablation.reference_levels(RELATIONAL, options, draws=5)
    assert levels['ceiling']['reid/mAP'] == 100.0
    assert 0 < levels['floor']['reid/mAP'] < 100
    hard = ablation.reference_levels(BASELINE, options, draws=5)
    assert set(hard) == {'floor'}
    assert ablation.reference_levels(
        BASELINE,
        options + ['val_dataloader.dataset.difficulty=normal']) == {}
    floor = levels['floor']
    rows = [{
        'config': 'base',
        'reid/R1_mean': floor['reid/R1'] + 1,
        'reid/mAP_mean': floor['reid/mAP'] - 1
    }]
    check = ablation.regime_check(rows, 'base', levels)
    assert 'R1' in check and 'reaches' in check
    assert 'mAP' in check and 'stays BELOW' in check
    assert 'ceiling is 100.0' in check
    assert ablation.regime_check(rows, 'base', {}) == ''
