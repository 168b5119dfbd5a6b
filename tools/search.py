"""Find the people of query images in a folder of unlabelled images.

Example:
    python tools/search.py configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth \
        --gallery my_frames/ --query person.jpg frame_0042.jpg:120,40,184,200 \
        --topk 10 --out work_dirs/search

The gallery's features are cached in ``OUT/gallery_cache`` (a rerun embeds
only new or changed files); ``OUT`` receives ``results.json``,
``results.csv``, one rank-list picture per query in ``rank_lists/`` and
``index.html`` with its thumbnails. See docs/search.md.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

INDEX_TYPES = ('exact', 'faiss-flat', 'faiss-ivf', 'faiss-hnsw')
#: Unreadable files named in the warning line (all go to the list file).
MAX_LISTED = 20


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Search a folder of images (any names, no labels) for '
        'the people of query images with a trained re-ID model; writes '
        'results.json, results.csv, rank-list pictures and index.html.')
    parser.add_argument('config', help='path of the model config file')
    parser.add_argument('checkpoint', help='path of the checkpoint file')
    parser.add_argument(
        '--gallery',
        required=True,
        help='folder of gallery images, searched with its sub-folders')
    parser.add_argument(
        '--query',
        required=True,
        nargs='+',
        help='query images, folders of them, or crops of a frame given as '
        'IMG:x1,y1,x2,y2 (pixels, x2/y2 exclusive)')
    parser.add_argument(
        '--topk',
        type=int,
        default=10,
        help='matches per query (default: %(default)s)')
    parser.add_argument(
        '--out',
        default='work_dirs/search',
        help='output folder; the gallery feature cache lives in '
        'OUT/gallery_cache (default: %(default)s)')
    parser.add_argument(
        '--index',
        choices=INDEX_TYPES,
        default='exact',
        help='nearest-neighbour index: exact (PyTorch, default) or a faiss '
        'index (pip install "mmsona[faiss]"), saved beside the cache')
    parser.add_argument(
        '--index-options',
        nargs='+',
        action=DictAction,
        default={},
        help='index settings, e.g. nprobe=32 nlist=4096 (faiss-ivf), '
        'ef_search=256 hnsw_m=32 (faiss-hnsw), block_elements=16777216 '
        '(exact)')
    parser.add_argument(
        '--rerank',
        action='store_true',
        help='k-reciprocal re-ranking of the union of every query\'s top '
        '--rerank-pool candidates')
    parser.add_argument(
        '--rerank-pool',
        type=int,
        default=100,
        help='candidates per query that --rerank re-orders (default: '
        '%(default)s)')
    parser.add_argument(
        '--device',
        default=None,
        help='device of the model and the exact index, e.g. cpu or cuda:0 '
        '(default: cuda when available, else cpu)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=32,
        help='images per forward pass (default: %(default)s)')
    parser.add_argument(
        '--rebuild-cache',
        action='store_true',
        help='replace a gallery cache made by another model (or damaged) '
        'instead of stopping')
    parser.add_argument(
        '--no-pictures',
        action='store_true',
        help='skip the rank-list pictures (results and index.html only)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle the checkpoint fully if it holds Python objects '
        'beyond tensors and plain data; that can run any code inside the '
        'file, so only for files whose origin you trust')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.test_flip=True')
    return parser.parse_args(argv)


def error(message: str) -> int:
    """Print one error line; returns the exit status."""
    print(f'error: {message}', file=sys.stderr)
    return 2


def warn_skipped(skipped: list, out_dir: str) -> None:
    """One warning line naming the unreadable gallery files."""
    if not skipped:
        return
    list_file = osp.join(out_dir, 'skipped_images.txt')
    with open(list_file, 'w', encoding='utf-8') as f:
        for rel, why in skipped:
            f.write(f'{rel}\t{why}\n')
    shown = ', '.join(f'{rel!r} ({why})' for rel, why in skipped[:MAX_LISTED])
    more = (f', and {len(skipped) - MAX_LISTED} more'
            if len(skipped) > MAX_LISTED else '')
    print(
        f'warning: skipped {len(skipped)} unreadable gallery image(s): '
        f'{shown}{more} (listed in {list_file})',
        file=sys.stderr)


def main(argv=None) -> int:
    """Search from the command line."""
    args = parse_args(argv)
    for path, what in ((args.config, 'config file'), (args.checkpoint,
                                                      'checkpoint')):
        if not osp.isfile(path):
            return error(f'{what} {path!r} does not exist.')
    if not osp.isdir(args.gallery):
        return error(f'--gallery {args.gallery!r} is not a folder.')
    if args.topk < 1 or args.batch_size < 1 or args.rerank_pool < 1:
        return error('--topk, --batch-size and --rerank-pool must be >= 1.')

    from mmsona.apis import ReIDSearcher
    from mmsona.search import (SearchError, expand_queries, write_html_report,
                               write_rank_pictures, write_results_csv,
                               write_results_json)
    from mmsona.utils import UntrustedCheckpointError
    try:
        queries = expand_queries(args.query)
        searcher = ReIDSearcher(
            args.config,
            args.checkpoint,
            device=args.device,
            index=args.index,
            index_options=args.index_options,
            batch_size=args.batch_size,
            cfg_options=args.cfg_options,
            trust_checkpoint=args.trust_checkpoint)
        os.makedirs(args.out, exist_ok=True)
        cache_dir = osp.join(args.out, 'gallery_cache')
        update = searcher.index_gallery(
            args.gallery,
            cache_dir=cache_dir,
            rebuild_cache=args.rebuild_cache,
            exclude=[args.out])
        warn_skipped(update.skipped, args.out)
        print(f'Embedded {update.num_embedded} new or changed gallery '
              f'image(s), reused {update.num_reused} from {cache_dir}' +
              (f', dropped {update.num_removed} no longer in the gallery'
               if update.num_removed else '') + '.')
        results = searcher.search(
            queries,
            topk=args.topk,
            rerank=args.rerank,
            rerank_pool=args.rerank_pool)
    except (SearchError, UntrustedCheckpointError) as e:
        return error(str(e))

    info = dict(
        gallery=osp.abspath(args.gallery),
        gallery_images=len(searcher.cache.paths),
        metric=searcher.metric,
        index=args.index,
        rerank=args.rerank,
        topk=args.topk)
    pictures = None
    if not args.no_pictures:
        names = write_rank_pictures(
            results,
            args.gallery,
            osp.join(args.out, 'rank_lists'),
            loader=searcher.loader,
            metric=searcher.metric)
        pictures = [f'rank_lists/{name}' for name in names]
    write_results_json(results, osp.join(args.out, 'results.json'), info,
                       pictures)
    write_results_csv(results, osp.join(args.out, 'results.csv'))
    page = write_html_report(
        results,
        args.gallery,
        args.out,
        loader=searcher.loader,
        pictures=pictures,
        info=info)
    for result in results:
        best = result.matches[0] if result.matches else None
        found = 'no match' if best is None else (
            f'top-1 {best.path!r} (distance {best.distance:.4f})')
        print(f'{result.query.label!r}: {found}')
    print(f'Wrote results.json, results.csv, '
          f'{0 if pictures is None else len(pictures)} rank-list '
          f'picture(s) and {page} for {len(results)} query(ies).')
    return 0


if __name__ == '__main__':
    sys.exit(main())
