"""Run an ablation grid (configs x seeds) and tabulate it.

Every run is ``tools/train.py CONFIG`` in its own process with
``randomness.seed`` set, writing to ``<work-dir>/<config>/seed<k>/``. A run
whose ``result.json`` exists is skipped, so an interrupted grid resumes
where it stopped. ``--jobs`` runs that many trainings side by side, each
with ``--threads`` CPU threads; ``--gpus N`` trains each run on N GPUs
through ``tools/dist_train.sh`` instead. When every run is done the tool
measures parameters, FLOPs and inference latency of each config (alone,
after the trainings, so they do not disturb it) and writes:

- ``runs.csv``: one row per run (metrics and wall time);
- ``summary.csv`` and ``summary.md``: mean +- standard deviation over seeds,
  the R1 and mAP difference to the baseline (paired by seed, +- the 95%
  confidence half width), parameters, GFLOPs and the latency ratio to the
  baseline;
- ``ablation.png``: R1 and mAP per config with their spread over seeds.

Example (the synthetic grid of docs/ablation.md):
    python tools/analysis_tools/ablation.py configs/ablation/*.py \
        --seeds 0 1 2 --jobs 2 --work-dir work_dirs/ablation

and two of the paper's configs on Market-1501, 4 GPUs per run:
    python tools/analysis_tools/ablation.py \
        configs/sona/bfe_r50-dilated-dbplus_market.py \
        configs/sona/sona_r50_market.py \
        --seeds 0 1 2 --gpus 4 --work-dir work_dirs/ablation_market
"""
import argparse
import csv
import json
import math
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Dict, List, Optional, Sequence

from mmsona.analysis import (last_record, load_scalar_log, mean_std,
                             paired_difference, run_scalar_logs)
from mmsona.utils import config_name

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')
DIST_TRAIN = osp.join(REPO, 'tools', 'dist_train.sh')
METRICS = ('reid/R1', 'reid/R5', 'reid/mAP', 'reid/mINP')
# Metrics whose paired difference to the baseline the table shows.
DIFF_METRICS = ('reid/R1', 'reid/mAP')


def run_dir(work_dir: str, config: str, seed: int) -> str:
    """Folder of one run: ``<work_dir>/<config name>/seed<seed>``."""
    return osp.join(work_dir, config_name(config), f'seed{seed}')


def final_metrics(folder: str) -> Dict[str, float]:
    """The last validation metrics a training run logged.

    Args:
        folder (str): The run's work dir (holding ``<timestamp>/vis_data``).

    Returns:
        dict[str, float]: ``reid/*`` metrics of the last evaluation.

    Raises:
        RuntimeError: No evaluation was logged.
    """
    found = None
    for log in run_scalar_logs(folder):
        records = load_scalar_log(log, allow_empty=True)
        found = last_record(records, ('reid/R1', )) or found
    if found is None:
        raise RuntimeError(
            f'no reid/R1 in {folder}/*/vis_data/scalars.json: the run '
            'never evaluated (see train.log there).')
    return {k: float(v) for k, v in found.items() if k.startswith('reid/')}


