"""Print images, identities and cameras of every split a config uses.

Compare them with the published tables to check a download::

    python tools/analysis_tools/dataset_stats.py \\
        configs/sona/sona_r50_market.py

The ``test`` split is shown as its query and gallery parts. ``ids`` does
not count distractors; ``junk`` counts the images dropped (pid -1).
"""
import argparse
import copy
import sys
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmsona.registry import DATASETS
from mmsona.utils import is_config_type

WRAPPERS = ('ConcatDataset', 'RepeatDataset', 'ClassBalancedDataset')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print the images, identities and cameras of the '
        'datasets of a config, next to the published numbers.')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--dataloaders',
        nargs='+',
        default=['train_dataloader', 'val_dataloader', 'test_dataloader'],
        help='dataloaders of the config to inspect (default: %(default)s)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='exit with status 1 if a split differs from the published '
        'numbers of its dataset')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format, as in tools/train.py')
    return parser.parse_args(argv)


def _leaf_configs(cfg: dict) -> List[dict]:
    """Unwrap MMEngine dataset wrappers."""
    if is_config_type(cfg.get('type'), *WRAPPERS):
        inner = cfg.get('datasets') or [cfg['dataset']]
        return [leaf for c in inner for leaf in _leaf_configs(c)]
    return [cfg]


def _split_configs(cfg: dict) -> List[dict]:
    cfg = copy.deepcopy(cfg)
    cfg['pipeline'] = []
    if cfg.get('split', 'train') == 'test':
        return [dict(cfg, split='query'), dict(cfg, split='gallery')]
    return [cfg]


def collect(config: Config, dataloaders: List[str]) -> List[Dict]:
    """Build every split the dataloaders use and read their metainfo.

    Args:
        config (Config): The config.
        dataloaders (list[str]): Dataloader keys of the config.

    Returns:
        list[dict]: One row per split (duplicates removed).
    """
    rows, seen = [], set()
    for key in dataloaders:
        loader = config.get(key)
        if not loader:
            continue
        for leaf in _leaf_configs(loader['dataset']):
            for cfg in _split_configs(leaf):
                ident = repr(sorted(cfg.items(), key=lambda kv: kv[0]))
                if ident in seen:
                    continue
                seen.add(ident)
                dataset = DATASETS.build(cfg)
                meta = dataset.metainfo
                published: Optional[Tuple[int, int]] = getattr(
                    dataset, 'PUBLISHED_STATS', {}).get(dataset.split)
                rows.append(
                    dict(
                        dataset=meta.get('dataset_name',
                                         type(dataset).__name__),
                        split=dataset.split,
                        ids=meta['num_pids'],
                        images=meta['num_images'],
                        cams=meta['num_cams'],
                        distractors=meta['num_distractors'],
                        junk=meta['num_junk'],
                        published=published,
                        root=dataset.data_root))
    return rows


def format_table(rows: List[Dict]) -> Tuple[str, bool]:
    """Render the rows; return the text and whether all match.

    Args:
        rows (list[dict]): From :func:`collect`.

    Returns:
        tuple[str, bool]: The table and True if no split differs from its
        published numbers.
    """
    header = ('dataset', 'split', 'ids', 'images', 'cams', 'distractors',
              'junk', 'published ids/images', 'check')
    lines = [header]
    all_ok = True
    for r in rows:
        if r['published'] is None:
            published, check = '-', ''
        else:
            ids, images = r['published']
            published = f'{ids:,} / {images:,}'
            ok = (ids, images) == (r['ids'], r['images'])
            all_ok &= ok
            check = 'ok' if ok else 'DIFFERS'
        lines.append(
            (r['dataset'], r['split'], f'{r["ids"]:,}', f'{r["images"]:,}',
             str(r['cams']), f'{r["distractors"]:,}', f'{r["junk"]:,}',
             published, check))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = '\n'.join('  '.join(cell.ljust(w) for cell, w in zip(line, widths))
                     for line in lines)
    return text, all_ok


def main(argv=None) -> int:
    args = parse_args(argv)
    config = Config.fromfile(args.config)
    if args.cfg_options:
        config.merge_from_dict(args.cfg_options)
    init_default_scope(config.get('default_scope', 'mmsona'))
    try:
        rows = collect(config, args.dataloaders)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if not rows:
        print(
            f'No dataset found under {args.dataloaders} in {args.config}.',
            file=sys.stderr)
        return 2
    text, all_ok = format_table(rows)
    print(text)
    roots = sorted({r['root'] for r in rows})
    print(f'data_root: {", ".join(roots)}')
    if not all_ok:
        print(
            'Some splits differ from the published numbers: the download '
            'may be incomplete or a different release.',
            file=sys.stderr)
        return 1 if args.check else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
