"""Export a re-ID model to ONNX and check it against PyTorch.

Example:
    python tools/deployment/pytorch2onnx.py \
        configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth \
        --shape 128 64 --dynamic-batch --out sona.onnx --verify

The ONNX graph takes the *normalised* image batch (``input``,
B x 3 x H x W, RGB, ``(pixel - mean) / std`` with the model's data
preprocessor values, which are also stored in the model's metadata) and
returns the test feature (``feature``, B x D, not L2-normalised).
"""
import argparse
import json
import os
import os.path as osp
import sys
import warnings

import numpy as np
import torch
from mmengine.config import DictAction
from torch import nn

from mmsona.apis import get_model
from mmsona.utils import UntrustedCheckpointError, add_model_arguments


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Export a person re-ID model (image -> test feature) to '
        'ONNX with standard operators, and optionally verify it against '
        'PyTorch with onnxruntime.')
    add_model_arguments(parser)
    parser.add_argument(
        '--out',
        default='model.onnx',
        help='output ONNX file (default: %(default)s)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('HEIGHT', 'WIDTH'),
        default=[384, 128],
        help='input height and width (default: %(default)s)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=1,
        help='batch size of the traced input (default: %(default)s)')
    parser.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='make the batch dimension of input and output dynamic')
    parser.add_argument(
        '--opset',
        type=int,
        default=17,
        help='ONNX opset version (default: %(default)s)')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='run the ONNX model with onnxruntime on random input and print '
        'the largest absolute difference to PyTorch (a second batch size is '
        'checked too with --dynamic-batch)')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='--verify fails when the difference exceeds this (default: '
        '%(default)s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.test_flip=True')
    return parser.parse_args(argv)


class FeatureModel(nn.Module):
    """The exported graph: normalised images to test features.

    Args:
        model (nn.Module): A re-ID model with ``mode='tensor'``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs, mode='tensor')


def preprocess_meta(model: nn.Module) -> dict:
    """Mean, std and channel order the exported graph expects."""
    pre = model.data_preprocessor
    meta = {}
    for key in ('mean', 'std'):
        value = getattr(pre, key, None)
        if value is not None:
            meta[key] = [round(float(v), 4) for v in value.flatten()]
    meta['to_rgb'] = bool(getattr(pre, 'to_rgb', False))
    return meta


def export(model: nn.Module, out: str, shape, batch_size: int,
           dynamic_batch: bool, opset: int) -> None:
    """Trace ``model`` to an ONNX file with metadata."""
    import onnx
    wrapper = FeatureModel(model).eval()
    dummy = torch.randn(batch_size, 3, *shape)
    dynamic_axes = dict(
        input={0: 'batch'}, feature={0: 'batch'}) if dynamic_batch else None
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            wrapper, (dummy, ),
            out,
            input_names=['input'],
            output_names=['feature'],
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)
    onnx_model = onnx.load(out)
    onnx.checker.check_model(onnx_model)
    meta = preprocess_meta(model)
    meta['input_shape'] = [-1 if dynamic_batch else batch_size, 3, *shape]
    for key, value in meta.items():
        prop = onnx_model.metadata_props.add()
        prop.key = key
        prop.value = json.dumps(value)
    onnx.save(onnx_model, out)


def verify(model: nn.Module, out: str, shape, batch_sizes) -> float:
    """Largest absolute PyTorch-onnxruntime difference over batch sizes."""
    import onnxruntime as ort
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    torch.manual_seed(0)
    worst = 0.0
    for b in batch_sizes:
        x = torch.randn(b, 3, *shape)
        with torch.no_grad():
            ref = model(x, mode='tensor').numpy()
        got = session.run(['feature'], {'input': x.numpy()})[0]
        if got.shape != ref.shape:
            raise RuntimeError(f'ONNX output shape {got.shape} differs from '
                               f'PyTorch {ref.shape} at batch {b}.')
        diff = float(np.abs(got - ref).max())
        print(f'batch {b}: output {tuple(got.shape)}, max abs diff to '
              f'PyTorch {diff:.3g}')
        worst = max(worst, diff)
    return worst


def main(argv=None) -> int:
    """Export from the command line."""
    args = parse_args(argv)
    if min(args.shape) < 1 or args.batch_size < 1:
        print(
            'error: --shape and --batch-size must be positive.',
            file=sys.stderr)
        return 2

    try:
        model = get_model(
            args.config,
            args.checkpoint,
            cfg_options=args.cfg_options,
            trust_checkpoint=args.trust_checkpoint)
    except (FileNotFoundError, UntrustedCheckpointError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    export(model, args.out, args.shape, args.batch_size, args.dynamic_batch,
           args.opset)
    meta = preprocess_meta(model)
    print(f'Exported {args.out}: input "input" '
          f'{"B" if args.dynamic_batch else args.batch_size} x 3 x '
          f'{args.shape[0]} x {args.shape[1]} normalised '
          f'{"RGB" if meta["to_rgb"] else "in loading order"} '
          f'(mean {meta.get("mean")}, std {meta.get("std")}), output '
          '"feature".')
    if not args.verify:
        return 0
    sizes = [args.batch_size]
    if args.dynamic_batch:
        sizes.append(args.batch_size + 2)
    worst = verify(model, args.out, args.shape, sizes)
    if worst > args.atol:
        print(
            f'error: max abs diff {worst:.3g} exceeds --atol {args.atol:g}.',
            file=sys.stderr)
        return 1
    print(f'Verified: max abs diff {worst:.3g} <= {args.atol:g}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
