"""Read the second-order attention maps of a model's SONA blocks.

Duck-typed: a SONA block is any module with an ``attention_map`` method, so
this needs no import of the models.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

__all__ = [
    'find_sona_blocks', 'get_sona_attention', 'position_to_cell', 'cell_center'
]


def find_sona_blocks(model: nn.Module) -> Dict[int, nn.Module]:
    """The SONA blocks of a model, by the trunk stage they follow.

    A SONA block is any sub-module with an ``attention_map`` method; its
    stage is read from the module name (``backbone.sona_layers.<stage>``)
    and otherwise numbered in order of appearance.

    Args:
        model (nn.Module): The model (a DDP wrapper is unwrapped).

    Returns:
        dict[int, nn.Module]: Blocks keyed by stage, sorted.
    """
    model = getattr(model, 'module', model)
    blocks = {}
    for name, module in model.named_modules():
        if not callable(getattr(module, 'attention_map', None)):
            continue
        last = name.rsplit('.', 1)[-1]
        stage = int(last) if last.isdigit() else len(blocks)
        blocks[stage] = module
    return dict(sorted(blocks.items()))


@torch.no_grad()
def get_sona_attention(model: nn.Module,
                       inputs: Tensor,
                       stage: Optional[int] = None
                       ) -> Tuple[Tensor, Tuple[int, int], int]:
    """Run the model and return one SONA block's attention map.

    Args:
        model (nn.Module): A model with SONA blocks (e.g. ``ReIDNet``).
        inputs (Tensor): Pre-processed images, B x 3 x H x W, as the model's
            data preprocessor returns them.
        stage (int, optional): Stage whose SONA block to read (1 = after
            layer2, 2 = after layer3). Defaults to the last block.

    Returns:
        tuple: ``(attention, (h, w), stage)`` with ``attention`` B x N x N
        (N = h * w, rows sum to 1 for softmax normalisation), the feature
        map size of the block and the stage read.
    """
    blocks = find_sona_blocks(model)
    if not blocks:
        raise ValueError(
            'The model has no SONA block (no module with an attention_map '
            'method); use a config with backbone.sona_stages set.')
    if stage is None:
        stage = list(blocks)[-1]
    if stage not in blocks:
        raise ValueError(f'No SONA block after stage {stage}; the model has '
                         f'SONA blocks after stages {list(blocks)}.')
    block = blocks[stage]
    captured = {}

    def grab(module: nn.Module, args: tuple) -> None:
        captured.setdefault('x', args[0])

    handle = block.register_forward_pre_hook(grab)
    try:
        net = getattr(model, 'module', model)
        was_training = net.training
        net.eval()
        if callable(getattr(net, 'extract_feat', None)):
            net.extract_feat(inputs)
        else:
            net(inputs, mode='tensor')
        net.train(was_training)
    finally:
        handle.remove()
    if 'x' not in captured:
        raise RuntimeError(f'The SONA block of stage {stage} was not run.')
    x = captured['x']
    return block.attention_map(x), (x.shape[2], x.shape[3]), stage


def position_to_cell(position: Sequence[float], image_size: Sequence[int],
                     feat_size: Sequence[int]) -> Tuple[int, int]:
    """The feature-map cell that covers an image position.

    Args:
        position (Sequence[float]): ``(x, y)`` in image pixels.
        image_size (Sequence[int]): ``(H, W)`` of the image.
        feat_size (Sequence[int]): ``(h, w)`` of the feature map.

    Returns:
        tuple[int, int]: ``(row, col)``, clipped to the map.
    """
    x, y = float(position[0]), float(position[1])
    (ih, iw), (fh, fw) = image_size, feat_size
    if not (0 <= x < iw and 0 <= y < ih):
        raise ValueError(f'Position (x={x:g}, y={y:g}) lies outside the '
                         f'{iw} x {ih} (w x h) image.')
    row = min(fh - 1, int(y / ih * fh))
    col = min(fw - 1, int(x / iw * fw))
    return row, col


def cell_center(cell: Sequence[int], image_size: Sequence[int],
                feat_size: Sequence[int]) -> Tuple[float, float]:
    """Image position ``(x, y)`` of the centre of a feature-map cell.

    Args:
        cell (Sequence[int]): ``(row, col)``.
        image_size (Sequence[int]): ``(H, W)`` of the image.
        feat_size (Sequence[int]): ``(h, w)`` of the feature map.

    Returns:
        tuple[float, float]: ``(x, y)`` in image pixels.
    """
    (ih, iw), (fh, fw) = image_size, feat_size
    return ((cell[1] + 0.5) * iw / fw, (cell[0] + 0.5) * ih / fh)
