"""Draw the SONA attention of one image position over the image.

Example:
    python tools/visualizations/vis_attention.py \
        configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth \
        data/synthetic_reid/query/0003_c1s4_000043_03.jpg \
        --position 32,40 --out attention.png
"""
import argparse
import sys
from typing import Optional, Tuple

import mmcv
from mmengine.config import DictAction

from mmsona.apis import FeatureExtractor
from mmsona.utils import (UntrustedCheckpointError, add_model_arguments,
                          missing_file_message)
from mmsona.visualization import (ReIDVisualizer, cell_center,
                                  get_sona_attention, position_to_cell)


def parse_position(text: str) -> Tuple[float, float]:
    """Parse ``x,y``."""
    try:
        x, y = (float(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--position must be "x,y" in image pixels, got {text!r}')
    return x, y


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Draw where a SONA block of a trained model attends '
        'from one position of an image: the row of the second-order '
        'attention map of that position, upsampled over the image as a '
        'heat map, with the position marked.')
    add_model_arguments(parser)
    parser.add_argument('img', help='path of the image')
    parser.add_argument(
        '--out', required=True, help='output picture file (PNG or JPG)')
    parser.add_argument(
        '--position',
        type=parse_position,
        default=None,
        help='query position "x,y" in pixels of the original image; the '
        'feature-map cell under it is used (default: the image centre)')
    parser.add_argument(
        '--stage',
        type=int,
        default=None,
        help='trunk stage whose SONA block to read: 1 = after layer2, 2 = '
        'after layer3 (default: the last SONA block of the model)')
    parser.add_argument(
        '--alpha',
        type=float,
        default=0.5,
        help='weight of the heat map in the blend (default: %(default)s)')
    parser.add_argument(
        '--scale',
        type=float,
        default=1.0,
        help='enlarge the picture by this factor (default: %(default)s, '
        'the size of the input image)')
    parser.add_argument(
        '--side-by-side',
        action='store_true',
        help='put the plain image left of the overlay')
    parser.add_argument(
        '--device',
        default='cpu',
        help='device of the model (default: %(default)s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.backbone.sona_stages=[2]')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Draw from the command line."""
    args = parse_args(argv)
    missing = missing_file_message(('Config file', args.config),
                                   ('Checkpoint', args.checkpoint),
                                   ('Image', args.img))
    if missing:
        print(f'error: {missing}', file=sys.stderr)
        return 2
    if not 0 <= args.alpha <= 1 or args.scale <= 0:
        print(
            'error: --alpha must be in [0, 1] and --scale > 0.',
            file=sys.stderr)
        return 2

    image = mmcv.imread(args.img)
    if image is None:
        print(f'error: cannot decode image {args.img!r}.', file=sys.stderr)
        return 2
    h, w = image.shape[:2]
    position: Optional[Tuple[float, float]] = args.position
    if position is None:
        position = (w / 2, h / 2)
    try:
        extractor = FeatureExtractor(
            args.config,
            args.checkpoint,
            device=args.device,
            cfg_options=args.cfg_options,
            trust_checkpoint=args.trust_checkpoint)
    except UntrustedCheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    data = extractor.preprocess(image)
    try:
        attn, feat_hw, stage = get_sona_attention(extractor.model,
                                                  data['inputs'], args.stage)
        cell = position_to_cell(position, (h, w), feat_hw)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    row = attn[0, cell[0] * feat_hw[1] + cell[1]].reshape(feat_hw)
    visualizer = ReIDVisualizer(name='vis_attention')
    visualizer.visualize_attention(
        image[..., ::-1],
        row,
        cell_center(cell, (h, w), feat_hw),
        out_file=args.out,
        add_to_backends=False,
        alpha=args.alpha,
        scale=args.scale,
        side_by_side=args.side_by_side)
    print(f'SONA block after stage {stage}: {feat_hw[0]} x {feat_hw[1]} map; '
          f'position (x={position[0]:g}, y={position[1]:g}) is cell '
          f'(row={cell[0]}, col={cell[1]}); its attention row sums to '
          f'{float(row.sum()):.4f}. Wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
