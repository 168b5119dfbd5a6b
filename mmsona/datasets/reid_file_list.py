"""Custom re-ID data described by plain text lists."""
import os.path as osp
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

from mmsona.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDRecord

__all__ = ['ReIDFileList']

DEFAULT_ANN_FILES = dict(
    train='train.txt', query='query.txt', gallery='gallery.txt')


@DATASETS.register_module()
class ReIDFileList(BaseReIDDataset):
    """Custom re-ID data from text lists of ``path pid [camid]`` lines.

    One list per split (``ann_files``), one image per line: a path
    (relative to ``data_root/img_prefix`` or absolute; no spaces), an
    integer person id and optionally a 0-based camera id. Blank lines and
    lines starting with ``#`` are ignored; items are sorted by path.

    Without camera ids (no line of a list has one) every image is its own
    "camera": in evaluation a query is then matched against every gallery
    image of its identity except the identical file, instead of Market's
    rule that ignores same-camera matches. ``num_cams`` is then None.

    Example ``query.txt``::

        # path pid camid
        cam1/alice_0001.jpg 7 0
        cam2/bob_0001.jpg 12 1

    Args:
        data_root (str): Root of the lists and images.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
            Defaults to ``'train'``.
        ann_files (dict): List file of each split, relative to
            ``data_root`` or absolute. Defaults to ``train.txt``,
            ``query.txt`` and ``gallery.txt``.
        img_prefix (str): Folder of the image paths, relative to
            ``data_root``. Defaults to ``''``.
        junk_pids (Sequence[int]): Ids dropped everywhere. Defaults to
            ``(-1,)``.
        distractor_pids (Sequence[int]): Ids kept in the gallery only.
            Defaults to ``()``.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'ReIDFileList'
    LINE_FORMAT = '<path> <pid> [<camid>]'

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 ann_files: Optional[Dict[str, str]] = None,
                 img_prefix: str = '',
                 junk_pids: Sequence[int] = (-1, ),
                 distractor_pids: Sequence[int] = (),
                 **kwargs) -> None:
        files = dict(DEFAULT_ANN_FILES)
        files.update(ann_files or {})
        unknown = set(files) - {'train', 'query', 'gallery'}
        if unknown:
            raise ValueError(f'ReIDFileList: ann_files keys must be train, '
                             f'query or gallery, got {sorted(unknown)}.')
        self.ann_files = files
        self.img_prefix = img_prefix
        self.JUNK_PIDS = tuple(junk_pids)
        self.DISTRACTOR_PIDS = tuple(distractor_pids)
        self._without_camids: set = set()
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _list_path(self, split: str) -> str:
        path = self.ann_files[split]
        return path if osp.isabs(path) else osp.join(self.data_root or '.',
                                                     path)

    def split_location(self, split: str) -> str:
        """The list file of ``split``.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            str: Its path.
        """
        return self._list_path(split)

    def _parse(self, list_path: str) -> List[Tuple[str, int, Optional[int]]]:
        entries = []
        with open(list_path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                text = line.strip()
                if not text or text.startswith('#'):
                    continue
                parts = text.split()
                ok = len(parts) in (2, 3) and all(
                    p.lstrip('-').isdigit() for p in parts[1:])
                if not ok:
                    raise ValueError(
                        f'Cannot parse line {list_path}:{lineno}: {text!r}; '
                        f'expected "{self.LINE_FORMAT}" (integers, no '
                        'spaces in paths).')
                camid = int(parts[2]) if len(parts) == 3 else None
                if camid is not None and camid < 0:
                    raise ValueError(
                        f'Negative camera id at {list_path}:{lineno}: '
                        f'{text!r}; camids are 0-based.')
                entries.append((parts[0], int(parts[1]), camid))
        with_cam = {camid is not None for _, _, camid in entries}
        if len(with_cam) > 1:
            raise ValueError(
                f'{list_path} mixes lines with and without a camid; give '
                'every line a camid, or none.')
        return entries

    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read the list of ``split``.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Records sorted by path.
        """
        list_path = self._list_path(split)
        if not osp.isfile(list_path):
            raise FileNotFoundError(
                f'ReIDFileList: the {split} list {list_path!r} does not '
                f'exist. Write one line "{self.LINE_FORMAT}" per image, or '
                f'point ann_files[{split!r}] to your list.')
        image_root = osp.join(self.data_root or '.', self.img_prefix)
        records = []
        for path, pid, camid in self._parse(list_path):
            full = path if osp.isabs(path) else osp.join(image_root, path)
            if camid is None:
                self._without_camids.add(split)
                # A per-file pseudo camera: only the identical file is
                # excluded from a query's matches.
                camid = zlib.crc32(osp.normpath(full).encode()) & 0x7fffffff
            records.append(ReIDRecord(full, pid, camid))
        return sorted(records)

    def load_data_list(self) -> List[dict]:
        """See :meth:`BaseReIDDataset.load_data_list`.

        Returns:
            list[dict]: One dict per image.
        """
        self._without_camids = set()
        data_list = super().load_data_list()
        if self.split == 'train':
            own = {'train', 'query', 'gallery'
                   } if self.combine_all else {'train'}
        else:
            own = {'query', 'gallery'
                   } if self.split == 'test' else {self.split}
        has_camids = not (own & self._without_camids)
        self._metainfo['has_camids'] = has_camids
        if not has_camids:
            self._metainfo['num_cams'] = None
        return data_list
