"""The base of every re-ID dataset: splits, labels, metainfo and checks."""
from collections import defaultdict
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log
from torch.utils.data import get_worker_info

from .samplers.sample_key import seed_generators_for_sample
from .transforms.loading import UnreadableImageError

__all__ = ['BaseReIDDataset', 'ReIDRecord']


class ReIDRecord(NamedTuple):
    """One image of a split as a loader reads it.

    Args:
        img_path (str): Path of the image.
        pid (int): Raw person id (-1 junk, distractor ids kept).
        camid (int): 0-based camera id.
    """

    img_path: str
    pid: int
    camid: int


class BaseReIDDataset(BaseDataset):
    """Base class of person re-identification datasets.

    A subclass implements :meth:`load_split`, returning the raw records of
    ``'train'``, ``'query'`` or ``'gallery'`` (junk included, sorted); this
    class drops junk, relabels training identities, assembles ``'test'``
    (query followed by gallery), fills the metainfo and checks the result.

    Every item of :meth:`get_data_info` has ``img_path`` (str), ``pid``
    (raw int), ``camid`` (0-based int), ``gt_label`` (0..N-1 for ``train``,
    the raw pid otherwise) and ``is_query`` (bool).

    In a data worker, an index that carries a sample key
    (:class:`~mmsona.datasets.samplers.SampledIndex`, from
    :class:`~mmsona.datasets.samplers.IdentitySampler`) seeds the worker's
    generators before the sample is loaded and augmented, so its
    augmentation depends on the key alone; in the main process
    (``num_workers=0``) keys are ignored. An unreadable image raises an
    :class:`~mmsona.datasets.transforms.UnreadableImageError` that names
    the file, the split and the data set.

    After full initialisation the metainfo holds ``dataset_name``,
    ``split``, ``num_images``, ``num_pids`` (identities, distractors not
    counted), ``num_cams``, ``num_distractors`` (distractor images),
    ``num_junk`` (junk images dropped), ``num_classes`` (training
    identities, whatever the split, so that a model head can be sized from
    any split; None if the training split cannot be read) and, for
    ``test``, ``num_query`` and ``num_gallery``.

    Args:
        data_root (str): Root folder of the data set.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
            Defaults to ``'train'``.
        pipeline (Sequence[dict | Callable]): Transforms. Defaults to ().
        combine_all (bool): Train on train + query + gallery (junk and
            distractors left out, test identities relabelled after the
            training ones). Only meaningful with ``split='train'``; the
            evaluation splits are unchanged. Defaults to False.
        test_mode (bool, optional): MMEngine's test mode (a transform may
            not drop a sample). Defaults to ``split != 'train'``.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``metainfo``, ``indices``, ``serialize_data``, ``lazy_init``,
            ``max_refetch``, ...).
    """

    SPLITS: Tuple[str, ...] = ('train', 'query', 'gallery', 'test')
    #: Name used in messages.
    DATASET_NAME: str = 'ReID dataset'
    #: Person ids of junk images, dropped everywhere.
    JUNK_PIDS: Tuple[int, ...] = (-1, )
    #: Person ids of distractor images, kept in the gallery only.
    DISTRACTOR_PIDS: Tuple[int, ...] = ()
    #: Published (identities, images) per split after junk removal.
    PUBLISHED_STATS: Dict[str, Tuple[int, int]] = {}

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 combine_all: bool = False,
                 test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(f'{self.DATASET_NAME}: split must be one of '
                             f'{self.SPLITS}, got {split!r}.')
        self.split = split
        self.combine_all = combine_all
        self._pids = np.zeros(0, np.int64)
        self._camids = np.zeros(0, np.int64)
        self._gt_labels = np.zeros(0, np.int64)
        if test_mode is None:
            test_mode = split != 'train'
        super().__init__(
            data_root=data_root,
            pipeline=list(pipeline),
            test_mode=test_mode,
            **kwargs)

    # ----------------------------------------------------------------- API
    def load_split(self, split: str) -> List[ReIDRecord]:
        """Read the raw records of one split.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            list[ReIDRecord]: Sorted records, junk included.
        """
        raise NotImplementedError

    def split_location(self, split: str) -> str:
        """Where ``split`` is read from (a folder or a list), for messages.

        Args:
            split (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            str: A path or a description.
        """
        return f'{self.data_root} ({split})'

    # ------------------------------------------------------------ loading
    def _is_junk(self, pid: int) -> bool:
        return pid in self.JUNK_PIDS

    def _is_distractor(self, pid: int) -> bool:
        return pid in self.DISTRACTOR_PIDS

    def _non_empty(self, split: str,
                   records: List[ReIDRecord]) -> List[ReIDRecord]:
        if not records:
            raise ValueError(
                f'The {split} split of {self.DATASET_NAME} is empty: no '
                f'usable image in {self.split_location(split)}. Check that '
                'the download was extracted completely (junk images with '
                'pid -1 do not count).')
        return records

    def _training_records(self) -> Tuple[List[Tuple[str, ReIDRecord]], int]:
        """Records to train on, each keyed by its identity namespace."""
        raw = self.load_split('train')
        keep = [('train', r) for r in raw
                if not self._is_junk(r.pid) and not self._is_distractor(r.pid)]
        self._non_empty('train', [r for _, r in keep])
        dropped = len(raw) - len(keep)
        if self.combine_all:
            for split in ('query', 'gallery'):
                raw = self.load_split(split)
                extra = [('test', r) for r in raw if not self._is_junk(r.pid)
                         and not self._is_distractor(r.pid)]
                keep += extra
                dropped += len(raw) - len(extra)
        return keep, dropped

    def _evaluation_records(self, split: str) -> Tuple[List[ReIDRecord], int]:
        raw = self.load_split(split)
        keep = [
            r for r in raw if not self._is_junk(r.pid)
            and not (split == 'query' and self._is_distractor(r.pid))
        ]
        return self._non_empty(split, keep), len(raw) - len(keep)

    def _count_train_classes(self) -> Optional[int]:
        if self.split == 'train':
            return None
        try:
            records, _ = self._training_records()
        except (FileNotFoundError, ValueError):
            return None
        return len({(space, r.pid) for space, r in records})

    def _check_query_matches(self, query: List[ReIDRecord],
                             gallery: List[ReIDRecord]) -> None:
        cams_of = defaultdict(set)
        for r in gallery:
            cams_of[r.pid].add(r.camid)
        valid = sum(1 for q in query if cams_of[q.pid] - {q.camid})
        if valid == 0:
            raise ValueError(
                f'None of the {len(query)} queries of {self.DATASET_NAME} '
                'has a valid match in the gallery (the same pid from '
                f'another camera); query: {self.split_location("query")}, '
                f'gallery: {self.split_location("gallery")}. The two '
                'folders probably come from different releases or subsets.')
        if valid < len(query):
            print_log(
                f'{self.DATASET_NAME}: {len(query) - valid} of {len(query)} '
                'queries have no gallery image of the same pid from another '
                'camera; the ranking metrics leave them out.',
                logger='current',
                level=30)

    def load_data_list(self) -> List[dict]:
        """Build the data list of the split (see the class docstring).

        Returns:
            list[dict]: One dict per image.
        """
        meta = dict(dataset_name=self.DATASET_NAME, split=self.split)
        if self.split == 'train':
            keyed, num_junk = self._training_records()
            keys = sorted({(space, r.pid) for space, r in keyed})
            label_of = {key: label for label, key in enumerate(keys)}
            data_list = [
                dict(
                    img_path=r.img_path,
                    pid=r.pid,
                    camid=r.camid,
                    gt_label=label_of[(space, r.pid)],
                    is_query=False) for space, r in keyed
            ]
            meta.update(num_classes=len(keys), num_pids=len(keys))
        else:
            query: List[ReIDRecord] = []
            gallery: List[ReIDRecord] = []
            num_junk = 0
            if self.split in ('query', 'test'):
                query, junk = self._evaluation_records('query')
                num_junk += junk
            if self.split in ('gallery', 'test'):
                gallery, junk = self._evaluation_records('gallery')
                num_junk += junk
            if self.split == 'test':
                self._check_query_matches(query, gallery)
                meta.update(num_query=len(query), num_gallery=len(gallery))
            data_list = [
                dict(
                    img_path=r.img_path,
                    pid=r.pid,
                    camid=r.camid,
                    gt_label=r.pid,
                    is_query=is_query)
                for records, is_query in ((query, True), (gallery, False))
                for r in records
            ]
            meta.update(
                num_classes=self._count_train_classes(),
                num_pids=len({
                    d['pid']
                    for d in data_list if not self._is_distractor(d['pid'])
                }))
        meta.update(
            num_images=len(data_list),
            num_cams=len({d['camid']
                          for d in data_list}),
            num_distractors=sum(
                self._is_distractor(d['pid']) for d in data_list),
            num_junk=num_junk)
        self._metainfo.update(meta)
        return data_list

    def full_init(self) -> None:
        """Load the data list, then keep pid, camid and label arrays so
        that samplers need not decode every item."""
        if self._fully_initialized:
            return
        serialize = self.serialize_data
        self.serialize_data = False
        try:
            super().full_init()
        finally:
            self.serialize_data = serialize
        self._refresh_arrays()
        if serialize:
            self.data_bytes, self.data_address = self._serialize_data()

    def _refresh_arrays(self) -> None:
        if self.serialize_data and not self.data_list:
            items = [self.get_data_info(i) for i in range(len(self))]
        else:
            items = self.data_list
        self._pids = np.array([d['pid'] for d in items], np.int64)
        self._camids = np.array([d['camid'] for d in items], np.int64)
        self._gt_labels = np.array([d['gt_label'] for d in items], np.int64)

    @force_full_init
    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        """Keep only ``indices`` (in place), like MMEngine's ``get_subset_``.

        Args:
            indices (int | Sequence[int]): Items to keep.
        """
        super().get_subset_(indices)
        self._refresh_arrays()

    @force_full_init
    def get_subset(self, indices: Union[Sequence[int],
                                        int]) -> 'BaseReIDDataset':
        """Return a subset copy, like MMEngine's ``get_subset``.

        Args:
            indices (int | Sequence[int]): Items to keep.

        Returns:
            BaseReIDDataset: The subset.
        """
        subset = super().get_subset(indices)
        subset._refresh_arrays()
        return subset

    #: Honours the sample keys of :class:`SampledIndex` indices.
    uses_sample_keys = True

    def __getitem__(self, idx: int) -> dict:
        """Load and transform item ``idx`` (see the class docstring).

        Args:
            idx (int): Item index, possibly a ``SampledIndex``.

        Returns:
            dict: The transformed sample.
        """
        key = getattr(idx, 'key', None)
        idx = int(idx)
        if key is not None and get_worker_info() is not None:
            seed_generators_for_sample(key)
        try:
            return super().__getitem__(idx)
        except UnreadableImageError as e:
            raise UnreadableImageError(
                f'{e} (item {idx} of the {self.split} split of '
                f'{self.DATASET_NAME} in {self.data_root!r})') from e

    # ------------------------------------------------------------- access
    def get_gt_labels(self) -> np.ndarray:
        """Return the ``gt_label`` of every item (a copy).

        Returns:
            np.ndarray: int64 array of length ``len(self)``.
        """
        self.full_init()
        return self._gt_labels.copy()

    def get_pids(self) -> np.ndarray:
        """Return the raw ``pid`` of every item (a copy).

        Returns:
            np.ndarray: int64 array of length ``len(self)``.
        """
        self.full_init()
        return self._pids.copy()

    def get_cam_ids(self) -> np.ndarray:
        """Return the ``camid`` of every item (a copy).

        Returns:
            np.ndarray: int64 array of length ``len(self)``.
        """
        self.full_init()
        return self._camids.copy()

    def get_cat_ids(self, idx: int) -> List[int]:
        """Return ``[gt_label]`` of item ``idx`` (for MMEngine wrappers).

        Args:
            idx (int): Item index.

        Returns:
            list[int]: The label.
        """
        self.full_init()
        return [int(self._gt_labels[idx])]

    def __repr__(self) -> str:
        meta = self._metainfo
        return (f'{type(self).__name__}(split={self.split!r}, '
                f'data_root={self.data_root!r}, '
                f'num_images={meta.get("num_images")}, '
                f'num_pids={meta.get("num_pids")}, '
                f'num_cams={meta.get("num_cams")})')
