"""Size presets of the synthetic re-ID benchmark."""
from dataclasses import asdict, dataclass
from typing import Dict, Mapping, Tuple, Union

__all__ = ['SyntheticPreset', 'SYNTHETIC_PRESETS', 'get_preset']


@dataclass(frozen=True)
class SyntheticPreset:
    """How many identities, cameras and images a synthetic benchmark has.

    Args:
        num_train_ids (int): Identities of ``bounding_box_train``.
        num_test_ids (int): Identities of ``query`` and ``bounding_box_test``
            (disjoint from the training identities, as in Market1501).
        num_cameras (int): Simulated cameras (at most 9, the one-digit
            ``c<k>`` of the Market1501 file names).
        cameras_per_id (tuple[int, int]): Inclusive range of the number of
            cameras an identity is seen by (at least 2, so that every query
            has a match in another camera).
        images_per_id (tuple[int, int]): Inclusive range of the number of
            images of one identity over all its cameras.
        max_queries_per_id (int): Queries of a test identity, at most one
            per camera, as in Market1501.
        num_junk (int): ``-1_c...`` images (bad detections) in
            ``bounding_box_test``.
        num_distractors (int): ``0000_c...`` images (false positives) in
            ``bounding_box_test``.
        height (int): Image height. Defaults to 128 (Market1501's).
        width (int): Image width. Defaults to 64 (Market1501's).
    """

    num_train_ids: int
    num_test_ids: int
    num_cameras: int
    cameras_per_id: Tuple[int, int]
    images_per_id: Tuple[int, int]
    max_queries_per_id: int
    num_junk: int
    num_distractors: int
    height: int = 128
    width: int = 64

    def __post_init__(self) -> None:
        if not 2 <= self.num_cameras <= 9:
            raise ValueError(
                f'num_cameras={self.num_cameras} must be in [2, 9]: file '
                'names carry one camera digit (c1..c9).')
        lo, hi = self.cameras_per_id
        if not 2 <= lo <= hi <= self.num_cameras:
            raise ValueError(
                f'cameras_per_id={self.cameras_per_id} must satisfy '
                f'2 <= min <= max <= num_cameras={self.num_cameras}.')
        lo_img, hi_img = self.images_per_id
        if not 2 * hi <= lo_img <= hi_img:
            raise ValueError(
                f'images_per_id={self.images_per_id} must satisfy '
                f'2 * max cameras_per_id ({2 * hi}) <= min <= max, so that '
                'every camera of a test identity keeps a gallery image '
                'beside its query.')
        if self.num_train_ids < 1 or self.num_test_ids < 1:
            raise ValueError('num_train_ids and num_test_ids must be >= 1.')
        if self.max_queries_per_id < 1:
            raise ValueError('max_queries_per_id must be >= 1.')
        if self.num_train_ids + self.num_test_ids > 4999:
            raise ValueError('At most 4999 identities fit the 4-digit ids.')

    def expected_counts(self) -> Dict[str, float]:
        """Return the expected number of images of each kind.

        Returns:
            dict: ``train``, ``test_person`` (query + gallery images of the
            test identities), ``junk``, ``distractors`` and ``total``.
        """
        mean_images = sum(self.images_per_id) / 2
        train = self.num_train_ids * mean_images
        test = self.num_test_ids * mean_images
        return dict(
            train=train,
            test_person=test,
            junk=self.num_junk,
            distractors=self.num_distractors,
            total=train + test + self.num_junk + self.num_distractors)

    def to_dict(self) -> dict:
        """Return the preset as a JSON-serialisable dict."""
        out = asdict(self)
        out['cameras_per_id'] = list(self.cameras_per_id)
        out['images_per_id'] = list(self.images_per_id)
        return out


SYNTHETIC_PRESETS: Dict[str, SyntheticPreset] = dict(
    tiny=SyntheticPreset(
        num_train_ids=12,
        num_test_ids=10,
        num_cameras=4,
        cameras_per_id=(2, 3),
        images_per_id=(6, 7),
        max_queries_per_id=2,
        num_junk=4,
        num_distractors=6),
    demo=SyntheticPreset(
        num_train_ids=128,
        num_test_ids=100,
        num_cameras=6,
        cameras_per_id=(2, 4),
        images_per_id=(8, 10),
        max_queries_per_id=3,
        num_junk=60,
        num_distractors=100),
    # Fewer identities with more images each: the size of the relational
    # probe's grid, whose groups must be learnt within a CPU budget.
    probe=SyntheticPreset(
        num_train_ids=60,
        num_test_ids=60,
        num_cameras=6,
        cameras_per_id=(2, 4),
        images_per_id=(14, 18),
        max_queries_per_id=3,
        num_junk=60,
        num_distractors=100),
    full=SyntheticPreset(
        num_train_ids=751,
        num_test_ids=750,
        num_cameras=6,
        cameras_per_id=(2, 6),
        images_per_id=(12, 22),
        max_queries_per_id=6,
        num_junk=3819,
        num_distractors=2793),
)


def get_preset(size: Union[str, dict, SyntheticPreset]) -> SyntheticPreset:
    """Resolve a size name, a dict of preset fields or a preset object.

    Args:
        size (str | dict | SyntheticPreset): ``'tiny'``, ``'demo'``,
            ``'probe'``, ``'full'``, the fields of a :class:`SyntheticPreset`
            (handy in configs) or a preset.

    Returns:
        SyntheticPreset: The preset.
    """
    if isinstance(size, SyntheticPreset):
        return size
    if isinstance(size, Mapping):
        fields = {
            k: tuple(v) if isinstance(v, (list, tuple)) else v
            for k, v in size.items()
        }
        try:
            return SyntheticPreset(**fields)
        except TypeError as e:
            raise ValueError(f'Invalid synthetic preset {dict(size)!r}: {e}. '
                             'Give every field of SyntheticPreset.') from e
    if size not in SYNTHETIC_PRESETS:
        raise ValueError(f'Unknown synthetic size {size!r}; choose one of '
                         f'{sorted(SYNTHETIC_PRESETS)}, a dict of '
                         'SyntheticPreset fields or a SyntheticPreset.')
    return SYNTHETIC_PRESETS[size]
