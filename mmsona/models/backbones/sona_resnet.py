"""ResNet trunk with SONA blocks after chosen stages.

The dilated trunk of SONA-Net (Xia et al., "Second-order Non-local Attention
Networks for Person Re-identification", ICCV 2019, arXiv 1909.00295); with
no block and layer3 strided it is BFE's trunk (Dai et al., "Batch DropBlock
Network for Person Re-identification and Beyond", ICCV 2019). The ResNet is
He et al.'s ("Deep Residual Learning for Image Recognition", CVPR 2016).
"""
from typing import Optional, Sequence, Tuple

from mmengine.model import ModuleDict
from mmpretrain.models.backbones import ResNet
from torch import Tensor

from mmsona.registry import MODELS
from ..utils import build_model_in_scope

__all__ = ['SONAResNet']


@MODELS.register_module()
class SONAResNet(ResNet):
    """MMPretrain ResNet with second-order attention between stages.

    The trunk is MMPretrain's ``ResNet`` (so ImageNet weights from
    torchvision or MMPretrain load through ``init_cfg``); a :class:`SONA`
    block is inserted after every stage listed in ``sona_stages``
    (0-based: ``1`` is after layer2, ``2`` after layer3, ``3`` after layer4).
    SONA blocks start as the identity and are not in the loaded checkpoint,
    so the pretrained trunk's output is unchanged at initialisation.

    SONA-Net's dilated trunk: ``strides=(1, 2, 1, 1)``,
    ``dilations=(1, 1, 2, 4)`` (output stride 8). BFE's: ``strides=(1, 2, 2,
    1)`` (output stride 16).

    Args:
        sona_stages (Sequence[int]): Stages followed by a SONA block.
            Defaults to (1, 2), SONA2+3.
        sona_cfg (dict): Extra arguments of every SONA block (``reduction``,
            ``normalize`` ...). A ``type`` key builds another attention
            block at the same places instead, e.g.
            ``dict(type='NonLocal2d', reduction=4)`` for MMCV's first-order
            (embedded Gaussian) non-local block; it is built with
            ``in_channels`` of its stage. Defaults to ``dict(type='SONA')``.
        **kwargs: Arguments of MMPretrain's ``ResNet`` (``depth``,
            ``strides``, ``dilations``, ``out_indices``, ``frozen_stages``,
            ``norm_eval``, ``with_cp``, ``init_cfg`` ...).
    """

    def __init__(self,
                 sona_stages: Sequence[int] = (1, 2),
                 sona_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        sona_stages = tuple(sorted(set(int(s) for s in sona_stages)))
        for stage in sona_stages:
            if not 0 <= stage < self.num_stages:
                raise ValueError(
                    f'sona_stages={sona_stages} has stage {stage}; stages '
                    f'are 0..{self.num_stages - 1} (1 = after layer2).')
        self.sona_stages = sona_stages
        sona_cfg = dict(dict(type='SONA'), **(sona_cfg or {}))
        self.sona_layers = ModuleDict()
        for stage in sona_stages:
            channels = self.stage_channels(stage)
            self.sona_layers[str(stage)] = build_model_in_scope(
                sona_cfg, in_channels=channels)

    def stage_channels(self, stage: int) -> int:
        """Output channels of a stage (0-based).

        Args:
            stage (int): Stage index.

        Returns:
            int: ``base_channels * 2**stage * expansion``.
        """
        return self.base_channels * 2**stage * self.expansion

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Run the trunk, applying SONA after the configured stages.

        Args:
            x (Tensor): Images, B x 3 x H x W.

        Returns:
            tuple[Tensor]: Feature maps of the stages in ``out_indices``.
        """
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if str(i) in self.sona_layers:
                x = self.sona_layers[str(i)](x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
