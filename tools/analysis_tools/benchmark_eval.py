"""Time and peak memory of mmsona's evaluator vs the full-argsort evaluator.

On synthetic features at Market1501 scale (3,368 queries x 15,913 gallery,
1,536-d), MSMT17 scale (11,659 x 82,161) and Market1501 with 500k
distractors (``market500k``: 3,368 x 500,000; ``tiny`` is a smoke-test size),
each measurement runs in its own subprocess so its peak resident memory is
its own (``VmHWM``, reset after the imports and the loading of the features;
Linux):

- ``distance``: the query x gallery distance matrix alone (the floor of any
  evaluator that looks at every distance);
- ``full-argsort``: the standard evaluator algorithm of torchreid /
  fast-reid's Python path, which is mmsona's reference evaluator
  (:func:`mmsona.evaluation.functional.reference.reference_evaluate`, with
  NumPy's default sort as they use): full distance matrix, full
  ``np.argsort`` of every row, the matches matrix, then per-query CMC, AP
  and INP. Its working arrays need 17 bytes per query-gallery pair (float32
  distances 4, int64 argsort 8, int32 matches 4, and the boolean comparison
  1 while the matches are built); it runs only when that (plus the
  features) fits in the available memory, otherwise the need is printed;
- ``mmsona``: :func:`mmsona.evaluation.functional.evaluate_features`;
- ``mmsona-sharded``: the gallery split into ``--shards`` contiguous parts,
  one gloo process each (sharing the ``--threads``), every process holding
  the queries and its part only, ranked with
  :func:`mmsona.evaluation.functional.evaluate_gallery_shard`; the peak
  memory and the bytes rank 0 receives (matches and counts) are printed;
- ``mmsona+rerank`` (``--rerank``): k-reciprocal re-ranking with
  :class:`KReciprocalReRanker` evaluated chunk by chunk.

Example::

    python tools/analysis_tools/benchmark_eval.py --scales market --rerank

``--device cuda`` runs ``distance`` and ``mmsona`` on the GPU (features
moved there after loading; their peak GPU memory is printed); the other
measurements stay on the CPU, and ``--skip full-argsort mmsona-sharded``
leaves them out.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

SCALES = dict(
    tiny=dict(
        num_query=60,
        num_gallery=500,
        num_ids=20,
        num_cams=4,
        num_distractors=50),
    market=dict(
        num_query=3368,
        num_gallery=15913,
        num_ids=751,
        num_cams=6,
        num_distractors=2793),
    msmt17=dict(
        num_query=11659,
        num_gallery=82161,
        num_ids=3060,
        num_cams=15,
        num_distractors=0),
    # Market1501's labelled gallery (15,913 items, 2,793 of them
    # distractors) plus distractors up to 500,000 items.
    market500k=dict(
        num_query=3368,
        num_gallery=500000,
        num_ids=751,
        num_cams=6,
        num_distractors=500000 - 15913 + 2793))
MODES = ('distance', 'full-argsort', 'mmsona', 'mmsona-sharded',
         'mmsona+rerank')
#: The measurements ``--device`` moves to a GPU.
GPU_MODES = ('distance', 'mmsona')
#: The measurements ``--skip`` can leave out.
OPTIONAL_MODES = ('full-argsort', 'mmsona-sharded')
#: Bytes per query-gallery pair of the full-argsort evaluator's arrays.
FULL_ARGSORT_BYTES_PER_PAIR = 4 + 8 + 4 + 1


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark re-ID evaluators on synthetic features.')
    parser.add_argument(
        '--scales',
        nargs='+',
        default=['market'],
        choices=sorted(SCALES),
        help='benchmark sizes to run')
    parser.add_argument(
        '--rerank',
        action='store_true',
        help='also time k-reciprocal re-ranking (k1=20, k2=6, lambda=0.3)')
    parser.add_argument(
        '--repeats',
        type=int,
        default=1,
        help='runs of every measurement; the fastest is reported')
    parser.add_argument('--dim', type=int, default=1536)
    parser.add_argument(
        '--noise',
        type=float,
        default=2.3,
        help='per-image noise of the synthetic features (difficulty)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads',
        type=int,
        default=os.cpu_count(),
        help='torch threads in every measurement')
    parser.add_argument(
        '--baseline-block-rows',
        type=int,
        default=0,
        help='build the full-argsort baseline\'s argsort and matches '
        'matrices for this many queries at a time (0: all at once, the '
        'standard algorithm; about 20 GB at MSMT17 scale)')
    parser.add_argument(
        '--shards',
        type=int,
        default=2,
        help='processes of the sharded evaluator')
    parser.add_argument(
        '--tmpdir', help='where the features are written (default: /tmp)')
    parser.add_argument(
        '--skip',
        nargs='+',
        default=[],
        choices=OPTIONAL_MODES,
        help='measurements to leave out')
    parser.add_argument(
        '--device',
        default='cpu',
        help='device of the distance and mmsona measurements, e.g. cuda '
        '(the others run on the CPU)')
    parser.add_argument('--worker', choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument('--data', help=argparse.SUPPRESS)
    parser.add_argument('--rank', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument('--port', type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ----------------------------------------------------------------- data --
def make_features(folder: str, scale: str, dim: int, noise: float,
                  seed: int) -> None:
    """Write synthetic identity-clustered features and ids as ``.npy``.

    Each identity has a random centre, each camera a random bias; an image
    is centre + bias + Gaussian noise. Distractors (pid 0) get a centre of
    their own. With the default noise (2.3) a Market-size set scores about
    R1 99%, mAP 87%, mINP 40%, the range of current models.
    """
    import torch
    spec = SCALES[scale]
    rng = np.random.default_rng(seed)
    num_q, num_g = spec['num_query'], spec['num_gallery']
    num_ids, num_cams = spec['num_ids'], spec['num_cams']
    g_pids = rng.integers(1, num_ids + 1, num_g).astype(np.int32)
    g_pids[rng.choice(num_g, spec['num_distractors'], replace=False)] = 0
    q_pids = rng.integers(1, num_ids + 1, num_q).astype(np.int32)
    q_cams = rng.integers(0, num_cams, num_q).astype(np.int32)
    g_cams = rng.integers(0, num_cams, num_g).astype(np.int32)
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_ids + 1, dim, generator=gen)
    cam_bias = 0.5 * torch.randn(num_cams, dim, generator=gen)
    for side, pids, cams in (('query', q_pids, q_cams), ('gallery', g_pids,
                                                         g_cams)):
        out = np.lib.format.open_memmap(
            osp.join(folder, f'{side}_feats.npy'),
            mode='w+',
            dtype=np.float32,
            shape=(len(pids), dim))
        for start in range(0, len(pids), 4096):
            p = torch.from_numpy(pids[start:start + 4096]).long()
            c = torch.from_numpy(cams[start:start + 4096]).long()
            centre = centres[p]
            distractor = p == 0
            centre[distractor] = torch.randn(
                int(distractor.sum()), dim, generator=gen)
            feats = centre + cam_bias[c] + noise * torch.randn(
                len(p), dim, generator=gen)
            out[start:start + len(p)] = feats.numpy()
        out.flush()
        del out
        np.save(osp.join(folder, f'{side}_pids.npy'), pids)
        np.save(osp.join(folder, f'{side}_camids.npy'), cams)


# -------------------------------------------------------------- workers --
def full_distance(q, g):
    """The full distance matrix in one product (fast-reid's formula)."""
    import torch
    dist = torch.addmm(
        g.pow(2).sum(1).unsqueeze(0), q, g.t(), beta=1, alpha=-2)
    dist.add_(q.pow(2).sum(1, keepdim=True)).clamp_(min=0).sqrt_()
    return dist


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status (Linux), in MB."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def start_memory_window() -> float:
    """Resident size now; the peak is reset so later peaks are our own.

    Importing torch and mmsona allocates transient memory whose high-water
    mark would hide the evaluator's own peak; writing 5 to
    /proc/self/clear_refs resets it (Linux >= 4.0).
    """
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    return _status_mb('VmRSS')


def run_worker(mode: str,
               folder: str,
               threads: int,
               block_rows: int = 0,
               device: str = 'cpu') -> dict:
    """One measurement; returns times, memory and metrics."""
    import torch
    torch.set_num_threads(threads)
    from mmsona.analysis.latency import synchronize
    from mmsona.evaluation.functional import (KReciprocalReRanker,
                                              evaluate_distance_rows,
                                              evaluate_features)
    from mmsona.evaluation.functional.reference import reference_evaluate
    data = {
        name: np.load(osp.join(folder, f'{name}.npy'))
        for name in ('query_feats', 'gallery_feats', 'query_pids',
                     'gallery_pids', 'query_camids', 'gallery_camids')
    }
    q = torch.from_numpy(data['query_feats'])
    g = torch.from_numpy(data['gallery_feats'])
    ids = (data['query_pids'], data['gallery_pids'], data['query_camids'],
           data['gallery_camids'])
    device = torch.device(device if mode in GPU_MODES else 'cpu')
    if device.type == 'cuda':
        q, g = q.to(device), g.to(device)
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    base_rss = start_memory_window()
    result = dict(mode=mode, device=str(device))
    cpu_start = time.process_time()
    start = time.perf_counter()
    if mode == 'distance':
        full_distance(q, g)
        result['distance_s'] = time.perf_counter() - start
        summary = None
    elif mode == 'full-argsort':
        distmat = full_distance(q, g).numpy()
        result['distance_s'] = time.perf_counter() - start
        mid = time.perf_counter()
        # The synthetic distances have no ties: the usual (unstable) sort
        # ranks like the protocol's stable one.
        summary = reference_evaluate(
            distmat, *ids, block_rows=block_rows, sort_kind='quicksort')
        result['ranking_s'] = time.perf_counter() - mid
    elif mode == 'mmsona':
        summary = evaluate_features(q, g, *ids)
    else:
        ranker = KReciprocalReRanker(q, g)
        result['prepare_s'] = time.perf_counter() - start
        summary = evaluate_distance_rows(ranker, *ids)
    synchronize(device)
    result['total_s'] = time.perf_counter() - start
    if device.type == 'cuda':
        result['gpu_peak_mb'] = torch.cuda.max_memory_allocated(device) / 2**20
    result['cpu_s'] = time.process_time() - cpu_start
    result['base_rss_mb'] = base_rss
    result['peak_rss_mb'] = _status_mb('VmHWM')
    if summary is not None:
        result.update(summary_metrics(summary))
    return result


def run_shard_worker(folder: str, threads: int, rank: int, world_size: int,
                     port: int) -> dict:
    """One rank of the sharded evaluator: the queries and a contiguous
    part of the gallery, nothing else."""
    import torch
    import torch.distributed as dist
    torch.set_num_threads(threads)
    from mmsona.evaluation.functional import (GalleryShard,
                                              evaluate_gallery_shard)

    def load(name, rows=slice(None)):
        array = np.load(osp.join(folder, f'{name}.npy'), mmap_mode='r')
        return torch.from_numpy(np.ascontiguousarray(array[rows]))

    q = load('query_feats')
    q_pids, q_camids = load('query_pids'), load('query_camids')
    num_gallery = len(np.load(osp.join(folder, 'gallery_pids.npy')))
    bounds = np.linspace(0, num_gallery, world_size + 1).astype(int)
    part = slice(int(bounds[rank]), int(bounds[rank + 1]))
    shard = GalleryShard(
        load('gallery_feats', part), load('gallery_pids', part),
        load('gallery_camids', part), torch.arange(part.start, part.stop))
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size)
    base_rss = start_memory_window()
    cpu_start = time.process_time()
    start = time.perf_counter()
    summary, received = evaluate_gallery_shard(q, q_pids, q_camids, shard,
                                               num_gallery)
    result = dict(
        mode='mmsona-sharded',
        rank=rank,
        world_size=world_size,
        total_s=time.perf_counter() - start,
        cpu_s=time.process_time() - cpu_start,
        base_rss_mb=base_rss,
        peak_rss_mb=_status_mb('VmHWM'),
        shard_items=part.stop - part.start,
        shard_mb=shard.feats.numel() * 4 / 2**20,
        query_mb=q.numel() * 4 / 2**20,
        received_mb={
            k: v / 2**20
            for k, v in received.items()
        })
    dist.barrier()
    dist.destroy_process_group()
    if summary is not None:
        result.update(summary_metrics(summary))
    return result


