"""CUHK03 (Li et al., CVPR 2014) with the new 767/700 protocol."""
import json
import os.path as osp
from typing import List, Optional, Tuple

from mmsona.registry import DATASETS
from mmsona.utils.dist import prepare_on_main_process
from .base_reid_dataset import ReIDRecord
from .cuhk03_raw import extract_cuhk03, split_json_path
from .market_style_dataset import MarketStyleDataset

__all__ = ['CUHK03']

SUBSETS = ('labeled', 'detected')


@DATASETS.register_module()
class CUHK03(MarketStyleDataset):
    """CUHK03, new protocol (Zhong et al., CVPR 2017): 767 training and 700
    test identities, two cameras per identity.

    Two releases are read:

    - CUHK03-NP (Market1501-style folders):
      ``<data_root>/[cuhk03-np/]<subset>/{bounding_box_train, query,
      bounding_box_test}``;
    - the raw release: ``<data_root>/[cuhk03_release/]cuhk-03.mat`` with
      ``cuhk03_new_protocol_config_<subset>.mat`` next to it or in
      ``data_root``. Its images are extracted once (rank 0 only, with a
      progress bar; on several nodes also on every node that cannot see
      rank 0's files) into ``cache_dir`` together with a split JSON.

    Published sizes: labeled 767 ids / 7,368 images (train), 700 / 1,400
    (query), 700 / 5,328 (gallery); detected 7,365 / 1,400 / 5,332 images.

    Args:
        data_root (str): See above.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
            Defaults to ``'train'``.
        subset (str): ``'labeled'`` (manual boxes) or ``'detected'`` (DPM
            boxes). Defaults to ``'labeled'``.
        cache_dir (str, optional): Where the raw release is extracted.
            Defaults to ``<data_root>/cuhk03_extracted``.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'CUHK03'
    FILENAME_EXAMPLE = '0001_c1_1.png'
    NUM_CAMERAS = 2
    DOWNLOAD_HINT = (
        'CUHK03 is published at '
        'https://www.ee.cuhk.edu.hk/~xgwang/CUHK_identification.html '
        '(cuhk03_release.zip with cuhk-03.mat); the new-protocol files '
        '(cuhk03_new_protocol_config_labeled.mat / _detected.mat) and the '
        'CUHK03-NP folders are at https://github.com/zhunzhong07/'
        'person-re-ranking. Unzip either into data_root.')
    _STATS = dict(
        labeled=dict(
            train=(767, 7368), query=(700, 1400), gallery=(700, 5328)),
        detected=dict(
            train=(767, 7365), query=(700, 1400), gallery=(700, 5332)))

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 subset: str = 'labeled',
                 cache_dir: Optional[str] = None,
                 **kwargs) -> None:
        if subset not in SUBSETS:
            raise ValueError(
                f'CUHK03: subset must be one of {SUBSETS}, got {subset!r}.')
        self.subset = subset
        self.DATASET_NAME = f'CUHK03-{subset}'
        self.PUBLISHED_STATS = self._STATS[subset]
        self.SUBDIRS = (osp.join('cuhk03-np', subset), subset)
        self.cache_dir = cache_dir or osp.join(data_root or '.',
                                               'cuhk03_extracted')
        self._split_json: Optional[str] = None
        if not self._has_folders(data_root):
            mat, config = self._find_raw(data_root)
            self._split_json = split_json_path(self.cache_dir, subset)
            if not osp.isfile(self._split_json):
                json_path = self._split_json
                prepare_on_main_process(
                    extract_cuhk03,
                    mat,
                    config,
                    subset,
                    self.cache_dir,
                    is_prepared=lambda: osp.isfile(json_path))
        super().__init__(data_root=data_root, split=split, **kwargs)

    # ------------------------------------------------------------ routes
    def _has_folders(self, data_root: str) -> bool:
        root = data_root or '.'
        for cand in [osp.join(root, s) for s in self.SUBDIRS] + [root]:
            if any(
                    osp.isdir(osp.join(cand, d))
                    for d in self.SPLIT_DIRS.values()):
                return True
        return False

    def _root_candidates(self) -> List[str]:
        root = self.data_root or '.'
        return [osp.join(root, s) for s in self.SUBDIRS] + [root]

    def _find_raw(self, data_root: str) -> Tuple[str, str]:
        root = data_root or '.'
        folders = [root, osp.join(root, 'cuhk03_release')]
        config_name = f'cuhk03_new_protocol_config_{self.subset}.mat'
        mats = [
            osp.join(d, 'cuhk-03.mat') for d in folders
            if osp.isfile(osp.join(d, 'cuhk-03.mat'))
        ]
        configs = [
            osp.join(d, config_name) for d in folders
            if osp.isfile(osp.join(d, config_name))
        ]
        if mats and configs:
            return mats[0], configs[0]
        found = (f'Found {mats[0]!r} but no {config_name}.\n' if mats else '')
        raise FileNotFoundError(
            f'{self.DATASET_NAME} not found in {osp.abspath(root)!r}: '
            'neither CUHK03-NP folders nor the raw release.\nExpected one '
            'of:\n'
            f'  <data_root>/[cuhk03-np/]{self.subset}/bounding_box_train/'
            f'{self.FILENAME_EXAMPLE} ... (and query/, bounding_box_test/)\n'
            '  <data_root>/[cuhk03_release/]cuhk-03.mat and '
            f'<data_root>/{config_name}\n'
            f'{found}{self.DOWNLOAD_HINT}')

    def split_location(self, split: str) -> str:
        """The folder or split JSON ``split`` is read from.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            str: A path.
        """
        if self._split_json is None:
            return super().split_location(split)
        return f'{self._split_json} ({split})'

    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read ``split`` from the folders or the extracted raw release.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Sorted records.
        """
        if self._split_json is None:
            return super().load_split(split)
        with open(self._split_json, encoding='utf-8') as f:
            payload = json.load(f)
        image_dir = osp.join(
            osp.dirname(self._split_json), payload['image_dir'])
        return [
            ReIDRecord(osp.join(image_dir, name), int(pid), int(camid))
            for name, pid, camid in payload[split]
        ]
