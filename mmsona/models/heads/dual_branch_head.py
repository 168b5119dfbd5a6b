"""BFE's dual-branch head: a global and a local (DropBlock+) branch."""
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
        if self.with_local:
            self.local_block = Bottleneck(
                in_channels, in_channels, expansion=4)
            self.dropblock = build_model_in_scope(
                dropblock) if dropblock else None
            self.local_reduce = nn.Sequential(
                nn.Linear(in_channels, local_dim, bias=False),
                nn.BatchNorm1d(local_dim), nn.ReLU(inplace=True))
        for name, dim in zip(self.branches, (global_dim, local_dim)):
            setattr(self, f'{name}_neck',
                    nn.BatchNorm1d(dim) if bnneck else None)
        for name, dim in zip(self.branches, (global_dim, local_dim)):
            setattr(self, f'{name}_cls', nn.Linear(dim, num_classes))
            # Deterministic, so it draws nothing from the generators.
            nn.init.zeros_(getattr(self, f'{name}_cls').bias)
        self.triplet_loss = build_model_in_scope(
            triplet_loss) if triplet_loss else None
        self.cls_loss = build_model_in_scope(cls_loss) if cls_loss else None
        if self.cls_loss is None:
            # Nothing would train the classifiers (nor a BNNeck's affine
            # parameters, which only feed them): parameters that never get
            # a gradient stop DDP (find_unused_parameters=False) at the
            # second iteration. They are kept, so checkpoints and seeded
            # initialisation stay as with a classification loss.
            for name in self.branches:
                for module in (getattr(self, f'{name}_cls'),
                               getattr(self, f'{name}_neck')):
                    if module is not None:
                        module.requires_grad_(False)

    @property
    def with_local(self) -> bool:
        """Whether the head has the local (DropBlock+) branch."""
        return self.local_dim > 0

    @property
    def branches(self) -> Tuple[str, ...]:
        """Names of the branches, in the order of the test feature."""
        return ('global', 'local') if self.with_local else ('global', )

    def init_weights(self) -> None:
        """Kaiming for the reductions, small normal for the classifiers,
        then ``init_cfg`` (which overrides only what it names)."""
        for name in self.branches:
            kaiming_init(getattr(self, f'{name}_reduce')[0], mode='fan_out')
        for name in self.branches:
            normal_init(getattr(self, f'{name}_cls'), std=0.001, bias=0.0)
        for name in self.branches:
            neck = getattr(self, f'{name}_neck')
            if neck is not None:
                constant_init(neck, 1.0, bias=0.0)
        super().init_weights()

    @property
    def feature_dim(self) -> int:
        """Width of the test feature."""
        return self.global_dim + self.local_dim

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

    def _necked(self, name: str, feat: Tensor) -> Tensor:
        """A branch feature after its BNNeck (unchanged without one)."""
        neck = getattr(self, f'{name}_neck')
        return feat if neck is None else neck(feat)

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """The test feature ``[global, local]``.

        Args:
            feats (Tensor | Sequence[Tensor]): Trunk output.

        Returns:
            Tensor: B x (global_dim + local_dim).
        """
        branch_feats = self.branch_features(feats).items()
        return torch.cat([self._necked(n, f) for n, f in branch_feats], dim=1)

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
        for name, feat in branch_feats.items():
            if self.triplet_loss is not None:
                losses[f'loss_{name}_triplet'] = self.triplet_loss(
                    feat, labels)
            if self.cls_loss is None:
                # The BNNeck's running statistics still follow the
                # training features (the test feature is taken after it).
                with torch.no_grad():
                    self._necked(name, feat)
                continue
            logits = getattr(self, f'{name}_cls')(self._necked(name, feat))
            losses[f'loss_{name}_cls'] = self.cls_loss(logits, labels)
            with torch.no_grad():
                acc = (logits.argmax(dim=1) == labels).float().mean()
            losses[f'acc_{name}'] = acc * 100.0
        return losses