def summary_metrics(summary: dict) -> dict:
    """The reported numbers of an evaluation summary."""
    return dict(
        R1=float(summary['cmc'][0]),
        R5=float(summary['cmc'][4]),
        R10=float(summary['cmc'][9]),
        mAP=summary['mAP'],
        mINP=summary['mINP'],
        num_valid_queries=summary['num_valid_queries'])


def available_mb() -> float:
    """``MemAvailable`` of /proc/meminfo (Linux), in MB."""
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) / 1024
    raise KeyError('MemAvailable')


def full_argsort_need_mb(scale: str, block_rows: int = 0) -> float:
    """Peak size of the full-argsort evaluator's (Q, G) arrays, in MB.

    The float32 distance matrix is always whole; with ``block_rows`` the
    argsort and matches exist for that many queries at a time.
    """
    spec = SCALES[scale]
    num_q, num_g = spec['num_query'], spec['num_gallery']
    rows = min(block_rows, num_q) if block_rows else num_q
    dist_bytes = 4
    return (num_q * num_g * dist_bytes + rows * num_g *
            (FULL_ARGSORT_BYTES_PER_PAIR - dist_bytes)) / 2**20


# --------------------------------------------------------------- parent --
def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def measure_sharded(folder: str, threads: int, world_size: int) -> dict:
    """Run the sharded evaluator's ranks side by side; rank 0's result with
    every rank's memory."""
    script = osp.abspath(__file__)
    repo = osp.dirname(osp.dirname(osp.dirname(script)))
    port = _free_port()
    procs = [
        subprocess.Popen([
            sys.executable, script, '--worker', 'mmsona-sharded', '--data',
            folder, '--threads',
            str(max(1, threads // world_size)), '--shards',
            str(world_size), '--rank',
            str(rank), '--port',
            str(port)
        ],
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         text=True,
                         cwd=repo) for rank in range(world_size)
    ]
    outputs = [proc.communicate() for proc in procs]
    ranks = []
    for rank, (proc, (out, err)) in enumerate(zip(procs, outputs)):
        if proc.returncode != 0:
            print(f'mmsona-sharded rank {rank} failed with exit code '
                  f'{proc.returncode}\n{err[-2000:]}')
            return dict(mode='mmsona-sharded', error=f'exit {proc.returncode}')
        ranks.append(json.loads(out.strip().splitlines()[-1]))
    result = dict(ranks[0])
    result['total_s'] = max(r['total_s'] for r in ranks)
    result['cpu_s'] = sum(r['cpu_s'] for r in ranks)
    result['rank_peaks_mb'] = [r['peak_rss_mb'] for r in ranks]
    return result


def measure(mode: str,
            folder: str,
            threads: int,
            block_rows: int,
            device: str = 'cpu') -> dict:
    """Run one measurement in a fresh interpreter and read its result."""
    script = osp.abspath(__file__)
    repo = osp.dirname(osp.dirname(osp.dirname(script)))
    command = [
        sys.executable, script, '--worker', mode, '--data', folder,
        '--threads',
        str(threads), '--baseline-block-rows',
        str(block_rows), '--device', device
    ]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=repo)
    if proc.returncode != 0:
        killed = ' (killed: out of memory?)' if proc.returncode == -9 else ''
        print(f'{mode} measurement failed with exit code {proc.returncode}'
              f'{killed}\n{proc.stderr[-2000:]}')
        return dict(mode=mode, error=f'exit {proc.returncode}{killed}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(runs: list) -> dict:
    runs = [r for r in runs if 'error' not in r] or runs[:1]
    if 'error' in runs[0] or 'skipped' in runs[0]:
        return runs[0]
    best = dict(min(runs, key=lambda r: r['total_s']))
    best['cpu_s'] = min(r['cpu_s'] for r in runs)
    best['peak_rss_mb'] = max(r['peak_rss_mb'] for r in runs)
    best['base_rss_mb'] = max(r['base_rss_mb'] for r in runs)
    return best


def fmt(value, spec='.2f'):
    return '-' if value is None else format(value, spec)


def extra_mb(r: dict) -> float:
    """Peak resident memory above the inputs."""
    return r['peak_rss_mb'] - r['base_rss_mb']


def report(scale: str, rows: dict) -> None:
    print(f'\n## {scale}: {SCALES[scale]["num_query"]} queries x '
          f'{SCALES[scale]["num_gallery"]} gallery')
    print('| method | distance s | ranking s | total s | CPU s | peak RSS MB '
          '| peak above inputs MB | R1 % | mAP % | mINP % |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for mode, r in rows.items():
        if 'skipped' in r:
            print(f"| {mode} | not run: {r['skipped']} |" + ' |' * 8)
            continue
        if 'error' in r:
            from mmsona.utils.markup import markdown_text
            print(f"| {mode} | failed: {markdown_text(r['error'])} |" +
                  ' |' * 8)
            continue
        metrics = [
            fmt(r.get(k) * 100 if k in r else None)
            for k in ('R1', 'mAP', 'mINP')
        ]
        print(f"| {mode} | {fmt(r.get('distance_s'))} | "
              f"{fmt(r.get('ranking_s'))} | {fmt(r['total_s'])} | "
              f"{fmt(r['cpu_s'])} | "
              f"{r['peak_rss_mb']:.0f} | {extra_mb(r):.0f} | " +
              ' | '.join(metrics) + ' |')
    full = rows.get('full-argsort', dict(skipped='left out (--skip)'))
    ours, floor = rows['mmsona'], rows['distance']
    print()
    print(f'- full-argsort working arrays: {SCALES[scale]["num_query"]} x '
          f'{SCALES[scale]["num_gallery"]} pairs x '
          f'{FULL_ARGSORT_BYTES_PER_PAIR} B = '
          f'{full_argsort_need_mb(scale) / 1024:.1f} GiB')
    for mode in GPU_MODES:
        if 'gpu_peak_mb' in rows[mode]:
            print(f"- {mode} on {rows[mode]['device']}: peak GPU memory "
                  f"{rows[mode]['gpu_peak_mb']:.0f} MB")
    report_sharded(rows.get('mmsona-sharded'), ours)
    if 'error' in ours or 'error' in floor:
        return
    if 'skipped' in full:
        full = dict(error='skipped')
    for label, key in (('time', 'total_s'), ('CPU time', 'cpu_s')):
        versus = '' if 'error' in full else (
            f'full-argsort / mmsona {full[key] / ours[key]:.2f}x, ')
        print(f'- {label}: {versus}mmsona / distance matrix '
              f'{ours[key] / floor[key]:.2f}x')
    if 'error' not in full:
        print(f"- mmsona / full-argsort peak RSS: "
              f"{ours['peak_rss_mb'] / full['peak_rss_mb']:.3f} "
              f"(above inputs: {extra_mb(ours) / max(extra_mb(full), 1):.3f})")
        diffs = {
            k: abs(full[k] - ours[k])
            for k in ('R1', 'R5', 'R10', 'mAP', 'mINP')
        }
        same_valid = full['num_valid_queries'] == ours['num_valid_queries']
        agree = same_valid and max(diffs.values()) <= 1e-4
        print('- metrics agree (|diff| <= 1e-4, same valid queries): ' +
              ('yes' if agree else 'NO') + ' (max |diff| ' +
              ', '.join(f'{k} {v:.1e}' for k, v in diffs.items()) + ')')
    rerank = rows.get('mmsona+rerank')
    if rerank and 'error' not in rerank:
        print(f"- re-ranking: {rerank['total_s']:.1f} s "
              f"({rerank['prepare_s']:.1f} s building the k-reciprocal "
              f"sets), peak RSS {rerank['peak_rss_mb']:.0f} MB")


def report_sharded(sharded: dict, ours: dict) -> None:
    """What rank 0 of the sharded evaluator held, received and computed."""
    if not sharded or 'error' in sharded:
        return
    received = sharded['received_mb']
    peaks = ' / '.join(f'{p:.0f}' for p in sharded['rank_peaks_mb'])
    print(f"- sharded, {sharded['world_size']} processes: rank 0 holds the "
          f"queries ({sharded['query_mb']:.0f} MB) and its "
          f"{sharded['shard_items']} gallery items "
          f"({sharded['shard_mb']:.0f} MB); it received "
          f"{received['matches']:.2f} MB of matches and "
          f"{received['counts']:.2f} MB of counts; peak RSS per rank "
          f'{peaks} MB, rank 0 above its inputs {extra_mb(sharded):.0f} MB')
    if 'error' not in ours:
        diffs = {
            k: abs(sharded[k] - ours[k])
            for k in ('R1', 'R5', 'R10', 'mAP', 'mINP')
        }
        same = max(diffs.values()) == 0 and \
            sharded['num_valid_queries'] == ours['num_valid_queries']
        print('- sharded metrics equal mmsona\'s: ' +
              ('yes' if same else 'NO (max |diff| ' +
               ', '.join(f'{k} {v:.1e}' for k, v in diffs.items()) + ')'))


def main(argv=None) -> None:
    """Benchmark from the command line (or run one measurement worker)."""
    args = parse_args(argv)
    if args.worker == 'mmsona-sharded':
        print(
            json.dumps(
                run_shard_worker(args.data, args.threads, args.rank,
                                 args.shards, args.port)))
        return
    if args.worker:
        print(
            json.dumps(
                run_worker(args.worker, args.data, args.threads,
                           args.baseline_block_rows, args.device)))
        return
    if args.device != 'cpu':
        import torch
        if torch.device(args.device).type == 'cuda' and \
                not torch.cuda.is_available():
            sys.exit(f'--device {args.device}: no CUDA device is available '
                     'here (torch.cuda.is_available() is False)')
    print(f'# benchmark_eval: dim {args.dim}, noise {args.noise}, seed '
          f'{args.seed}, {args.threads} threads, best of {args.repeats}, '
          f'distance and mmsona on {args.device}')
    if args.baseline_block_rows:
        print(f'# full-argsort: argsort and matches built for '
              f'{args.baseline_block_rows} queries at a time')
    modes = [
        mode
        for mode in ('distance', 'mmsona', 'full-argsort', 'mmsona-sharded')
        if mode not in args.skip
    ]
    if args.rerank:
        modes.append('mmsona+rerank')
    for scale in args.scales:
        folder = tempfile.mkdtemp(
            prefix=f'bench_eval_{scale}_', dir=args.tmpdir)
        try:
            make_features(folder, scale, args.dim, args.noise, args.seed)
            spec = SCALES[scale]
            feats_mb = (spec['num_query'] +
                        spec['num_gallery']) * args.dim * 4 / 2**20
            need_mb = full_argsort_need_mb(scale,
                                           args.baseline_block_rows) + feats_mb
            runs = {mode: [] for mode in modes}
            for _ in range(args.repeats):
                for mode in modes:
                    if mode == 'full-argsort' and need_mb > available_mb():
                        runs[mode].append(
                            dict(
                                mode=mode,
                                skipped=f'needs {need_mb / 1024:.1f} GiB with '
                                'the features, '
                                f'{available_mb() / 1024:.1f} GiB available'))
                    elif mode == 'mmsona-sharded':
                        runs[mode].append(
                            measure_sharded(folder, args.threads, args.shards))
                    else:
                        runs[mode].append(
                            measure(mode, folder, args.threads,
                                    args.baseline_block_rows, args.device))
            report(scale, {mode: best_of(r) for mode, r in runs.items()})
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main()
