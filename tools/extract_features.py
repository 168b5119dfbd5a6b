"""Extract re-ID features of a folder of images to a ``.npz`` file.

Example:
    python tools/extract_features.py configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth \
        --img-dir data/synthetic_reid/query --out feats.npz

The file holds ``paths`` (relative to ``--img-dir``, sorted) and
``features`` (N x D float32, not L2-normalised); read it with
``numpy.load``.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction

from mmsona.apis import FeatureExtractor
from mmsona.search import list_images
from mmsona.utils import (UntrustedCheckpointError, add_model_arguments,
                          missing_file_message)

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Extract person re-ID features of every image in a '
        'folder with a trained model (the config\'s test pipeline and '
        'feature, as tools/test.py) and save them with their paths to a '
        '.npz file.')
    add_model_arguments(parser)
    parser.add_argument(
        '--img-dir', required=True, help='folder of the images to embed')
    parser.add_argument(
        '--out',
        required=True,
        help='output .npz file with the arrays "paths" (relative to '
        '--img-dir) and "features" (N x D float32)')
    parser.add_argument(
        '--recursive',
        action='store_true',
        help='also embed the images of sub-folders')
    parser.add_argument(
        '--exts',
        nargs='+',
        default=list(IMG_EXTENSIONS),
        help='image file extensions to include, case-insensitive '
        '(default: %(default)s)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=32,
        help='images per forward pass (default: %(default)s)')
    parser.add_argument(
        '--device',
        default='cpu',
        help='device of the model, e.g. cpu or cuda:0 (default: '
        '%(default)s)')
    parser.add_argument(
        '--flip',
        action='store_true',
        help='average the features of each image and its mirror image')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.test_flip=True')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Extract from the command line."""
    args = parse_args(argv)
    missing = missing_file_message(('Config file', args.config),
                                   ('Checkpoint', args.checkpoint))
    if missing:
        print(f'error: {missing}', file=sys.stderr)
        return 2
    if not osp.isdir(args.img_dir):
        print(
            f'error: --img-dir {args.img_dir!r} is not a folder.',
            file=sys.stderr)
        return 2
    if args.batch_size < 1:
        print('error: --batch-size must be >= 1.', file=sys.stderr)
        return 2
    rel_paths = list_images(args.img_dir, args.exts, recursive=args.recursive)
    if not rel_paths:
        print(
            f'error: no image with an extension in {args.exts} in '
            f'{args.img_dir!r}' +
            ('' if args.recursive else ' (use --recursive for sub-folders)'),
            file=sys.stderr)
        return 2

    cfg_options = dict(args.cfg_options or {})
    if args.flip:
        cfg_options['model.test_flip'] = True
    try:
        extractor = FeatureExtractor(
            args.config,
            args.checkpoint,
            device=args.device,
            batch_size=args.batch_size,
            cfg_options=cfg_options,
            trust_checkpoint=args.trust_checkpoint)
    except UntrustedCheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    feats = extractor([osp.join(args.img_dir, p) for p in rel_paths])
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    np.savez(
        args.out,
        paths=np.array(rel_paths),
        features=feats.numpy().astype(np.float32))
    out = args.out if args.out.endswith('.npz') else args.out + '.npz'
    print(f'Saved {feats.shape[0]} features of dimension {feats.shape[1]} '
          f'to {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
