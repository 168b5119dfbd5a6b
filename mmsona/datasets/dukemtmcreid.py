"""DukeMTMC-reID (Zheng et al., ICCV 2017; from Ristani et al., 2016)."""
from mmsona.registry import DATASETS
from .market_style_dataset import MarketStyleDataset

__all__ = ['DukeMTMCreID']


@DATASETS.register_module()
class DukeMTMCreID(MarketStyleDataset):
    """DukeMTMC-reID: 1,404 identities (+408 distractor ids) in 8 cameras.

    Reads ``<data_root>/DukeMTMC-reID/{bounding_box_train, query,
    bounding_box_test}`` or the same folders directly under ``data_root``,
    with names like ``0001_c2_f0046182.jpg``. The splits hold 702 ids /
    16,522 images (train), 702 / 2,228 (query) and 1,110 / 17,661
    (gallery, whose 408 extra identities act as distractors; their pids are
    regular ids, so they count in ``num_pids``).

    Args:
        data_root (str): See above.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
            Defaults to ``'train'``.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'DukeMTMC-reID'
    SUBDIRS = ('DukeMTMC-reID', )
    FILENAME_EXAMPLE = '0001_c2_f0046182.jpg'
    NUM_CAMERAS = 8
    PUBLISHED_STATS = dict(
        train=(702, 16522), query=(702, 2228), gallery=(1110, 17661))
    DOWNLOAD_HINT = (
        'DukeMTMC-reID was released at '
        'https://github.com/layumi/DukeMTMC-reID_evaluation (the DukeMTMC '
        'authors have since withdrawn the data set; use it only under its '
        'terms): unzip DukeMTMC-reID.zip into data_root.')
