"""Build time, queries/s, recall@10 and memory of the search indexes.

On synthetic identity-clustered features (default: 1,000,000 gallery
vectors and 1,000 queries, 1,536-d, the size of mmsona's test feature),
each index of ``tools/search.py --index`` is built and queried in its own
subprocess, so its peak resident memory (``VmHWM``, reset after the imports;
Linux) is its own:

- ``exact``: :class:`mmsona.search.ExactIndex`, chunked top-k in PyTorch;
  its results are the ground truth of the recall;
- ``faiss-flat``, ``faiss-ivf``, ``faiss-hnsw``:
  :class:`mmsona.search.FaissIndex` with the settings ``tools/search.py``
  uses (``--nprobe``, ``--ef-search`` ... override them).

The result is printed as a Markdown table (docs/search.md shows it).

Example::

    python tools/analysis_tools/benchmark_search.py --gallery 1000000 \
        --queries 1000 --threads 2
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

INDEX_TYPES = ('exact', 'faiss-flat', 'faiss-ivf', 'faiss-hnsw')
#: Rows generated at a time when writing the synthetic features.
CHUNK = 65536


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Benchmark the exact and faiss search indexes on '
        'synthetic features: build time, queries/s, recall@10 against the '
        'exact index, peak memory; prints a Markdown table.')
    parser.add_argument(
        '--gallery',
        type=int,
        default=10**6,
        help='gallery vectors (default: %(default)s)')
    parser.add_argument(
        '--queries',
        type=int,
        default=1000,
        help='query vectors (default: %(default)s)')
    parser.add_argument(
        '--dim',
        type=int,
        default=1536,
        help='feature dimension (default: %(default)s)')
    parser.add_argument(
        '--topk',
        type=int,
        default=10,
        help='neighbours per query; the recall is recall@topk (default: '
        '%(default)s)')
    parser.add_argument(
        '--indexes',
        nargs='+',
        choices=INDEX_TYPES,
        default=list(INDEX_TYPES),
        help='indexes to measure (exact always runs: it is the reference)')
    parser.add_argument(
        '--metric',
        choices=('euclidean', 'cosine'),
        default='euclidean',
        help='distance (default: %(default)s)')
    parser.add_argument(
        '--nlist', type=int, default=None, help='IVF lists (default: auto)')
    parser.add_argument(
        '--nprobe',
        type=int,
        default=None,
        help='IVF lists visited per query (default: auto)')
    parser.add_argument(
        '--hnsw-m', type=int, default=32, help='HNSW links per vector')
    parser.add_argument(
        '--ef-search',
        type=int,
        default=128,
        help='HNSW candidate list while searching')
    parser.add_argument(
        '--device',
        default='cpu',
        help='device of the exact index (default: %(default)s)')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch / faiss threads (default: the libraries\' default)')
    parser.add_argument(
        '--ids-per-image',
        type=float,
        default=0.05,
        help='identities per gallery vector (0.05: 20 images per identity, '
        'as in Market-1501)')
    parser.add_argument(
        '--noise',
        type=float,
        default=0.6,
        help='per-image noise relative to the spread of identity centres')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--data',
        default=None,
        help='folder for the synthetic features (default: a temporary '
        'folder, removed at the end); existing features of the same size '
        'are reused')
    parser.add_argument(
        '--in-process',
        action='store_true',
        help='measure in this process (fast, for tests; the memory figures '
        'then include everything before)')
    parser.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def make_features(folder: str, args: argparse.Namespace) -> None:
    """Write identity-clustered gallery and query features as ``.npy``.

    Each identity has a Gaussian centre; an image is its identity's centre
    plus ``noise`` times Gaussian noise; queries are drawn from the gallery's
    identities, so each has true neighbours.
    """
    spec = dict(
        gallery=args.gallery,
        queries=args.queries,
        dim=args.dim,
        ids=args.ids_per_image,
        noise=args.noise,
        seed=args.seed)
    spec_file = osp.join(folder, 'spec.json')
    if osp.isfile(spec_file):
        with open(spec_file) as f:
            if json.load(f) == spec:
                return
    rng = np.random.default_rng(args.seed)
    num_ids = max(1, int(round(args.gallery * args.ids_per_image)))
    centres = rng.standard_normal((num_ids, args.dim), dtype=np.float32)
    scale = np.float32(args.noise)
    for name, num in (('gallery', args.gallery), ('query', args.queries)):
        out = np.lib.format.open_memmap(
            osp.join(folder, f'{name}.npy'),
            mode='w+',
            dtype=np.float32,
            shape=(num, args.dim))
        for start in range(0, num, CHUNK):
            rows = min(CHUNK, num - start)
            ids = rng.integers(0, num_ids, rows)
            noise = rng.standard_normal((rows, args.dim), dtype=np.float32)
            out[start:start + rows] = centres[ids] + scale * noise
        out.flush()
        del out
    with open(spec_file, 'w') as f:
        json.dump(spec, f)


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status (Linux), in MB (NaN elsewhere)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float('nan')


def reset_peak_memory() -> float:
    """Resident MB now, with the peak reset to it where Linux allows."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass
    return _status_mb('VmRSS')