def train_one(config: str,
              seed: int,
              work_dir: str,
              threads: int,
              cfg_options: Sequence[str],
              gpus: int = 0) -> dict:
    """Train one config with one seed unless its result exists.

    Args:
        config (str): Config file.
        seed (int): ``randomness.seed``.
        work_dir (str): Root of the grid's work dirs.
        threads (int): CPU threads of the training process.
        cfg_options (Sequence[str]): Extra ``key=value`` overrides.
        gpus (int): Processes of the run, started by
            ``tools/dist_train.sh`` (GPUs; CPU processes where CUDA is
            missing); 0 runs ``tools/train.py`` in one process. Defaults
            to 0.

    Returns:
        dict: ``config``, ``seed``, the ``reid/*`` metrics, ``wall_s`` and
        ``skipped`` (True when the result was already there).
    """
    folder = run_dir(work_dir, config, seed)
    result_file = osp.join(folder, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return dict(json.load(f), skipped=True)
    if osp.isdir(folder):  # an interrupted run: start it again
        shutil.rmtree(folder)
    os.makedirs(folder)
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
        PYTHONHASHSEED=str(seed),
        PYTHON=sys.executable)
    if gpus:
        launch = ['bash', DIST_TRAIN, config, str(gpus)]
    else:
        launch = [sys.executable, TRAIN, config]
    cmd = [
        *launch, '--work-dir', folder, '--cfg-options',
        f'randomness.seed={seed}', *cfg_options
    ]
    start = time.perf_counter()
    with open(osp.join(folder, 'train.log'), 'w') as log:
        code = subprocess.call(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f'{" ".join(cmd)} exited with {code}; see '
                           f'{osp.join(folder, "train.log")}')
    result = dict(
        config=config_name(config),
        seed=seed,
        wall_s=round(wall, 1),
        **final_metrics(folder))
    tmp = result_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, result_file)
    return dict(result, skipped=False)


def read_record(path: Optional[str]) -> Dict[tuple, dict]:
    """Runs recorded in a CSV by an earlier grid, by (config, seed).

    Args:
        path (str, optional): The CSV (``runs.csv`` columns); a missing file
            or None gives no runs.

    Returns:
        dict[tuple, dict]: Results keyed by ``(config name, seed)``.
    """
    if not path or not osp.isfile(path):
        return {}
    runs = {}
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            result = {
                k:
                (v if k == 'config' else int(v) if k == 'seed' else float(v))
                for k, v in row.items() if v != ''
            }
            runs[result['config'], result['seed']] = result
    return runs


def finished_runs(grid: Sequence[tuple], recorded: Dict[tuple, dict],
                  work_dir: str) -> tuple:
    """Split a grid into the runs that have a result and the others.

    Args:
        grid (Sequence[tuple]): ``(config file, seed)`` pairs.
        recorded (dict): Output of :func:`read_record`.
        work_dir (str): Root of the run folders.

    Returns:
        tuple[list, list]: Finished and missing ``(config, seed)`` pairs.
    """
    done, missing = [], []
    for config, seed in grid:
        found = (config_name(config), seed) in recorded or osp.isfile(
            osp.join(run_dir(work_dir, config, seed), 'result.json'))
        (done if found else missing).append((config, seed))
    return done, missing


def parse_cfg_options(options: Sequence[str]) -> dict:
    """``key=value`` strings as ``tools/train.py --cfg-options`` reads them.

    Args:
        options (Sequence[str]): The strings.

    Returns:
        dict: Dotted keys to values.
    """
    from mmengine.config import DictAction
    namespace = argparse.Namespace()
    DictAction([], 'options')(None, namespace, list(options))
    return namespace.options


def prepare_data(configs: Sequence[str], cfg_options: Sequence[str]) -> None:
    """Build every config's data sets once, before any run starts.

    Synthetic benchmarks are generated here when missing, so parallel runs
    never generate the same folder at the same time, and a missing real
    data set fails now rather than hours into the grid.

    Args:
        configs (Sequence[str]): Config files.
        cfg_options (Sequence[str]): ``key=value`` overrides of the runs.
    """
    from mmengine.config import Config

    from mmsona.registry import DATASETS
    from mmsona.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    overrides = parse_cfg_options(cfg_options)
    seen = set()
    for path in configs:
        cfg = Config.fromfile(path)
        cfg.merge_from_dict(overrides)
        for loader in ('train_dataloader', 'val_dataloader'):
            spec = cfg.get(loader, {}).get('dataset')
            if spec is not None and repr(spec) not in seen:
                seen.add(repr(spec))
                DATASETS.build(spec)


