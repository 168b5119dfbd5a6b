"""Market1501 (Zheng et al., ICCV 2015)."""
import os.path as osp
from typing import List, Optional

from mmsona.registry import DATASETS
from .base_reid_dataset import ReIDRecord
from .market_style_dataset import MarketStyleDataset

__all__ = ['Market1501']


@DATASETS.register_module()
class Market1501(MarketStyleDataset):
    """Market1501: 1,501 identities seen by 6 cameras.

    Reads ``<data_root>/Market-1501-v15.09.15/{bounding_box_train, query,
    bounding_box_test}`` or the same folders directly under ``data_root``.
    Junk images (pid -1) are dropped everywhere; distractors (pid 0) are
    kept in the gallery. After junk removal the splits hold 751 ids /
    12,936 images (train), 750 / 3,368 (query) and 750 ids + distractors /
    15,913 images (gallery; 19,732 files with junk).

    Args:
        data_root (str): See above.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``
            (query followed by gallery). Defaults to ``'train'``.
        extra_gallery_dir (str, optional): A folder of extra gallery
            distractors (the Market-1501+500k release), relative to the
            data set folder or absolute; its images are parsed like the
            others and appended to the gallery. Defaults to None.
        **kwargs: Arguments of :class:`BaseReIDDataset` (``pipeline``,
            ``combine_all``, ``test_mode``, ``lazy_init`` ...).

    Examples:
        >>> from mmsona.datasets import Market1501
        >>> train = Market1501('data/market1501', split='train')
        >>> train.metainfo['num_classes']
        751
    """

    DATASET_NAME = 'Market1501'
    SUBDIRS = ('Market-1501-v15.09.15', )
    NUM_CAMERAS = 6
    DISTRACTOR_PIDS = (0, )
    PUBLISHED_STATS = dict(
        train=(751, 12936), query=(750, 3368), gallery=(750, 15913))
    DOWNLOAD_HINT = (
        'Market1501 is published at '
        'https://zheng-lab.cecs.anu.edu.au/Project/project_reid.html '
        '(mirrors are listed at https://github.com/KaiyangZhou/'
        'deep-person-reid): download Market-1501-v15.09.15.zip and unzip it '
        'into data_root.')

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 extra_gallery_dir: Optional[str] = None,
                 **kwargs) -> None:
        self.extra_gallery_dir = extra_gallery_dir
        super().__init__(data_root=data_root, split=split, **kwargs)

    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read the folder of ``split`` (plus the extra gallery).

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Sorted records, junk included.
        """
        records = super().load_split(split)
        if split == 'gallery' and self.extra_gallery_dir:
            folder = osp.join(self.dataset_dir(), self.extra_gallery_dir)
            records += self.scan_folder(folder)
        return records
