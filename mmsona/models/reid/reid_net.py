"""The re-identification model: trunk, optional neck, feature head.

It assembles SONA-Net (Xia et al., "Second-order Non-local Attention
Networks for Person Re-identification", ICCV 2019) and BFE (Dai et al.,
"Batch DropBlock Network for Person Re-identification and Beyond", ICCV
2019) from their parts.
"""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmsona.registry import MODELS
from ..utils import build_model_in_scope

__all__ = ['ReIDNet']


@MODELS.register_module()
class ReIDNet(BaseModel):
    """Person re-identification network (SONA-Net, BFE and relatives).

    The model knows nothing of files, splits or metrics: it turns images
    into identity features. Ranking is done by ``ReIDMetric``.

    Args:
        backbone (dict): Trunk config, e.g. ``SONAResNet``.
        head (dict): Head config with ``forward(feats) -> test feature`` and
            ``loss(feats, data_samples) -> dict``, e.g. ``DualBranchHead``.
        neck (dict, optional): Neck between trunk and head. Defaults to None.
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor`` (MMPretrain's ``ClsDataPreprocessor``
            with non-blocking device copies) with ImageNet mean/std and
            BGR->RGB.
        test_flip (bool): Average the test feature of each image and its
            horizontal mirror. Defaults to False.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 test_flip: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='ReIDDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True)
        if isinstance(data_preprocessor, dict):
            data_preprocessor = build_model_in_scope(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = build_model_in_scope(backbone)
        self.neck = build_model_in_scope(neck) if neck else None
        self.head = build_model_in_scope(head)
        self.test_flip = test_flip

    def extract_feat(self, inputs: Tensor) -> tuple:
        """Trunk (and neck) feature maps.

        Args:
            inputs (Tensor): Normalised images, B x 3 x H x W.

        Returns:
            tuple[Tensor]: Feature maps.
        """
        x = self.backbone(inputs)
        if self.neck is not None:
            x = self.neck(x)
        return x

    def extract_test_feature(self, inputs: Tensor) -> Tensor:
        """The test feature, flip-averaged when ``test_flip`` is set.

        Args:
            inputs (Tensor): Normalised images, B x 3 x H x W.

        Returns:
            Tensor: B x D features (not L2-normalised).
        """
        feats = self.head(self.extract_feat(inputs))
        if self.test_flip:
            flipped = self.head(self.extract_feat(inputs.flip(dims=[3])))
            feats = (feats + flipped) / 2.0
        return feats

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch on ``mode``.

        Args:
            inputs (Tensor): Normalised images, B x 3 x H x W.
            data_samples (list[DataSample], optional): Per-image labels and
                meta information.
            mode (str): ``'loss'`` (dict of named losses), ``'predict'``
                (data samples with ``pred_feature``) or ``'tensor'`` (the
                B x D test feature).

        Returns:
            dict | list[DataSample] | Tensor: See ``mode``.
        """
        if mode == 'loss':
            if not data_samples:
                raise ValueError("mode='loss' needs data_samples with labels.")
            return self.head.loss(self.extract_feat(inputs), data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_test_feature(inputs)
        raise ValueError(
            f"Invalid mode {mode!r}: use 'loss', 'predict' or 'tensor'.")

    @torch.no_grad()
    def predict(self,
                inputs: Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Attach each image's test feature as ``pred_feature``.

        Args:
            inputs (Tensor): Normalised images, B x 3 x H x W.
            data_samples (list[DataSample], optional): Samples to fill; new
                ones are made when None.

        Returns:
            list[DataSample]: One sample per image.
        """
        feats = self.extract_test_feature(inputs)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(feats.shape[0])]
        for sample, feat in zip(data_samples, feats):
            sample.set_field(feat, 'pred_feature', field_type='data')
        return data_samples