def reference_levels(config: str,
                     cfg_options: Sequence[str],
                     draws: int = 20) -> Dict[str, Dict[str, float]]:
    """Reference levels of a config's synthetic validation benchmark.

    Args:
        config (str): Config file (its ``val_dataloader`` is read).
        cfg_options (Sequence[str]): ``key=value`` overrides of the runs.
        draws (int): Random within-group orders of the floor.

    Returns:
        dict: ``floor`` (groups known, identities within a group in random
        order; mean over draws) for the hard and relational benchmarks and
        ``ceiling`` (the part oracle) for the relational probe, each a dict
        of ``reid/<metric>`` percentages; empty for other data sets.
    """
    from mmengine.config import Config

    from mmsona.apis import reference_metrics
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(parse_cfg_options(cfg_options))
    spec = cfg.val_dataloader.dataset
    difficulty = spec.get('difficulty', 'normal')
    if 'SyntheticReID' not in str(spec.get('type')) or difficulty == 'normal':
        return {}
    args = (spec.get('size', 'demo'), difficulty, spec.get('seed', 0))

    def mean(metrics):
        return {f'reid/{k}': statistics.fmean(v) for k, v in metrics.items()}

    levels = dict(floor=mean(reference_metrics(*args, 'group_blind', draws)))
    if difficulty == 'relational':
        levels['ceiling'] = mean(reference_metrics(*args, 'part_oracle'))
    return levels


def regime_check(rows: List[dict], baseline: str,
                 levels: Dict[str, Dict[str, float]]) -> str:
    """Whether the baseline reaches the floor and leaves room below the
    ceiling, as printable lines.

    Args:
        rows (list[dict]): Output of :func:`summarise`.
        baseline (str): Name of the baseline config.
        levels (dict): Output of :func:`reference_levels`.

    Returns:
        str: The check, or '' without levels.
    """
    if not levels:
        return ''
    row = next(r for r in rows if r['config'] == baseline)
    lines = [
        'Regime check (mean over seeds of the baseline '
        f'`{baseline}`):'
    ]
    for key in ('reid/R1', 'reid/mAP'):
        value, floor = row[key + '_mean'], levels['floor'][key]
        verdict = 'reaches' if value >= floor else 'stays BELOW'
        text = (f'- {key[5:]} {value:.1f} {verdict} the group-blind floor '
                f'{floor:.1f}')
        if 'ceiling' in levels:
            text += (f'; the part-oracle ceiling is '
                     f'{levels["ceiling"][key]:.1f}')
        lines.append(text + '.')
    return '\n'.join(lines)


def measure_configs(configs: Sequence[str], baseline: str,
                    shape: Sequence[int], batch_size: int, repeats: int,
                    threads: int) -> Dict[str, dict]:
    """Parameters, GFLOPs and latency ratio to the baseline of each config.

    Args:
        configs (Sequence[str]): Config files.
        baseline (str): Config whose latency is the unit.
        shape (Sequence[int]): Input height and width.
        batch_size (int): Images per timed forward.
        repeats (int): Timed forwards per model (order alternating).
        threads (int): CPU threads.

    Returns:
        dict[str, dict]: By config name: ``params_m``, ``gflops``,
        ``flop_ratio``, ``latency_ratio``.
    """
    import torch

    from mmsona.analysis import (count_complexity, load_benchmark_config,
                                 ratio_stats, time_models)
    from mmsona.apis import get_model

    torch.set_num_threads(threads)
    models, info = {}, {}
    for path in dict.fromkeys([baseline, *configs]):
        name = config_name(path)
        torch.manual_seed(0)
        models[name] = get_model(load_benchmark_config(path))
        stats = count_complexity(models[name], shape)
        info[name] = dict(
            params_m=stats['params'] / 1e6, gflops=stats['flops'] / 1e9)
    inputs = torch.randn(batch_size, 3, *shape)
    timings = time_models(models, inputs, warmup=2, repeats=repeats)
    base = config_name(baseline)
    for name in info:
        info[name]['flop_ratio'] = info[name]['gflops'] / info[base]['gflops']
        info[name]['latency_ratio'] = ratio_stats(timings, name, base)[0]
    return info


