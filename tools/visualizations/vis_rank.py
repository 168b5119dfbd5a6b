"""Draw rank lists from the features dumped by ``tools/test.py --out``.

Example:
    python tools/test.py configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth --out feats.pth
    python tools/visualizations/vis_rank.py \
        configs/sona/sona_r18_synthetic.py feats.pth --out-dir rank_lists
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import Config

from mmsona.utils import (UntrustedCheckpointError, add_trust_argument,
                          is_config_type, load_local_checkpoint,
                          missing_file_message)
from mmsona.visualization import (ReIDVisualizer, choose_queries,
                                  write_rank_lists)

DUMP_KEYS = ('query_feats', 'gallery_feats', 'query_pids', 'gallery_pids',
             'query_camids', 'gallery_camids', 'query_paths', 'gallery_paths')


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Draw rank-list pictures (query + top-k gallery images, '
        'green/red borders for correct/wrong identities, grey for '
        'same-camera matches the Market protocol ignores, distances printed) '
        'from the features that tools/test.py --out dumped.')
    parser.add_argument(
        'config',
        help='config of the run; the defaults below are read from its '
        'ReIDVisualizationHook and test_evaluator entries when present')
    parser.add_argument(
        'feats_file', help='feature dump written by tools/test.py --out')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the pictures')
    add_trust_argument(parser, '--trust-dump', 'the feature dump')
    parser.add_argument(
        '--num-queries',
        type=int,
        default=None,
        help='number of queries drawn, chosen with --seed (default: the '
        'hook\'s num_queries, else 8)')
    parser.add_argument(
        '--queries',
        type=int,
        nargs='+',
        default=None,
        help='draw these query indices (0-based, in dump order) instead of '
        'a random choice')
    parser.add_argument(
        '--topk',
        type=int,
        default=None,
        help='ranked gallery images per query (default: the hook\'s topk, '
        'else 10)')
    parser.add_argument(
        '--seed',
        type=int,
        default=None,
        help='seed of the query choice (default: the hook\'s seed, else 0)')
    parser.add_argument(
        '--metric',
        choices=['euclidean', 'cosine'],
        default=None,
        help='distance (default: the metric stored in the dump, else the '
        'config\'s test_evaluator.metric, else euclidean)')
    parser.add_argument(
        '--junk',
        choices=['mark', 'skip'],
        default=None,
        help='"mark" shows same-camera matches of the query\'s identity '
        'greyed and unranked, "skip" leaves them out (default: mark)')
    parser.add_argument(
        '--img-root',
        default=None,
        help='folder that relative image paths of the dump are relative to '
        '(default: the current folder)')
    parser.add_argument(
        '--thumb-size',
        type=int,
        nargs=2,
        default=None,
        metavar=('HEIGHT', 'WIDTH'),
        help='thumbnail size (default: 160 80)')
    return parser.parse_args(argv)


def hook_defaults(cfg: Config) -> dict:
    """Arguments of the config's ReIDVisualizationHook, if any."""
    for hook in cfg.get('custom_hooks', None) or []:
        if is_config_type(hook.get('type'), 'ReIDVisualizationHook'):
            return dict(hook)
    return {}


def resolve_paths(paths: List[str], img_root: Optional[str]) -> List[str]:
    """Join relative image paths to ``img_root``."""
    if img_root is None:
        return list(paths)
    return [p if osp.isabs(p) else osp.join(img_root, p) for p in paths]


def main(argv=None) -> int:
    """Draw from the command line."""
    args = parse_args(argv)
    missing = missing_file_message(('Config file', args.config),
                                   ('Feature dump', args.feats_file))
    if missing:
        print(f'error: {missing}', file=sys.stderr)
        return 2
    if args.img_root is not None and not osp.isdir(args.img_root):
        print(
            f'error: --img-root {args.img_root!r} is not a folder.',
            file=sys.stderr)
        return 2

    cfg = Config.fromfile(args.config)
    try:
        dump = load_local_checkpoint(
            args.feats_file,
            map_location='cpu',
            trust=args.trust_dump,
            opt_in='--trust-dump')
    except UntrustedCheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except Exception as e:
        print(
            f'error: cannot read {args.feats_file!r} ({e}); pass the file '
            'of tools/test.py --out.',
            file=sys.stderr)
        return 2
    missing = [k for k in DUMP_KEYS
               if k not in dump] if isinstance(dump, dict) else list(DUMP_KEYS)
    if missing:
        print(
            f'error: {args.feats_file!r} is not a tools/test.py --out '
            f'feature dump (missing {missing}).',
            file=sys.stderr)
        return 2

    hook = hook_defaults(cfg)
    evaluator = cfg.get('test_evaluator') or {}
    if isinstance(evaluator, (list, tuple)):
        evaluator = evaluator[0] if evaluator else {}
    metric = args.metric or dump.get('metric') or evaluator.get(
        'metric', 'euclidean')
    num_queries = args.num_queries or hook.get('num_queries', 8)
    topk = args.topk or hook.get('topk', 10)
    seed = args.seed if args.seed is not None else hook.get('seed', 0)
    junk = args.junk or hook.get('junk', 'mark')
    thumb = tuple(args.thumb_size or hook.get('thumb_size', (160, 80)))

    num_q = len(dump['query_paths'])
    if args.queries is not None:
        bad = [q for q in args.queries if not 0 <= q < num_q]
        if bad:
            print(
                f'error: --queries {bad} out of range: the dump has {num_q} '
                'queries.',
                file=sys.stderr)
            return 2
        chosen = sorted(set(args.queries))
    else:
        chosen = choose_queries(num_q, num_queries, seed)
    q_paths = resolve_paths(dump['query_paths'], args.img_root)
    g_paths = resolve_paths(dump['gallery_paths'], args.img_root)
    unreadable = [p for p in [q_paths[i] for i in chosen] if not osp.isfile(p)]
    if unreadable:
        print(
            f'warning: {len(unreadable)} query image(s) not found (e.g. '
            f'{unreadable[0]!r}); they are drawn grey. Use --img-root if '
            'the dump holds relative paths.',
            file=sys.stderr)
    written = write_rank_lists(
        ReIDVisualizer(name='vis_rank'),
        dump['query_feats'],
        dump['gallery_feats'],
        dump['query_pids'].tolist(),
        dump['gallery_pids'].tolist(),
        dump['query_camids'].tolist(),
        dump['gallery_camids'].tolist(),
        q_paths,
        g_paths,
        args.out_dir,
        chosen,
        topk=topk,
        metric=metric,
        junk=junk,
        thumb_size=thumb,
        add_to_backends=False)
    print(f'Wrote {len(written)} rank list(s) ({metric} distance, top '
          f'{topk}) to {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
