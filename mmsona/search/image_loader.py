"""Decoding image files as the model's test pipeline does."""
import os.path as osp
from typing import Callable, Optional, Tuple

import mmcv
import numpy as np

__all__ = ['ImageLoader']


def _decode_with_mmcv(path: str) -> Optional[np.ndarray]:
    """BGR ``uint8`` image of a file (None when it does not decode)."""
    with open(path, 'rb') as f:
        content = f.read()
    return mmcv.imfrombytes(content, flag='color') if content else None


class ImageLoader:
    """Read image files into BGR arrays, telling unreadable ones apart.

    With the loading step of the model's test pipeline (e.g. mmsona's
    ``LoadReIDImage``) the pixels are exactly those ``tools/test.py``
    sees; without one, MMCV decodes the file in colour.

    Args:
        load_transform (callable, optional): A pipeline step that takes
            ``dict(img_path=...)`` and adds ``img``. Defaults to None
            (MMCV's decoder).
    """

    def __init__(self,
                 load_transform: Optional[Callable[[dict],
                                                   Optional[dict]]] = None
                 ) -> None:
        self.load_transform = load_transform

    @classmethod
    def from_pipeline(cls, pipeline) -> 'ImageLoader':
        """The loader of the first ``Load*`` step of a composed pipeline.

        Args:
            pipeline: An ``mmcv.transforms.Compose`` (``.transforms``).

        Returns:
            ImageLoader: The loader.
        """
        for step in getattr(pipeline, 'transforms', []):
            if 'Load' in type(step).__name__:
                return cls(step)
        return cls()

    def __call__(self, path: str) -> np.ndarray:
        """Decode one file.

        Args:
            path (str): The image file.

        Returns:
            np.ndarray: ``H x W x 3`` BGR image.

        Raises:
            OSError: The file cannot be read or decoded.
        """
        image, reason = self.try_load(path)
        if image is None:
            raise OSError(f'cannot read image {path!r}: {reason}')
        return image

    def try_load(self, path: str) -> Tuple[Optional[np.ndarray], str]:
        """Decode one file, reporting failure instead of raising.

        Args:
            path (str): The image file.

        Returns:
            tuple[np.ndarray | None, str]: The BGR image (None when the
            file is unreadable) and the reason it is unreadable ('' when
            it is not).
        """
        if not osp.isfile(path):
            return None, 'no such file'
        try:
            if self.load_transform is None:
                image = _decode_with_mmcv(path)
            else:
                loaded = self.load_transform(dict(img_path=path))
                image = None if loaded is None else loaded.get('img')
        except Exception as e:  # any decoder or backend failure
            return None, f'not a decodable image ({type(e).__name__})'
        if image is None or getattr(image, 'size', 0) == 0:
            return None, 'it decodes to no image'
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        return image, ''
