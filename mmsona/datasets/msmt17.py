"""MSMT17 (Wei et al., CVPR 2018)."""
import os.path as osp
from typing import List, Optional, Tuple

from mmsona.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDRecord

__all__ = ['MSMT17']


@DATASETS.register_module()
class MSMT17(BaseReIDDataset):
    """MSMT17: 4,101 identities, 15 cameras, image lists per split.

    Reads ``<data_root>/[MSMT17_V1/]`` (image folders ``train/`` and
    ``test/``) or ``<data_root>/[MSMT17_V2/]`` (``mask_train_v2/`` and
    ``mask_test_v2/``) with ``list_train.txt``, ``list_val.txt``,
    ``list_query.txt`` and ``list_gallery.txt``, whose lines are
    ``<relative path> <pid>`` (``0000/0000_000_01_0303morning_0015_0.jpg
    0``); the camera is the third field of the file name (1..15). Training
    and test identities are numbered separately; ``combine_all`` keeps them
    apart. The published training set, 1,041 ids / 32,621 images, is
    ``list_train`` + ``list_val`` (the default); query 3,060 / 11,659,
    gallery 3,060 / 82,161.

    Args:
        data_root (str): See above.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
            Defaults to ``'train'``.
        train_with_val (bool): Train on ``list_train`` + ``list_val`` (the
            published training set; some codebases leave ``list_val``
            out). Defaults to True.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'MSMT17'
    NUM_CAMERAS = 15
    VERSIONS = (('MSMT17_V1', 'train', 'test'), ('MSMT17_V2', 'mask_train_v2',
                                                 'mask_test_v2'))
    LINE_EXAMPLE = '0000/0000_000_01_0303morning_0015_0.jpg 0'
    PUBLISHED_STATS = dict(
        train=(1041, 32621), query=(3060, 11659), gallery=(3060, 82161))
    DOWNLOAD_HINT = (
        'MSMT17 is distributed on request by its authors, see '
        'https://www.pkuvmc.com/dataset.html; unzip MSMT17_V1.tar.gz (or '
        'V2) into data_root.')

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 train_with_val: bool = True,
                 **kwargs) -> None:
        self.train_with_val = train_with_val
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _lists(self, split: str) -> Tuple[str, ...]:
        if split == 'train':
            return (('list_train.txt',
                     'list_val.txt') if self.train_with_val else
                    ('list_train.txt', ))
        return (f'list_{split}.txt', )

    def _layout(self) -> Tuple[str, str, str]:
        """``(folder, train image folder, test image folder)``."""
        root = self.data_root or '.'
        for version, train_dir, test_dir in self.VERSIONS:
            for cand in (osp.join(root, version), root):
                if osp.isfile(osp.join(cand, 'list_train.txt')) and \
                        osp.isdir(osp.join(cand, train_dir)):
                    return cand, train_dir, test_dir
        raise FileNotFoundError(
            f'MSMT17 not found in {osp.abspath(root)!r}.\nExpected layout:\n'
            '  <data_root>/[MSMT17_V1/]{train,test}/<pid>/<image>.jpg and '
            '<data_root>/[MSMT17_V1/]list_{train,val,query,gallery}.txt\n'
            '  (or MSMT17_V2/ with mask_train_v2/ and mask_test_v2/)\n'
            f'{self.DOWNLOAD_HINT}')

    def split_location(self, split: str) -> str:
        """The list files ``split`` is read from.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            str: Paths joined by ``' + '``.
        """
        folder = self._layout()[0]
        return ' + '.join(
            osp.join(folder, name) for name in self._lists(split))

    def _parse_line(self, line: str, list_path: str, lineno: int,
                    image_dir: str) -> Optional[ReIDRecord]:
        parts = line.split()
        if not parts:
            return None
        where = f'{list_path}:{lineno}'
        if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
            raise ValueError(
                f'Cannot parse line {where}: {line.strip()!r}; expected '
                f'"<relative path> <pid>", e.g. {self.LINE_EXAMPLE!r}.')
        fields = osp.basename(parts[0]).split('_')
        if len(fields) < 3 or not fields[2].isdigit():
            raise ValueError(
                f'Cannot read the camera from {parts[0]!r} ({where}): '
                'expected names like 0000_000_01_0303morning_0015_0.jpg '
                '(third field: camera 1..15).')
        cam = int(fields[2])
        if not 1 <= cam <= self.NUM_CAMERAS:
            raise ValueError(f'Camera {cam} of {parts[0]!r} ({where}) is out '
                             f'of range 1..{self.NUM_CAMERAS}.')
        return ReIDRecord(
            osp.join(image_dir, parts[0]), int(parts[1]), cam - 1)

    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read the list files of ``split``.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Records sorted by path.
        """
        folder, train_dir, test_dir = self._layout()
        image_dir = osp.join(folder,
                             train_dir if split == 'train' else test_dir)
        records = []
        for name in self._lists(split):
            list_path = osp.join(folder, name)
            if not osp.isfile(list_path):
                raise FileNotFoundError(
                    f'MSMT17 list {list_path!r} is missing; the release has '
                    'list_train.txt, list_val.txt, list_query.txt and '
                    'list_gallery.txt next to the image folders.')
            with open(list_path, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    record = self._parse_line(line, list_path, lineno,
                                              image_dir)
                    if record is not None:
                        records.append(record)
        return sorted(records)
