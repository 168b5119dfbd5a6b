"""Write mmsona ``ReIDFileList`` lists for a folder-per-identity data set.

Input: one folder per identity (any names), images inside; a camera token in
the file names (``c3_0012.jpg``, ``img_c3_12.png`` ...) is optional::

    SRC/<identity>/<image>

Output, in ``OUT`` (default: ``SRC``), one ``path pid [camid]`` line per
image, paths relative to ``OUT`` (so ``data_root=OUT`` in the config)::

    train.txt  query.txt  gallery.txt  identities.txt

Identities are shuffled with ``--seed``; ``--test-ratio`` of them become
test identities (disjoint from the training ones, as in Market-1501). For
every test identity one image of each camera (at most
``--max-queries-per-id``) is a query when another camera of it keeps a
gallery image; the other images are the gallery. Without camera tokens a
single query per identity is taken. ``identities.txt`` maps the integer
pids back to folder names.

Example::

    python projects/vehicle_reid/tools/folder_to_filelist.py \\
        data/synthetic_vehicles --test-ratio 0.5
"""
import argparse
import os
import os.path as osp
import random
import re
from typing import Dict, List, Optional, Tuple

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
DEFAULT_CAM_REGEX = r'(?:^|[_-])c(\d+)(?:[_.-]|$)'

Item = Tuple[str, Optional[int]]


def scan(src: str,
         cam_regex: str = DEFAULT_CAM_REGEX) -> Dict[str, List[Item]]:
    """Collect ``(relative path, camera)`` of every image, by identity.

    Args:
        src (str): Root with one folder per identity.
        cam_regex (str): Pattern whose first group is the camera number in
            a file name; with no match in any file there are no cameras.

    Returns:
        dict[str, list[tuple]]: Folder name -> sorted items; cameras are
        0-based indices of the sorted camera numbers, or None.
    """
    if not osp.isdir(src):
        raise FileNotFoundError(f'{src!r} is not a folder.')
    pattern = re.compile(cam_regex)
    found = {}
    for name in sorted(os.listdir(src)):
        folder = osp.join(src, name)
        if not osp.isdir(folder):
            continue
        files = [
            f for f in sorted(os.listdir(folder))
            if f.lower().endswith(IMAGE_EXTENSIONS)
        ]
        if files:
            found[name] = files
    if not found:
        raise ValueError(f'{src!r} holds no identity folder with images '
                         f'({", ".join(IMAGE_EXTENSIONS)}).')
    cams = {}
    for name, files in found.items():
        for f in files:
            match = pattern.search(osp.splitext(f)[0])
            cams[(name, f)] = int(match.group(1)) if match else None
    with_cam = {c is not None for c in cams.values()}
    if len(with_cam) > 1:
        missing = next(k for k, c in cams.items() if c is None)
        raise ValueError(
            f'{osp.join(src, *missing)!r} has no camera token matching '
            f'{cam_regex!r} while other files have one; rename it or pass '
            '--cam-regex.')
    index = {c: i for i, c in enumerate(sorted(set(cams.values()) - {None}))}
    return {
        name: [(f'{name}/{f}', index.get(cams[(name, f)])) for f in files]
        for name, files in found.items()
    }


def split_queries(items: List[Item],
                  max_queries: int) -> Tuple[List[Item], List[Item]]:
    """Choose the queries of one test identity.

    Args:
        items (list[tuple]): ``(path, camid)`` of the identity, sorted.
        max_queries (int): At most this many queries.

    Returns:
        tuple[list, list]: Queries and gallery items.
    """
    if items[0][1] is None:
        return (items[:1], items[1:]) if len(items) > 1 else ([], items)
    by_cam: Dict[int, List[Item]] = {}
    for item in items:
        by_cam.setdefault(item[1], []).append(item)
    queries = []
    for cam in sorted(by_cam):
        if len(queries) == max_queries:
            break
        # Keep a gallery image in another camera, or the query is invalid.
        others = sum(len(v) for c, v in by_cam.items() if c != cam)
        if others:
            queries.append(by_cam[cam][0])
    chosen = set(queries)
    return queries, [item for item in items if item not in chosen]


