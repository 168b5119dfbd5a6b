"""Datasets released as Market1501-style folders of named crops."""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from .base_reid_dataset import BaseReIDDataset, ReIDRecord

__all__ = ['MarketStyleDataset']

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


class MarketStyleDataset(BaseReIDDataset):
    """Base of datasets laid out like Market1501.

    ``<root>/bounding_box_train``, ``<root>/query`` and
    ``<root>/bounding_box_test`` hold images named ``<pid>_c<cam>...``
    (``0002_c1s1_000451_03.jpg``: pid 2, camera 1; ``-1_c3...``: junk).
    ``root`` is ``data_root`` itself or one of :attr:`SUBDIRS` below it (the
    folder a release unpacks to). Files that are not images (``Thumbs.db``)
    are ignored; an image whose name does not parse is an error.

    Args:
        data_root (str): Folder holding the split folders, or the folder
            the release was unpacked into.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    #: Folders below ``data_root`` that may hold the split folders.
    SUBDIRS: Tuple[str, ...] = ()
    SPLIT_DIRS: Dict[str, str] = dict(
        train='bounding_box_train', query='query', gallery='bounding_box_test')
    FILENAME_PATTERN = re.compile(r'^(-1|\d+)_c(\d+)')
    FILENAME_EXAMPLE = '0002_c1s1_000451_03.jpg'
    #: Cameras are numbered 1..NUM_CAMERAS in file names (None: unchecked).
    NUM_CAMERAS: Optional[int] = None
    #: Where the data set is published and how to unpack it.
    DOWNLOAD_HINT: str = ''

    # ------------------------------------------------------------- layout
    def _root_candidates(self) -> List[str]:
        root = self.data_root or '.'
        return [root] + [osp.join(root, sub) for sub in self.SUBDIRS]

    def _expected_layout(self) -> str:
        prefix = f'[{"|".join(self.SUBDIRS)}/]' if self.SUBDIRS else ''
        lines = [
            f'  <data_root>/{prefix}{d}/{self.FILENAME_EXAMPLE} ...'
            for d in self.SPLIT_DIRS.values()
        ]
        return '\n'.join(lines)

    def dataset_dir(self) -> str:
        """Find the folder that holds the split folders.

        Returns:
            str: The folder.
        """
        for cand in self._root_candidates():
            if any(
                    osp.isdir(osp.join(cand, d))
                    for d in self.SPLIT_DIRS.values()):
                return cand
        looked = ', '.join(
            repr(osp.abspath(c)) for c in self._root_candidates())
        raise FileNotFoundError(
            f'{self.DATASET_NAME} not found: none of '
            f'{sorted(set(self.SPLIT_DIRS.values()))} is in {looked}.\n'
            f'Expected layout:\n{self._expected_layout()}\n'
            f'{self.DOWNLOAD_HINT}')

    def split_location(self, split: str) -> str:
        """The folder ``split`` is read from.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            str: The folder path.
        """
        return osp.join(self.dataset_dir(), self.SPLIT_DIRS[split])

    # ------------------------------------------------------------ parsing
    def parse_filename(self, filename: str, folder: str) -> Tuple[int, int]:
        """Read the pid and the 0-based camera id from a file name.

        Args:
            filename (str): Base name of the image.
            folder (str): Its folder (for messages).

        Returns:
            tuple[int, int]: ``(pid, camid)``.
        """
        match = self.FILENAME_PATTERN.match(filename)
        if match is None:
            raise ValueError(
                f'Cannot parse the {self.DATASET_NAME} file name '
                f'{osp.join(folder, filename)!r}: expected '
                '<pid>_c<camera>..., e.g. '
                f'{self.FILENAME_EXAMPLE!r} (pid -1 for junk). Remove or '
                'rename files that are not part of the release.')
        pid, cam = int(match.group(1)), int(match.group(2))
        if cam < 1 or (self.NUM_CAMERAS is not None
                       and cam > self.NUM_CAMERAS):
            limit = self.NUM_CAMERAS if self.NUM_CAMERAS else 'N'
            raise ValueError(
                f'Camera c{cam} in {osp.join(folder, filename)!r} is out '
                f'of range: {self.DATASET_NAME} has cameras c1..c{limit}. '
                'Check that the folder belongs to this data set (use the '
                'matching dataset class or ReIDFileList for custom data).')
        return pid, cam - 1

    def scan_folder(self, folder: str) -> List[ReIDRecord]:
        """Read every image of a folder, sorted by file name.

        Args:
            folder (str): The folder.

        Returns:
            list[ReIDRecord]: The records.
        """
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{self.DATASET_NAME}: folder {folder!r} is missing.\n'
                f'Expected layout:\n{self._expected_layout()}\n'
                f'{self.DOWNLOAD_HINT}')
        records = []
        for name in sorted(os.listdir(folder)):
            if not name.lower().endswith(IMG_EXTENSIONS):
                continue
            pid, camid = self.parse_filename(name, folder)
            records.append(ReIDRecord(osp.join(folder, name), pid, camid))
        return records

    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read the folder of ``split``.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Sorted records, junk included.
        """
        return self.scan_folder(self.split_location(split))
