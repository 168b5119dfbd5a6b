"""Image loading that names the file when it cannot be read."""
from typing import Optional

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

from mmsona.registry import TRANSFORMS

__all__ = ['LoadReIDImage', 'UnreadableImageError']


class UnreadableImageError(OSError):
    """An image file is missing, truncated or not an image."""


@TRANSFORMS.register_module()
class LoadReIDImage(LoadImageFromFile):
    """Load an image like MMCV's ``LoadImageFromFile``, with clear errors.

    A missing, empty or undecodable file raises
    :class:`UnreadableImageError` naming the file and what to do (MMCV
    raises a bare ``AssertionError`` for undecodable files). With
    ``skip_unreadable=True`` the sample is dropped instead and a warning
    counts the skipped files; MMEngine datasets then fetch another sample
    in training (in test mode a dropped sample is still an error, since
    every query and gallery image must be ranked).

    **Required Keys:** ``img_path``. **Added Keys:** ``img``,
    ``img_shape``, ``ori_shape``.

    Args:
        skip_unreadable (bool): Skip unreadable images with a warning
            instead of raising. Defaults to False.
        **kwargs: Arguments of :class:`mmcv.transforms.LoadImageFromFile`
            (``to_float32``, ``color_type``, ``imdecode_backend``,
            ``backend_args``).
    """

    def __init__(self, skip_unreadable: bool = False, **kwargs) -> None:
        if kwargs.get('ignore_empty'):
            raise ValueError('Use skip_unreadable=True instead of '
                             'ignore_empty with LoadReIDImage.')
        super().__init__(**kwargs)
        self.skip_unreadable = skip_unreadable
        self.num_skipped = 0

    def transform(self, results: dict) -> Optional[dict]:
        """Load the image of ``results['img_path']``.

        Args:
            results (dict): Needs ``img_path``.

        Returns:
            dict, optional: ``results`` with the image, or None for a
            skipped file.
        """
        path = results['img_path']
        reason = None
        try:
            loaded = super().transform(results)
            if loaded is None or loaded.get('img') is None or \
                    loaded['img'].size == 0:
                reason = 'it decodes to no image'
        except Exception as e:  # any backend or decoder failure
            reason = f'{type(e).__name__}: {e}'
        if reason is None:
            return loaded
        if self.skip_unreadable:
            self.num_skipped += 1
            # Log at 1, 2, 4, 8 ... skips (per worker process).
            if self.num_skipped & (self.num_skipped - 1) == 0:
                print_log(
                    f'LoadReIDImage skipped {self.num_skipped} unreadable '
                    f'image(s) in this process so far; latest: {path!r} '
                    f'({reason}).',
                    logger='current',
                    level=30)
            return None
        raise UnreadableImageError(
            f'Cannot read image {path!r} ({reason}). The file is missing, '
            'truncated or not an image: re-extract it from the data set '
            'archive, or delete it (a synthetic benchmark is regenerated '
            'when its folder is incomplete). To skip such files during '
            'training, use dict(type=\'LoadReIDImage\', '
            'skip_unreadable=True).')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(skip_unreadable='
                f'{self.skip_unreadable}, color_type={self.color_type!r}, '
                f'imdecode_backend={self.imdecode_backend!r})')