def summarise(results: List[dict],
              configs: Sequence[str],
              complexity: Dict[str, dict],
              baseline: Optional[str] = None) -> List[dict]:
    """One row per config: metrics as mean and std over seeds.

    Args:
        results (list[dict]): Outputs of :func:`train_one`.
        configs (Sequence[str]): Config files, in table order.
        complexity (dict): Output of :func:`measure_configs`.
        baseline (str, optional): Config name the differences
            (:func:`paired_difference`) are taken against. Defaults to None
            (no differences).

    Returns:
        list[dict]: Rows with ``config``, ``seeds``, ``<metric>_mean``,
        ``<metric>_std``, ``wall_s_mean``, the complexity fields and, with
        a baseline, ``<metric>_diff`` and ``<metric>_diff_ci`` (the 95%
        half width) for R1 and mAP.
    """
    rows = []
    for path in configs:
        name = config_name(path)
        runs = [r for r in results if r['config'] == name]
        row = dict(config=name, seeds=len(runs))
        for key in (*METRICS, 'wall_s'):
            row[f'{key}_mean'], row[f'{key}_std'] = mean_std(
                [r[key] for r in runs])
        for key in DIFF_METRICS if baseline else ():
            diff = paired_difference(results, name, baseline, key)
            if diff is not None:
                row[f'{key}_diff'], row[f'{key}_diff_ci'] = diff[:2]
        row.update(complexity.get(name, {}))
        rows.append(row)
    return rows