def index_options(index_type: str, args: argparse.Namespace) -> dict:
    """Settings of one index from the arguments."""
    if index_type == 'faiss-ivf':
        return dict(nlist=args.nlist, nprobe=args.nprobe, seed=args.seed)
    if index_type == 'faiss-hnsw':
        return dict(hnsw_m=args.hnsw_m, ef_search=args.ef_search)
    return {}


def run_worker(index_type: str, folder: str, args: argparse.Namespace) -> dict:
    """Build and query one index; returns its figures."""
    import torch

    from mmsona.search import build_index
    if args.threads:
        torch.set_num_threads(args.threads)
    options = index_options(index_type, args)
    index = build_index(index_type, args.metric, device=args.device, **options)
    if args.threads and index_type != 'exact':
        index.faiss.omp_set_num_threads(args.threads)
    gallery = np.load(osp.join(folder, 'gallery.npy'), mmap_mode='r')
    query = np.load(osp.join(folder, 'query.npy'))
    base = reset_peak_memory()
    start = time.perf_counter()
    index.add(gallery)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    _, found = index.search(query, args.topk)
    search_s = time.perf_counter() - start
    result = dict(
        index=index_type,
        build_s=build_s,
        search_s=search_s,
        qps=len(query) / max(search_s, 1e-9),
        base_rss_mb=base,
        peak_rss_mb=_status_mb('VmHWM'))
    truth_file = osp.join(folder, f'truth_top{args.topk}.npy')
    if index_type == 'exact':
        np.save(truth_file, found)
    truth = np.load(truth_file)
    hits = [len(set(a[a >= 0]) & set(b)) for a, b in zip(found, truth)]
    result['recall'] = float(np.sum(hits)) / max(truth.size, 1)
    return result


def measure(index_type: str, folder: str, args: argparse.Namespace,
            argv: list) -> dict:
    """One index in a fresh interpreter (or here, with ``--in-process``)."""
    if args.in_process:
        return run_worker(index_type, folder, args)
    script = osp.abspath(__file__)
    repo = osp.dirname(osp.dirname(osp.dirname(script)))
    command = [
        sys.executable, script, *argv, '--worker', index_type, '--data', folder
    ]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=repo)
    if proc.returncode != 0:
        killed = ' (killed: out of memory?)' if proc.returncode == -9 else ''
        print(
            f'{index_type} failed with exit code {proc.returncode}'
            f'{killed}\n{proc.stderr[-2000:]}',
            file=sys.stderr)
        return dict(index=index_type, error=f'exit {proc.returncode}{killed}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def faiss_available() -> bool:
    """Whether faiss can be imported."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def report(rows: list, args: argparse.Namespace) -> None:
    """Print the Markdown table."""
    print(f'\n{args.gallery:,} gallery x {args.queries:,} queries, '
          f'{args.dim}-d, {args.metric}, top-{args.topk}, device '
          f'{args.device}, threads {args.threads or "default"}\n')
    print(f'| index | build s | queries/s | recall@{args.topk} | '
          'peak RSS MB | peak above inputs MB |')
    print('|---|---:|---:|---:|---:|---:|')
    for r in rows:
        if 'error' in r:
            print(f"| {r['index']} | {r['error']} | | | | |")
            continue
        print(f"| {r['index']} | {r['build_s']:.2f} | {r['qps']:,.0f} | "
              f"{r['recall']:.4f} | {r['peak_rss_mb']:,.0f} | "
              f"{r['peak_rss_mb'] - r['base_rss_mb']:,.0f} |")


def main(argv=None) -> int:
    """Benchmark from the command line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.data, args)))
        return 0
    if min(args.gallery, args.queries, args.dim, args.topk) < 1:
        print(
            'error: --gallery, --queries, --dim and --topk must be >= 1.',
            file=sys.stderr)
        return 2
    wanted = [t for t in INDEX_TYPES if t == 'exact' or t in args.indexes]
    if not faiss_available():
        skipped = [t for t in wanted if t != 'exact']
        if skipped:
            print(f'faiss is not installed (pip install "mmsona[faiss]"): '
                  f'skipping {", ".join(skipped)}.')
        wanted = ['exact']
    folder = args.data or tempfile.mkdtemp(prefix='benchmark_search_')
    os.makedirs(folder, exist_ok=True)
    try:
        start = time.perf_counter()
        make_features(folder, args)
        print(f'Synthetic features ready in {time.perf_counter() - start:.1f}'
              f' s ({folder})')
        rows = []
        for index_type in wanted:
            rows.append(measure(index_type, folder, args, argv))
            if 'error' in rows[-1] and index_type == 'exact':
                break
            print(f'{index_type}: done', flush=True)
        report(rows, args)
    finally:
        if args.data is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
