"""First-order non-local attention (Wang et al., "Non-local Neural
Networks", CVPR 2018), the rival SONA is compared with."""
import torch
from mmcv.cnn import NonLocal2d
from torch import Tensor

from mmsona.registry import MODELS

__all__ = ['FirstOrderNonLocal']


@MODELS.register_module()
class FirstOrderNonLocal(NonLocal2d):
    """MMCV's ``NonLocal2d`` whose attention map can be read out.

    The block is MMCV's unchanged (by default embedded Gaussian: ``A =
    softmax(theta phi^T / sqrt(c'))`` over positions, ``Z = X + W_z A g``,
    with ``W_z`` zero-initialised so the block starts as the identity). It
    only adds :meth:`attention_map`, so the attention tools read it like a
    :class:`SONA` block, and it drops into ``SONAResNet`` at SONA's places
    with ``sona_cfg=dict(type='FirstOrderNonLocal', reduction=4)``.

    Args:
        in_channels (int): Channels C of the input.
        **kwargs: Arguments of MMCV's ``NonLocal2d`` (``reduction``,
            ``use_scale``, ``mode``, ``zeros_init``, ``norm_cfg`` ...).
    """

    _abbr_ = 'nonlocal'

    def __init__(self, in_channels: int, **kwargs) -> None:
        mode = kwargs.get('mode', 'embedded_gaussian')
        if mode not in ('embedded_gaussian', 'dot_product'):
            raise ValueError(
                f"FirstOrderNonLocal reads attention maps of mode "
                f"'embedded_gaussian' or 'dot_product', got {mode!r}.")
        if kwargs.get('sub_sample', False):
            raise ValueError('FirstOrderNonLocal does not support '
                             'sub_sample=True: its attention map would not '
                             'be N x N.')
        super().__init__(in_channels, **kwargs)

    def attention_map(self, x: Tensor) -> Tensor:
        """The normalised first-order attention map ``A``.

        Args:
            x (Tensor): Input, B x C x H x W.

        Returns:
            Tensor: B x N x N, at least float32; row ``i`` is the attention
            of position ``i`` (row-major over H x W) on every position.
        """
        n = x.shape[0]
        theta = self.theta(x).view(n, self.inter_channels, -1).transpose(1, 2)
        phi = self.phi(x).view(n, self.inter_channels, -1)
        # In float32 under autocast, as SONA.attention_map.
        dtype = torch.promote_types(theta.dtype, torch.float32)
        with torch.autocast(x.device.type, enabled=False):
            return getattr(self, self.mode)(theta.to(dtype), phi.to(dtype))