def markdown_table(rows: List[dict], baseline: str) -> str:
    """The summary as a Markdown table.

    Config names are escaped (a code span that shows them literally), so
    any file name appears as text.

    Args:
        rows (list[dict]): Output of :func:`summarise`.
        baseline (str): Name of the baseline (for the header).

    Returns:
        str: The table.
    """
    from mmsona.utils.markup import markdown_code
    name = markdown_code(baseline)
    diffs = [f'{k[5:]} - {name} (pts)' for k in DIFF_METRICS]
    lines = [
        '| config | seeds | R1 (%) | R5 (%) | mAP (%) | mINP (%) | ' +
        ' | '.join(diffs) + ' | '
        f'params (M) | GFLOPs | latency / {name} | train min |',
        '|---|' + '---:|' * (len(METRICS) + len(diffs) + 5),
    ]
    for row in rows:
        cells = [markdown_code(row['config']), str(row['seeds'])]
        for key in METRICS:
            cells.append(f'{row[key + "_mean"]:.1f} ± {row[key + "_std"]:.1f}')
        for key in DIFF_METRICS:
            if key + '_diff' not in row:
                cells.append('-')
            elif math.isnan(row[key + '_diff_ci']):
                cells.append(f'{row[key + "_diff"]:+.1f}')
            else:
                cells.append(f'{row[key + "_diff"]:+.1f} ± '
                             f'{row[key + "_diff_ci"]:.1f}')
        if 'gflops' in row:
            cells += [
                f'{row["params_m"]:.2f}', f'{row["gflops"]:.3f}',
                f'{row["latency_ratio"]:.3f}'
            ]
        else:
            cells += ['-', '-', '-']
        cells.append(f'{row["wall_s_mean"] / 60:.1f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def plot(rows: List[dict],
         results: List[dict],
         path: str,
         levels: Optional[Dict[str, Dict[str, float]]] = None) -> None:
    """Bar plot of R1 and mAP per config, seeds as dots, std as error bars.

    Args:
        rows (list[dict]): Output of :func:`summarise`.
        results (list[dict]): Per-run results (the dots).
        path (str): PNG file to write.
        levels (dict, optional): Output of :func:`reference_levels`, drawn
            as vertical lines. Defaults to None.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = [row['config'] for row in rows]
    fig, axes = plt.subplots(
        1, 2, figsize=(12, 0.45 * len(rows) + 1.5), sharey=True)
    for ax, key, title in zip(axes, ('reid/R1', 'reid/mAP'), ('R1', 'mAP')):
        means = [row[key + '_mean'] for row in rows]
        stds = [row[key + '_std'] for row in rows]
        ypos = range(len(rows))
        ax.barh(ypos, means, xerr=stds, color='#8fb3d9', capsize=3)
        for y, name in enumerate(names):
            values = [r[key] for r in results if r['config'] == name]
            ax.plot(values, [y] * len(values), 'k.', markersize=4)
        marks = [means[0]]
        for level, style in (('floor', 'r--'), ('ceiling', 'g:')):
            if levels and level in levels:
                x = levels[level][key]
                marks.append(x)
                ax.axvline(x, color=style[0], linestyle=style[1:], lw=1)
                ax.text(
                    x,
                    -0.6,
                    level,
                    color=style[0],
                    fontsize=7,
                    ha='center',
                    va='bottom')
        low = min(min(means) - 2 * max(stds + [1.0]), 100, *marks)
        ax.set_xlim(max(0.0, low - 5), min(100.0, max(max(means), *marks) + 5))
        ax.set_xlabel(f'{title} (%)')
        ax.grid(axis='x', alpha=0.3)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels(names, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(
        'mean over seeds (bars), one dot per seed, '
        'error bar = std',
        fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_csv(rows: List[dict], path: str) -> None:
    """Write dict rows as CSV (columns of the first row, then new ones),
    replacing ``path`` at once so a reader never sees half a file."""
    fields: List[str] = []
    for row in rows:
        fields += [k for k in row if k not in fields]
    tmp = path + '.tmp'
    with open(tmp, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train configs x seeds and tabulate the re-ID metrics.')
    parser.add_argument(
        'configs',
        nargs='+',
        help='config files, in table order (relative data roots are read '
        'from the current directory)')
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds')
    parser.add_argument(
        '--work-dir',
        default='work_dirs/ablation',
        help='root of the run folders and of the tables')
    parser.add_argument(
        '--jobs', type=int, default=1, help='trainings run side by side')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='CPU threads per training (default: CPUs // jobs)')
    parser.add_argument(
        '--gpus',
        type=int,
        default=0,
        help='train each run on this many GPUs with tools/dist_train.sh '
        '(CPU processes where CUDA is missing); 0 (default) runs '
        'tools/train.py in one process')
    parser.add_argument(
        '--baseline',
        default=None,
        help='config whose latency is the unit (default: the first)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[128, 64],
        help='input height and width for FLOPs and latency')
    parser.add_argument('--latency-batch', type=int, default=8)
    parser.add_argument('--latency-repeats', type=int, default=20)
    parser.add_argument(
        '--no-measure',
        action='store_true',
        help='skip parameters, FLOPs and latency')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='key=value overrides passed to every training')
    parser.add_argument(
        '--record',
        default=None,
        help='CSV of finished runs (runs.csv columns): runs found there are '
        'not trained again, and every new run is added to it as soon as it '
        'ends, so a grid can be extended across machines and sessions '
        '(e.g. a committed file under docs/)')
    parser.add_argument(
        '--table-only',
        action='store_true',
        help='train nothing: tabulate the runs found in --record or in the '
        'work dir and leave the missing ones out (say which)')
    args = parser.parse_args(argv)
    names = [config_name(c) for c in args.configs]
    if len(set(names)) != len(names):
        parser.error(f'config file names must be distinct: {args.configs}')
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        parser.error(f'config files not found: {missing}')
    if args.jobs < 1:
        parser.error('--jobs must be >= 1')
    if args.gpus < 0:
        parser.error('--gpus must be >= 0')
    if args.gpus and args.jobs > 1:
        parser.error('--gpus runs one training at a time on all the GPUs: '
                     'use --jobs 1')
    if args.threads is None:
        args.threads = max(1, (os.cpu_count() or 1) // args.jobs)
    args.configs = [osp.abspath(c) for c in args.configs]
    args.baseline = osp.abspath(args.baseline or args.configs[0])
    args.work_dir = osp.abspath(args.work_dir)
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    prepare_data(args.configs, args.cfg_options)
    # Seed by seed: an interrupted grid has whole seeds of every config.
    grid = [(c, s) for s in args.seeds for c in args.configs]
    print(
        f'{len(grid)} runs ({len(args.configs)} configs x seeds '
        f'{args.seeds}), {args.jobs} at a time with {args.threads} '
        f'thread(s) each; folders under {args.work_dir}/',
        flush=True)
    recorded = read_record(args.record)
    if args.table_only:
        grid, missing = finished_runs(grid, recorded, args.work_dir)
        if missing:
            print(f'{len(missing)} runs not finished, left out: ' +
                  ', '.join(f'{config_name(c)} seed {s}' for c, s in missing))
        if not grid:
            raise SystemExit('No finished run to tabulate.')
    results, start = [], time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = [
            pool.submit(train_one, c, s, args.work_dir, args.threads,
                        args.cfg_options, args.gpus) for c, s in grid
            if (config_name(c), s) not in recorded
        ]
        results += [
            dict(recorded[config_name(c), s], skipped=True) for c, s in grid
            if (config_name(c), s) in recorded
        ]
        for done, future in enumerate(as_completed(futures), len(results) + 1):
            result = future.result()
            results.append(result)
            if args.record:
                recorded[result['config'], result['seed']] = {
                    k: v
                    for k, v in result.items() if k != 'skipped'
                }
                write_csv(
                    sorted(
                        recorded.values(),
                        key=lambda r: (r['config'], r['seed'])), args.record)
            elapsed = time.perf_counter() - start
            trained = sum(not r['skipped'] for r in results)
            left = len(grid) - done
            # runs finish about jobs at a time: wall time per finished run
            eta = elapsed / trained * left if trained else 0
            state = 'done before' if result['skipped'] else (
                f'{result["wall_s"] / 60:.1f} min')
            print(
                f'[{done}/{len(grid)}] {result["config"]} seed '
                f'{result["seed"]}: R1 {result["reid/R1"]:.2f} mAP '
                f'{result["reid/mAP"]:.2f} mINP {result["reid/mINP"]:.2f} '
                f'({state}; about {eta / 60:.0f} min left)',
                flush=True)
    order = {
        (config_name(c), s): (i, s)
        for i, c in enumerate(args.configs)
        for s in args.seeds
    }
    results.sort(key=lambda r: order[(r['config'], r['seed'])])
    for r in results:
        r.pop('skipped')

    complexity = {}
    if not args.no_measure:
        print('measuring parameters, FLOPs and latency ...', flush=True)
        complexity = measure_configs(args.configs, args.baseline, args.shape,
                                     args.latency_batch, args.latency_repeats,
                                     os.cpu_count() or 1)
    rows = summarise(results, args.configs, complexity,
                     config_name(args.baseline))
    levels = reference_levels(args.baseline, args.cfg_options)
    write_csv(results, osp.join(args.work_dir, 'runs.csv'))
    write_csv(rows, osp.join(args.work_dir, 'summary.csv'))
    table = markdown_table(rows, config_name(args.baseline))
    check = regime_check(rows, config_name(args.baseline), levels)
    if check:
        table += '\n\n' + check
    with open(osp.join(args.work_dir, 'summary.md'), 'w') as f:
        f.write(table + '\n')
    if levels:
        with open(osp.join(args.work_dir, 'levels.json'), 'w') as f:
            json.dump(levels, f, indent=1)
    plot(rows, results, osp.join(args.work_dir, 'ablation.png'), levels)
    print(table)
    print(f'wrote runs.csv, summary.csv, summary.md and ablation.png to '
          f'{args.work_dir}/')


if __name__ == '__main__':
    main()
