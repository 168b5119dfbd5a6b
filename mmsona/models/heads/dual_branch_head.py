"""BFE's dual-branch head: a global and a local (DropBlock+) branch.

Implements the head of BFE (Dai et al., "Batch DropBlock Network for Person
Re-identification and Beyond", ICCV 2019, arXiv 1811.07130), which SONA-Net
(Xia et al., ICCV 2019) reuses with DropBlock+ in the local branch. The
optional BNNeck is Luo et al.'s ("Bag of Tricks and A Strong Baseline for
Deep Person Re-identification", CVPR Workshops 2019, arXiv 1903.07071).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init, normal_init
from mmpretrain.models.backbones.resnet import Bottleneck
from mmpretrain.structures import DataSample
from torch import Tensor, nn

from mmsona.registry import MODELS
from ..utils import build_model_in_scope

__all__ = ['DualBranchHead']


@MODELS.register_module()
class DualBranchHead(BaseModule):
    """Global and local branches on the trunk's last feature map (BFE).

    - Global branch: global average pooling, 1x1 conv ``in -> global_dim`` +
      BN + ReLU, then a linear classifier.
    - Local branch: a ResNet bottleneck ``in -> in/4 -> in``, DropBlock+,
      global max pooling, linear ``in -> local_dim`` + BN1d + ReLU, then a
      linear classifier.

    Training applies the triplet loss to both features and the
    classification loss to both classifiers. The test feature is the
    concatenation ``[global, local]`` (``global_dim + local_dim`` wide).
    ``local_dim=0`` keeps the global branch alone: a plain global-pooling
    baseline.

    Initial state: right after construction the classifiers' biases are
    zero and every BN (and BNNeck) has weight 1 and bias 0; the other
    weights keep PyTorch's defaults until :meth:`init_weights` draws the
    documented ones (Kaiming reductions, N(0, 0.001) classifiers), since
    drawing random weights in the constructor would shift every seeded
    run. An ``init_cfg`` is applied after these defaults and overrides only
    the layers it names.

    Submodules (their names are the checkpoint keys): ``global_reduce``,
    ``global_neck`` and ``global_cls``; with the local branch
    ``local_block``, ``dropblock``, ``local_reduce``, ``local_neck`` and
    ``local_cls``. A neck is None without ``bnneck``; every ``local_*``
    module is None when ``local_dim=0``.

    Args:
        in_channels (int): Channels of the trunk's feature map.
        num_classes (int): Number of training identities.
        global_dim (int): Width of the global feature. Defaults to 512.
        local_dim (int): Width of the local feature; 0 drops the local
            branch. Defaults to 1024.
        dropblock (dict, optional): Config of the local branch's drop
            layer; None disables it. Defaults to ``DropBlockPlus``.
        triplet_loss (dict, optional): Metric loss on both features; None
            disables it. Defaults to the soft-margin ``TripletLoss``.
        cls_loss (dict, optional): Classification loss on both classifiers;
            None disables it, and the classifiers (and BNNecks' affine
            parameters) are then frozen, so DDP sees no unused parameter.
            Defaults to ``LabelSmoothLoss`` (0.1).
        bnneck (bool): Put a BN1d between each feature and its classifier
            (BNNeck); the test feature is then taken after the BN.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 global_dim: int = 512,
                 local_dim: int = 1024,
                 dropblock: Optional[dict] = dict(type='DropBlockPlus'),
                 triplet_loss: Optional[dict] = dict(type='TripletLoss'),
                 cls_loss: Optional[dict] = dict(
                     type='LabelSmoothLoss', label_smooth_val=0.1),
                 bnneck: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(
                f'num_classes={num_classes}: set it to the number of '
                'training identities of the dataset.')
        if global_dim < 1 or local_dim < 0:
            raise ValueError(
                f'global_dim={global_dim} must be >= 1 and '
                f'local_dim={local_dim} >= 0 (0 drops the local branch).')
        if triplet_loss is None and cls_loss is None:
            raise ValueError('DualBranchHead needs at least one loss.')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.global_dim = global_dim
        self.local_dim = local_dim

        # Seeded runs depend on this creation order (each module draws its
        # default initial weights from the RNG): global reduction, local
        # branch, necks, classifiers.
        self.global_reduce = nn.Sequential(
            nn.Conv2d(in_channels, global_dim, 1, bias=False),
            nn.BatchNorm2d(global_dim), nn.ReLU(inplace=True))
        self.local_block: Optional[nn.Module] = None
        self.dropblock: Optional[nn.Module] = None
        self.local_reduce: Optional[nn.Sequential] = None
        if self.with_local:
            self.local_block = Bottleneck(
                in_channels, in_channels, expansion=4)
            self.dropblock = build_model_in_scope(
                dropblock) if dropblock else None
            self.local_reduce = nn.Sequential(
                nn.Linear(in_channels, local_dim, bias=False),
                nn.BatchNorm1d(local_dim), nn.ReLU(inplace=True))
        self.global_neck = nn.BatchNorm1d(global_dim) if bnneck else None
        self.local_neck = nn.BatchNorm1d(
            local_dim) if bnneck and self.with_local else None
        self.global_cls = nn.Linear(global_dim, num_classes)
        # Deterministic, so it draws nothing from the generators.
        nn.init.zeros_(self.global_cls.bias)
        self.local_cls: Optional[nn.Linear] = None
        if self.with_local:
            self.local_cls = nn.Linear(local_dim, num_classes)
            nn.init.zeros_(self.local_cls.bias)
        self.triplet_loss = build_model_in_scope(
            triplet_loss) if triplet_loss else None
        self.cls_loss = build_model_in_scope(cls_loss) if cls_loss else None
        if self.cls_loss is None:
            # Nothing would train the classifiers (nor a BNNeck's affine
            # parameters, which only feed them): parameters that never get
            # a gradient stop DDP (find_unused_parameters=False) at the
            # second iteration. They are kept, so checkpoints and seeded
            # initialisation stay as with a classification loss.
            for _, neck, classifier in self._branch_output_layers():
                classifier.requires_grad_(False)
                if neck is not None:
                    neck.requires_grad_(False)

    @property
    def with_local(self) -> bool:
        """Whether the head has the local (DropBlock+) branch."""
        return self.local_dim > 0

    @property
    def branches(self) -> Tuple[str, ...]:
        """Names of the branches, in the order of the test feature."""
        return ('global', 'local') if self.with_local else ('global', )

    @property
    def feature_dim(self) -> int:
        """Width of the test feature."""
        return self.global_dim + self.local_dim

    def init_weights(self) -> None:
        """Kaiming for the reductions, small normal for the classifiers,
        then ``init_cfg`` (which overrides only what it names)."""
        # Seeded runs depend on this order too: reductions, classifiers.
        kaiming_init(self.global_reduce[0], mode='fan_out')
        if self.with_local:
            kaiming_init(self.local_reduce[0], mode='fan_out')
        for _, _, classifier in self._branch_output_layers():
            normal_init(classifier, std=0.001, bias=0.0)
        for _, neck, _ in self._branch_output_layers():
            if neck is not None:
                constant_init(neck, 1.0, bias=0.0)
        super().init_weights()

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """The test feature ``[global, local]``.

        Args:
            feats (Tensor | Sequence[Tensor]): Trunk output.

        Returns:
            Tensor: B x (global_dim + local_dim).
        """
        branch_feats = self.branch_features(feats)
        test_feats = [
            _after_neck(neck, branch_feats[name])
            for name, neck, _ in self._branch_output_layers()
        ]
        return torch.cat(test_feats, dim=1)

    def loss(self, feats: Union[Tensor, Sequence[Tensor]],
             data_samples: List[DataSample]) -> dict:
        """Losses of every branch.

        Args:
            feats (Tensor | Sequence[Tensor]): Trunk output.
            data_samples (list[DataSample]): Samples with ``gt_label``.

        Returns:
            dict: ``loss_{global,local}_{triplet,cls}`` and the top-1
            training accuracy of each classifier (``local`` only with the
            local branch; the classifiers, frozen without ``cls_loss``,
            then give neither loss nor accuracy).
        """
        branch_feats = self.branch_features(feats)
        device = branch_feats['global'].device
        labels = torch.cat([ds.gt_label for ds in data_samples]).to(device)
        losses = dict()
        for name, neck, classifier in self._branch_output_layers():
            feat = branch_feats[name]
            if self.triplet_loss is not None:
                losses[f'loss_{name}_triplet'] = self.triplet_loss(
                    feat, labels)
            if self.cls_loss is None:
                # The BNNeck's running statistics still follow the
                # training features (the test feature is taken after it).
                with torch.no_grad():
                    _after_neck(neck, feat)
                continue
            logits = classifier(_after_neck(neck, feat))
            losses[f'loss_{name}_cls'] = self.cls_loss(logits, labels)
            with torch.no_grad():
                acc = (logits.argmax(dim=1) == labels).float().mean()
            losses[f'acc_{name}'] = acc * 100.0
        return losses

    def branch_features(self,
                        feats: Union[Tensor,
                                     Sequence[Tensor]]) -> Dict[str, Tensor]:
        """The feature of every branch, before any BNNeck.

        Args:
            feats (Tensor | Sequence[Tensor]): Trunk output; the last map is
                used.

        Returns:
            dict[str, Tensor]: ``'global'`` (B x global_dim) and, with the
            local branch, ``'local'`` (B x local_dim).
        """
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        glob = self.global_reduce(x.mean(dim=(2, 3), keepdim=True))
        out = {'global': glob.flatten(1)}
        if self.with_local:
            local = self.local_block(x)
            if self.dropblock is not None:
                local = self.dropblock(local)
            out['local'] = self.local_reduce(local.amax(dim=(2, 3)))
        return out

    def _branch_output_layers(
            self) -> List[Tuple[str, Optional[nn.Module], nn.Linear]]:
        """``(name, BNNeck or None, classifier)`` of every branch, in the
        order of the test feature."""
        outputs = [('global', self.global_neck, self.global_cls)]
        if self.with_local:
            outputs.append(('local', self.local_neck, self.local_cls))
        return outputs


def _after_neck(neck: Optional[nn.Module], feat: Tensor) -> Tensor:
    """A branch feature after its BNNeck (unchanged without one)."""
    return feat if neck is None else neck(feat)