def convert(src: str,
            out: Optional[str] = None,
            test_ratio: float = 0.5,
            max_queries_per_id: int = 2,
            cam_regex: str = DEFAULT_CAM_REGEX,
            seed: int = 0) -> Dict[str, int]:
    """Write ``train.txt``, ``query.txt``, ``gallery.txt``, ``identities.txt``.

    Args:
        src (str): Folder-per-identity root.
        out (str, optional): Output folder. Defaults to ``src``.
        test_ratio (float): Fraction of identities held out for testing.
            Defaults to 0.5.
        max_queries_per_id (int): Queries per test identity. Defaults to 2.
        cam_regex (str): See :func:`scan`.
        seed (int): Seed of the identity split. Defaults to 0.

    Returns:
        dict: Image counts of the three lists and ``train_ids``.
    """
    if not 0.0 < test_ratio < 1.0:
        raise ValueError(f'test_ratio={test_ratio} must be in (0, 1).')
    out = src if out is None else out
    identities = scan(src, cam_regex)
    names = sorted(identities)
    pids = {name: i for i, name in enumerate(names, 1)}
    order = names[:]
    random.Random(seed).shuffle(order)
    num_test = max(1, round(len(order) * test_ratio))
    if num_test >= len(order):
        raise ValueError(f'{len(order)} identities are too few to split.')
    test_names = set(order[:num_test])
    lists: Dict[str, List[Tuple[str, int, Optional[int]]]] = dict(
        train=[], query=[], gallery=[])
    for name in names:
        items = identities[name]
        if name in test_names:
            queries, gallery = split_queries(items, max_queries_per_id)
            lists['query'] += [(p, pids[name], c) for p, c in queries]
            lists['gallery'] += [(p, pids[name], c) for p, c in gallery]
        else:
            lists['train'] += [(p, pids[name], c) for p, c in items]
    prefix = osp.relpath(src, out)
    os.makedirs(out, exist_ok=True)
    for split, rows in lists.items():
        with open(osp.join(out, f'{split}.txt'), 'w') as f:
            f.write('# path pid camid\n')
            for path, pid, camid in rows:
                path = path if prefix == '.' else osp.join(prefix, path)
                cam = '' if camid is None else f' {camid}'
                f.write(f'{path} {pid}{cam}\n')
    with open(osp.join(out, 'identities.txt'), 'w') as f:
        f.write('# pid folder\n')
        f.writelines(f'{pids[name]} {name}\n' for name in names)
    counts = {split: len(rows) for split, rows in lists.items()}
    counts['train_ids'] = len(names) - num_test
    return counts


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write ReIDFileList lists (train/query/gallery) for a '
        'folder-per-identity data set.')
    parser.add_argument('src', help='root with one folder per identity')
    parser.add_argument('--out', help='output folder (default: SRC)')
    parser.add_argument('--test-ratio', type=float, default=0.5)
    parser.add_argument('--max-queries-per-id', type=int, default=2)
    parser.add_argument(
        '--cam-regex',
        default=DEFAULT_CAM_REGEX,
        help='regular expression whose first group is the camera number '
        'in a file name')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Convert from the command line."""
    args = parse_args(argv)
    counts = convert(args.src, args.out, args.test_ratio,
                     args.max_queries_per_id, args.cam_regex, args.seed)
    out = args.out or args.src
    print(f'{counts["train"]} train images of {counts["train_ids"]} '
          f'identities, {counts["query"]} queries, {counts["gallery"]} '
          f'gallery images; lists in {out}. Set '
          f'model.head.num_classes={counts["train_ids"]}.')


if __name__ == '__main__':
    main()
