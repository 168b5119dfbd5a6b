"""Turn a Market-1501-style re-ID benchmark into a classification data set.

Every identity becomes a class, written in MMPretrain's ``CustomDataset``
layout (one folder per class)::

    OUT/train/<pid>/<image>.jpg
    OUT/val/<pid>/<image>.jpg

The images of one camera of every identity (its highest camera number) go
to ``val`` and the others to ``train``, so top-1 accuracy measures
recognition of a known identity from an unseen camera. Junk (``-1``) and
distractor (``0000``) images are skipped; identities seen by a single
camera are skipped too (they would have no validation image).

Example::

    python tools/misc/make_synthetic_reid.py --out data/synthetic_reid
    python projects/sona_classification/tools/reid_to_cls.py \\
        data/synthetic_reid data/synthetic_cls
"""
import argparse
import os
import os.path as osp
import re
import shutil
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

IMAGE_NAME = re.compile(r'^(-?\d+)_c(\d+)')
SPLIT_DIRS = {
    'train': ('bounding_box_train', ),
    'test': ('query', 'bounding_box_test'),
}


def collect_identities(src: str, splits: Sequence[str] = ('train', )
                       ) -> Dict[int, List[Tuple]]:
    """Group the images of a Market-1501-style folder by identity.

    Args:
        src (str): Root with ``bounding_box_train/``, ``query/`` and
            ``bounding_box_test/``.
        splits (Sequence[str]): Re-ID splits whose identities become
            classes: ``'train'`` and/or ``'test'``. Defaults to
            ``('train', )``.

    Returns:
        dict[int, list[tuple]]: ``pid -> [(camid, path), ...]`` sorted by
        path, junk and distractor images left out.
    """
    identities = defaultdict(list)
    for split in splits:
        if split not in SPLIT_DIRS:
            raise ValueError(f'Unknown split {split!r}; use train or test.')
        for sub in SPLIT_DIRS[split]:
            folder = osp.join(src, sub)
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'{folder!r} does not exist: SRC must be a Market-1501 '
                    'style root (bounding_box_train/, query/, '
                    'bounding_box_test/), e.g. one written by '
                    'tools/misc/make_synthetic_reid.py.')
            for name in sorted(os.listdir(folder)):
                if not name.lower().endswith(('.jpg', '.jpeg', '.png')):
                    continue
                match = IMAGE_NAME.match(name)
                if match is None:
                    raise ValueError(
                        f'Cannot read the identity and camera of '
                        f'{osp.join(folder, name)!r}; expected names like '
                        '0002_c1s1_000451_03.jpg.')
                pid, camid = int(match.group(1)), int(match.group(2))
                if pid <= 0:
                    continue
                identities[pid].append((camid, osp.join(folder, name)))
    return {pid: sorted(items) for pid, items in sorted(identities.items())}


def split_by_camera(
    identities: Dict[int, List[Tuple]]
) -> Tuple[Dict[int, List[str]], Dict[int, List[str]]]:
    """Hold out the highest-numbered camera of every identity.

    Args:
        identities (dict): ``pid -> [(camid, path), ...]``.

    Returns:
        tuple[dict, dict]: Train and val images, ``pid -> [path, ...]``;
        identities seen by one camera only are left out of both.
    """
    train, val = {}, {}
    for pid, items in identities.items():
        cameras = {camid for camid, _ in items}
        if len(cameras) < 2:
            continue
        held_out = max(cameras)
        train[pid] = [p for c, p in items if c != held_out]
        val[pid] = [p for c, p in items if c == held_out]
    return train, val


def write_split(images: Dict[int, List[str]],
                out: str,
                link: bool = False) -> int:
    """Write one folder per class.

    Args:
        images (dict): ``pid -> [path, ...]``.
        out (str): Split folder (``OUT/train`` or ``OUT/val``).
        link (bool): Symlink the images instead of copying them.

    Returns:
        int: Number of images written.
    """
    count = 0
    for pid, paths in images.items():
        folder = osp.join(out, f'{pid:04d}')
        os.makedirs(folder, exist_ok=True)
        for path in paths:
            dst = osp.join(folder, osp.basename(path))
            if link:
                os.symlink(osp.abspath(path), dst)
            else:
                shutil.copyfile(path, dst)
            count += 1
    return count


def convert(src: str,
            out: str,
            splits: Sequence[str] = ('train', ),
            link: bool = False) -> Dict[str, int]:
    """Write the classification view of a re-ID benchmark.

    Args:
        src (str): Market-1501-style root.
        out (str): Output root; must not hold ``train/`` or ``val/`` yet.
        splits (Sequence[str]): Re-ID splits whose identities become
            classes. Defaults to ``('train', )``.
        link (bool): Symlink the images instead of copying them.

    Returns:
        dict: ``classes``, ``train`` and ``val`` counts.
    """
    for sub in ('train', 'val'):
        if osp.exists(osp.join(out, sub)):
            raise FileExistsError(
                f'{osp.join(out, sub)!r} already exists; remove it or choose '
                'another OUT.')
    train, val = split_by_camera(collect_identities(src, splits))
    if not train:
        raise ValueError(f'No identity of {src!r} is seen by two cameras.')
    return dict(
        classes=len(train),
        train=write_split(train, osp.join(out, 'train'), link),
        val=write_split(val, osp.join(out, 'val'), link))


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write a folder-per-identity classification data set '
        '(MMPretrain CustomDataset) from a Market-1501-style benchmark; one '
        'camera of every identity is held out for validation.')
    parser.add_argument('src', help='Market-1501-style root')
    parser.add_argument('out', help='output root (receives train/ and val/)')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['train'],
        choices=sorted(SPLIT_DIRS),
        help='re-ID splits whose identities become classes')
    parser.add_argument(
        '--link', action='store_true', help='symlink instead of copying')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Convert from the command line."""
    args = parse_args(argv)
    counts = convert(args.src, args.out, args.splits, args.link)
    print(f'{counts["classes"]} classes, {counts["train"]} train and '
          f'{counts["val"]} val images in {args.out}')


if __name__ == '__main__':
    main()
