"""Second-order non-local attention (SONA), the block of SONA-Net (Xia,
Gong, Zhang, Poellabauer, "Second-order Non-local Attention Networks for
Person Re-identification", ICCV 2019, arXiv 1909.00295)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from torch import Tensor, nn

from mmsona.registry import MODELS

__all__ = ['SONA']


@MODELS.register_module()
class SONA(BaseModule):
    """Second-order non-local attention block.

    For an input ``X`` (B x C x H x W, N = H*W positions) with reduced width
    ``c' = C / reduction``:

    1. ``theta = W_theta X`` and ``g = W_g X``, 1x1 convolutions, N x c'.
    2. Covariance attention over positions,
       ``Sigma = theta Ibar theta^T`` with
       ``Ibar = (I - 1 1^T / c') / c'``; computed as
       ``theta_c theta_c^T / c'`` where ``theta_c`` is ``theta`` centred over
       its channels (the N x N centring product is never built).
    3. Rows normalised by softmax (``normalize='softmax'``) or divided by N
       (``normalize='scale'``), giving ``A``.
    4. ``Y = A g``; ``Z = BN(W_z Y) + X``. The BN's weight and bias start at
       zero so the block starts as the identity.

    The block is the identity from its constructor on, in training and in
    eval mode, like :class:`mmcv.cnn.NonLocal2d` (zeroing the BN draws no
    random numbers). :meth:`init_weights` Kaiming-initialises the three
    1x1 convolutions and keeps the BN at zero; an ``init_cfg`` is applied
    after these defaults and overrides only the layers it names (a
    ``Pretrained`` one loads everything it holds).

    The softmax path is one ``scaled_dot_product_attention`` call; the
    ``'scale'`` path multiplies in the order ``theta_c (theta_c^T g)`` when
    ``c' < N``, which never forms the N x N map. ``theta_c`` and ``g`` come
    from one batched product laid out N x c' per image (the layout fused
    attention kernels accept without a copy), and the output projection
    writes B x C x N directly, so the block adds no layout conversions to
    the trunk. When the output BN uses running statistics (eval mode,
    ``norm_eval``) it is folded into ``W_z`` and the product is accumulated
    onto the residual.

    It can be used as an MMCV plugin layer (``in_channels`` is passed by the
    host network) or built directly.

    Args:
        in_channels (int): Channels C of the input.
        reduction (int): Ratio C / c'. Defaults to 4.
        normalize (str): ``'softmax'`` or ``'scale'``. Defaults to
            ``'softmax'``.
        use_bn_zero_init (bool): Start the output BN at zero so the block is
            the identity at initialisation (else PyTorch's weight 1, bias
            0). Defaults to True.
        norm_cfg (dict): Norm layer after ``W_z``. Defaults to BN.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    _abbr_ = 'sona'

    def __init__(self,
                 in_channels: int,
                 reduction: int = 4,
                 normalize: str = 'softmax',
                 use_bn_zero_init: bool = True,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if normalize not in ('softmax', 'scale'):
            raise ValueError(
                f"SONA normalize must be 'softmax' or 'scale', got "
                f'{normalize!r}.')
        if reduction < 1 or in_channels % reduction != 0:
            raise ValueError(
                f'SONA reduction={reduction} must be >= 1 and divide '
                f'in_channels={in_channels}.')
        self.in_channels = in_channels
        self.reduction = reduction
        self.inter_channels = in_channels // reduction
        self.normalize = normalize
        self.use_bn_zero_init = use_bn_zero_init
        self.theta = nn.Conv2d(in_channels, self.inter_channels, 1)
        self.g = nn.Conv2d(in_channels, self.inter_channels, 1)
        self.out_conv = nn.Conv2d(
            self.inter_channels, in_channels, 1, bias=False)
        self.out_norm = build_norm_layer(norm_cfg, in_channels)[1]
        if use_bn_zero_init:
            constant_init(self.out_norm, 0.0, bias=0.0)

    def init_weights(self) -> None:
        """Kaiming-initialise the embeddings and zero the output BN, then
        apply ``init_cfg`` (which overrides only what it names)."""
        for conv in (self.theta, self.g, self.out_conv):
            kaiming_init(conv, mode='fan_in', nonlinearity='linear')
        if self.use_bn_zero_init:
            constant_init(self.out_norm, 0.0, bias=0.0)
        super().init_weights()

    def forward(self, x: Tensor) -> Tensor:
        """Apply the attention block.

        Args:
            x (Tensor): Input, B x C x H x W.

        Returns:
            Tensor: Output of the same shape.
        """
        b, c, h, w = x.shape
        # Steps 1-3 and Y = A g: B x N x c'.
        y = self._aggregate(*self._embed(x))
        # Z = BN(W_z Y) + X, the rest of step 4.
        weight = self.out_conv.weight.flatten(1)
        folded = self._folded_norm()
        if _is_channels_last(x):
            return self._output_channels_last(x, y, weight, folded)
        y = y.transpose(1, 2)
        if folded is None:
            z = torch.bmm(weight.expand(b, -1, -1), y)
            return x + self.out_norm(z.view(b, c, h, w))
        scale, shift = folded
        out = torch.baddbmm(
            x.flatten(2), (weight * scale[:, None]).expand(b, -1, -1), y)
        return out.add_(shift[:, None]).view(b, c, h, w)

    def _output_channels_last(self, x: Tensor, y: Tensor, weight: Tensor,
                              folded: Optional[Tuple[Tensor,
                                                     Tensor]]) -> Tensor:
        """Step 4 for a channels-last input, with the products taken as
        ``Y W_z^T`` (B x N x C), the memory order of a channels-last map, so
        the output stays channels-last without a copy."""
        b, c, h, w = x.shape

        def as_map(t: Tensor) -> Tensor:
            return t.view(b, h, w, c).permute(0, 3, 1, 2)

        if folded is None:
            z = torch.matmul(y, weight.t())
            return x + self.out_norm(as_map(z))
        scale, shift = folded
        residual = x.permute(0, 2, 3, 1).reshape(b, h * w, c)  # a view
        out = torch.baddbmm(residual, y,
                            (weight * scale[:, None]).t().expand(b, -1, -1))
        return as_map(out.add_(shift))

    def _embed(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Centred theta and g embeddings, each B x N x c'.

        Both come from one product ``X^T [W_theta_c; W_g]^T``. Centring over
        channels is folded into theta's weights: the channel mean of
        ``W x + b`` is ``mean(W) x + mean(b)``.

        Args:
            x (Tensor): Input, B x C x H x W.

        Returns:
            tuple[Tensor, Tensor]: ``theta_c`` and ``g``, views of one
            B x N x 2c' tensor.
        """
        w_theta = self.theta.weight.flatten(1)
        b_theta = self.theta.bias
        weight = torch.cat([
            w_theta - w_theta.mean(0, keepdim=True),
            self.g.weight.flatten(1)
        ])
        bias = torch.cat([b_theta - b_theta.mean(), self.g.bias])
        emb = torch.bmm(
            x.flatten(2).transpose(1, 2),
            weight.t().expand(x.shape[0], -1, -1)).add_(bias)
        c = self.inter_channels
        return emb[..., :c], emb[..., c:]

    def _aggregate(self, theta_c: Tensor, g: Tensor) -> Tensor:
        """``Y = A g`` for the configured normalisation, B x N x c'."""
        c = self.inter_channels
        if self.normalize == 'softmax':
            y = F.scaled_dot_product_attention(
                theta_c.unsqueeze(1),
                theta_c.unsqueeze(1),
                g.unsqueeze(1),
                scale=1.0 / c)
            return y.squeeze(1)
        n = theta_c.shape[1]
        # Both factors are scaled first, by powers of two near 1/c' and
        # 1/N. Every product and partial sum is then the unscaled one times
        # an exact power of two, so float32 results keep their bits, while
        # float16 intermediates (autocast) stay far below 65504 instead of
        # growing with c' * N.
        theta_scale = 2.0**-(c.bit_length() - 1)
        g_scale = 2.0**-(n.bit_length() - 1)
        theta_s = theta_c * theta_scale
        g_s = g * g_scale
        if c < n:
            y = theta_s @ (theta_c.transpose(1, 2) @ g_s)
        else:
            y = (theta_s @ theta_c.transpose(1, 2)) @ g_s
        return y / (c * n * theta_scale * g_scale)

    def _folded_norm(self) -> Optional[Tuple[Tensor, Tensor]]:
        """Per-channel ``(scale, shift)`` of the output BN when it uses
        running statistics (eval mode or ``norm_eval``), else None.

        ``BN(W_z y) + x`` is then ``x + (scale * W_z) y + shift``, one
        product accumulated onto the residual instead of three passes.
        """
        norm = self.out_norm
        if (not isinstance(norm, nn.modules.batchnorm._BatchNorm)
                or norm.training or norm.running_mean is None):
            return None
        scale = (norm.running_var + norm.eps).rsqrt()
        if norm.weight is not None:
            scale = scale * norm.weight
        shift = -norm.running_mean * scale
        if norm.bias is not None:
            shift = shift + norm.bias
        return scale, shift

    def attention_map(self, x: Tensor) -> Tensor:
        """The normalised second-order attention map ``A``, built
        explicitly (:meth:`forward` never forms it); read by the attention
        tools.

        Args:
            x (Tensor): Input, B x C x H x W.

        Returns:
            Tensor: B x N x N, at least float32 (also under autocast); row
            ``i`` is the attention of position ``i`` (row-major over H x W)
            on every position.
        """
        theta_c, _ = self._embed(x)
        # Covariance and normalisation in float32 whatever autocast says:
        # the entries of a near one-hot bfloat16 row are rounded to 2^-8,
        # and the row would sum to 1 only within that.
        with torch.autocast(x.device.type, enabled=False):
            theta_c = theta_c.to(
                torch.promote_types(theta_c.dtype, torch.float32))
            sigma = theta_c @ theta_c.transpose(1, 2) / self.inter_channels
            if self.normalize == 'softmax':
                return sigma.softmax(dim=-1)
            return sigma / sigma.shape[-1]


def _is_channels_last(x: Tensor) -> bool:
    """Whether a 4-d map is stored channels-last (and not also plain
    contiguous, as maps with one channel or one position are)."""
    return (x.dim() == 4 and not x.is_contiguous()
            and x.is_contiguous(memory_format=torch.channels_last))
