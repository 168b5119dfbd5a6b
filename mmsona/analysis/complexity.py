"""FLOPs and parameters of a re-ID model, SONA's attention included.

MMEngine's counter (``FlopAnalyzer``, behind ``get_model_complexity_info``)
has no handle for ``aten::scaled_dot_product_attention`` (SONA's softmax
attention) nor ``aten::baddbmm`` (SONA's output projection accumulated onto
the residual in eval mode), and would silently count both as zero.
:func:`flop_analyzer` registers :func:`sdpa_flop_jit` (``QK^T`` and ``AV``)
and :func:`baddbmm_flop_jit`, one multiply-add counted as one FLOP like every
other MMEngine handle.
"""
import os
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from torch import nn

__all__ = [
    'SDPA_OP', 'BADDBMM_OP', 'sdpa_flop_jit', 'baddbmm_flop_jit',
    'load_benchmark_config', 'flop_analyzer', 'count_complexity'
]

SDPA_OP = 'aten::scaled_dot_product_attention'
BADDBMM_OP = 'aten::baddbmm'


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``scaled_dot_product_attention`` (``QK^T`` and ``AV``).

    Args:
        inputs (list): JIT values; the first three are Q (... x L x E),
            K (... x S x E) and V (... x S x Ev).
        outputs (list): JIT values of the outputs (unused).

    Returns:
        int: ``prod(batch) * L * S * (E + Ev)`` multiply-adds.
    """
    q_shape, k_shape, v_shape = (get_shape(v) for v in inputs[:3])
    *batch, length, embed = q_shape
    batch_size = 1
    for dim in batch:
        batch_size *= dim
    return batch_size * length * k_shape[-2] * (embed + v_shape[-1])


def baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``baddbmm(input, batch1, batch2)``: the batched product.

    Args:
        inputs (list): JIT values; ``batch1`` is B x n x k, ``batch2``
            B x k x m.
        outputs (list): JIT values of the outputs (unused).

    Returns:
        int: ``B * n * k * m`` multiply-adds.
    """
    batch, rows, inner = get_shape(inputs[1])
    return batch * rows * inner * get_shape(inputs[2])[-1]


def load_benchmark_config(path: Union[str, os.PathLike],
                          cfg_options: Optional[dict] = None) -> Config:
    """Load a config with options merged, its backbone not pretrained.

    ImageNet weights do not change FLOPs or latency, and must not be
    downloaded for an analysis, so ``model.backbone.init_cfg`` is cleared.

    Args:
        path (str | PathLike): Config file.
        cfg_options (dict, optional): ``--cfg-options`` to merge.

    Returns:
        Config: The loaded config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'init_cfg' in cfg.model.get('backbone', {}):
        cfg.model.backbone.init_cfg = None
    return cfg


def flop_analyzer(model: nn.Module, shape: Sequence[int]) -> FlopAnalyzer:
    """MMEngine's FLOP analyser with the attention handles, for one image.

    The traced forward is ``model(img)``, the re-ID model's ``'tensor'``
    mode: the test feature, as in inference.

    Args:
        model (nn.Module): Model in eval mode.
        shape (Sequence[int]): Input height and width.

    Returns:
        FlopAnalyzer: Analyser with warnings for ignored ops and unused
        modules (classifiers, losses) silenced.
    """
    inputs = (torch.randn(1, 3, *shape), )
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle(SDPA_OP, sdpa_flop_jit)
    analyzer.set_op_handle(BADDBMM_OP, baddbmm_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer


def count_complexity(model: nn.Module, shape: Sequence[int]) -> Dict[str, Any]:
    """FLOPs and parameters of a model for one image.

    Args:
        model (nn.Module): Model in eval mode.
        shape (Sequence[int]): Input height and width.

    Returns:
        dict: ``flops`` (int, per image), ``attention_flops`` (the part in
        ``scaled_dot_product_attention``), ``params`` (int, all
        parameters including classifiers) and ``analyzer``.
    """
    analyzer = flop_analyzer(model, shape)
    with torch.no_grad():
        flops = analyzer.total()
    by_op = analyzer.by_operator()
    return dict(
        flops=flops,
        attention_flops=by_op.get(SDPA_OP.split('::')[-1], 0),
        params=parameter_count(model)[''],
        analyzer=analyzer)
