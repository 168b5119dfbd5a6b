"""Extract re-ID features from images with a trained model."""
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar
from torch import Tensor

from mmsona.registry import TRANSFORMS
from mmsona.utils import config_type_name
from .model import get_model, load_model_config

__all__ = ['FeatureExtractor']

ImageInput = Union[str, os.PathLike, np.ndarray, Tensor]


class FeatureExtractor:
    """Turn images into re-ID features with a config and a checkpoint.

    The model comes from :func:`~mmsona.apis.get_model`; the images go
    through the test pipeline of the config (its
    ``test_dataloader``), the model's data preprocessor and
    ``model.test_step``, exactly as in ``tools/test.py``, so the features
    equal those of a ``tools/test.py --out`` dump.

    Inputs can be:

    - image paths (``str`` or ``os.PathLike``);
    - numpy arrays, ``H x W x 3`` in BGR order (what ``cv2.imread``
      returns), or an ``N x H x W x 3`` stack;
    - tensors with the pixel values of such arrays in ``3 x H x W`` (or
      ``N x 3 x H x W``) layout, BGR order, values 0-255;

    or a list mixing them. Arrays and tensors skip the loading step of the
    pipeline; the other steps (resizing ...) apply.

    Example:
        >>> extractor = FeatureExtractor(
        ...     'configs/sona/sona_r18_synthetic.py', 'epoch_12.pth')
        >>> feats = extractor(['a.jpg', 'b.jpg'])  # 2 x 1536 tensor

    Args:
        config (str | Config): Config file or object (copied, never
            changed).
        checkpoint (str, optional): Checkpoint to load; None keeps the
            initial weights (for tests). It is read with
            ``torch.load(..., weights_only=True)``, which runs no code;
            a file holding other Python objects is refused
            (:class:`~mmsona.utils.UntrustedCheckpointError`).
        device (str | torch.device): Device of the model. Defaults to
            'cpu'.
        batch_size (int): Images per forward pass. Defaults to 32.
        cfg_options (dict, optional): Overrides merged into the config.
        trust_checkpoint (bool): Unpickle ``checkpoint`` fully when it holds
            more than tensors and plain data (with a warning). This can run
            any code inside the file: only for files whose origin you trust.
            Defaults to False.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Union[str, torch.device] = 'cpu',
                 batch_size: int = 32,
                 cfg_options: Optional[dict] = None,
                 trust_checkpoint: bool = False) -> None:
        config = load_model_config(config, cfg_options)
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}.')
        self.cfg = config
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.model = get_model(
            config,
            checkpoint,
            device=self.device,
            trust_checkpoint=trust_checkpoint)
        with DefaultScope.overwrite_default_scope('mmsona'):
            pipeline = self._test_pipeline(config)
            self.file_pipeline = Compose(
                [TRANSFORMS.build(t) for t in pipeline])
            self.array_pipeline = Compose([
                TRANSFORMS.build(t) for t in pipeline
                if 'Load' not in config_type_name(t.get('type'))
            ])

    @staticmethod
    def _test_pipeline(cfg: Config) -> List[dict]:
        """The test pipeline of a config (falling back to validation)."""
        for key in ('test_dataloader', 'val_dataloader'):
            loader = cfg.get(key)
            if loader and loader.get('dataset', {}).get('pipeline'):
                return [dict(t) for t in loader['dataset']['pipeline']]
        if cfg.get('test_pipeline'):
            return [dict(t) for t in cfg.test_pipeline]
        raise ValueError(
            'The config has no test pipeline (test_dataloader.dataset.'
            'pipeline, val_dataloader.dataset.pipeline or test_pipeline).')

    @staticmethod
    def _as_list(inputs: Any) -> List[ImageInput]:
        """Split the accepted input forms into a list of single images."""
        if isinstance(inputs, (str, os.PathLike)):
            return [inputs]
        if isinstance(inputs, np.ndarray):
            return list(inputs) if inputs.ndim == 4 else [inputs]
        if isinstance(inputs, Tensor):
            return list(inputs) if inputs.ndim == 4 else [inputs]
        if isinstance(inputs, Sequence):
            items = []
            for item in inputs:
                items.extend(FeatureExtractor._as_list(item))
            return items
        raise TypeError('Inputs must be image paths, BGR numpy arrays, '
                        'tensors or a list of them; got '
                        f'{type(inputs).__name__}.')

    def _prepare(self, item: ImageInput) -> dict:
        """Run one image through the test pipeline."""
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if not osp.isfile(path):
                raise FileNotFoundError(f'Image {path!r} does not exist.')
            return self.file_pipeline(dict(img_path=path))
        if isinstance(item, Tensor):
            if item.ndim != 3 or item.shape[0] not in (1, 3):
                raise ValueError('An image tensor must be 3 x H x W (BGR, '
                                 f'0-255); got shape {tuple(item.shape)}.')
            item = item.detach().cpu().permute(1, 2, 0).numpy()
        if item.ndim == 2:
            item = item[..., None]
        if item.ndim != 3 or item.shape[2] not in (1, 3):
            raise ValueError('An image array must be H x W x 3 (BGR); got '
                             f'shape {item.shape}.')
        if item.shape[2] == 1:
            item = np.repeat(item, 3, axis=2)
        if item.dtype != np.uint8:
            item = item.astype(np.float32)
        img = np.ascontiguousarray(item)
        return self.array_pipeline(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))

    def preprocess(self, inputs: Any) -> dict:
        """Pipeline, collate and data preprocessor for a batch of images.

        Args:
            inputs: Images in any accepted form.

        Returns:
            dict: ``inputs`` (B x 3 x H x W normalised tensor on the model's
            device) and ``data_samples``.
        """
        data = pseudo_collate(
            [self._prepare(x) for x in self._as_list(inputs)])
        return self.model.data_preprocessor(data, False)

    @torch.no_grad()
    def extract(self,
                inputs: Any,
                batch_size: Optional[int] = None,
                progress: bool = True) -> Tensor:
        """Extract the features of images.

        Args:
            inputs: Images in any accepted form (see the class docstring).
            batch_size (int, optional): Defaults to the constructor's.
            progress (bool): Show a progress bar. Defaults to True.

        Returns:
            Tensor: N x D float features on the CPU, in input order (not
            L2-normalised; the test feature of the model).
        """
        items = self._as_list(inputs)
        batch_size = batch_size or self.batch_size
        bar = ProgressBar(len(items)) if progress and items else None
        feats = []
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            data = pseudo_collate([self._prepare(x) for x in chunk])
            samples = self.model.test_step(data)
            feats.append(
                torch.stack([s.pred_feature for s in samples]).float().cpu())
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            print()
        if not feats:
            return torch.empty(0, 0)
        return torch.cat(feats)

    __call__ = extract
