"""Batch-hard triplet loss, with the soft margin, of Hermans, Beyer and
Leibe ("In Defense of the Triplet Loss for Person Re-Identification", arXiv
1703.07737, 2017), as BFE and SONA-Net train with it."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmsona.registry import MODELS
from ..utils import autocast_disabled

__all__ = ['TripletLoss', 'pairwise_euclidean']


def pairwise_euclidean(feats: Tensor) -> Tensor:
    """Euclidean distances between all rows, with a finite gradient at 0.

    Args:
        feats (Tensor): B x D features.

    Returns:
        Tensor: B x B distances, exactly 0 on the diagonal.
    """
    sq = feats.pow(2).sum(dim=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * feats @ feats.t()
    eye = torch.eye(feats.shape[0], dtype=torch.bool, device=feats.device)
    return d2.clamp(min=1e-12).sqrt().masked_fill(eye, 0.0)


@MODELS.register_module()
class TripletLoss(nn.Module):
    """Batch-hard triplet loss (Hermans et al., 2017).

    For every anchor, the hardest positive (farthest same-identity sample)
    and the hardest negative (closest other-identity sample) in the batch.
    With ``margin=None`` the soft margin ``log(1 + exp(d_ap - d_an))`` is
    used, otherwise ``max(0, d_ap - d_an + margin)``. Anchors without a
    negative in the batch contribute nothing.

    Args:
        margin (float, optional): Hard margin, or None for the soft margin.
            Defaults to None.
        normalize_feature (bool): L2-normalise features first.
            Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 margin: Optional[float] = None,
                 normalize_feature: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.margin = margin
        self.normalize_feature = normalize_feature
        self.loss_weight = loss_weight

    def forward(self, feats: Tensor, labels: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            feats (Tensor): B x D features.
            labels (Tensor): B identity labels.

        Returns:
            Tensor: Scalar loss.
        """
        # The distances need float32: under autocast the Gram product would
        # run in float16/bfloat16 whatever its inputs, and a squared norm
        # above 65504 (or bfloat16's 8-bit mantissa) corrupts the mining.
        with autocast_disabled(feats.device):
            if feats.dtype in (torch.float16, torch.bfloat16):
                feats = feats.float()
            if self.normalize_feature:
                feats = F.normalize(feats, dim=1)
            dist = pairwise_euclidean(feats)
            same = labels[:, None] == labels[None, :]
            d_ap = dist.masked_fill(~same, float('-inf')).amax(dim=1)
            d_an = dist.masked_fill(same, float('inf')).amin(dim=1)
            diff = d_ap - d_an
            if self.margin is None:
                loss = F.softplus(diff)
            else:
                loss = F.relu(diff + self.margin)
            # An anchor has no negative only when the whole batch is one
            # identity, and then no anchor has one: masking (no indexing,
            # no Python branch on a tensor) keeps the mean of the batches
            # that have negatives and gives 0 otherwise, without a
            # host-device synchronisation.
            loss = loss.masked_fill(torch.isinf(d_an), 0.0)
            return self.loss_weight * loss.mean()
