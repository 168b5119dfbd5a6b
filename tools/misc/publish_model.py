"""Make a training checkpoint into a file to share.

Example:
    python tools/misc/publish_model.py \
        work_dirs/sona_r50_market/best_reid_mAP_epoch_400.pth \
        sona_r50_market.pth
    # -> sona_r50_market-<first 8 hex digits of its sha256>.pth

The published file keeps the model weights (``state_dict``) and a
plain-data ``meta``: the config text (``cfg``), the mmsona and MMEngine
versions, the training set's metainfo (``dataset_meta``), and the epoch and
iteration. Optimizer, parameter schedulers, message hub and generator
states are dropped. It loads with plain
``torch.load(path, weights_only=True)``, which runs no code, and evaluates
exactly like the original with ``tools/test.py CONFIG FILE``.
"""
import argparse
import hashlib
import io
import os.path as osp
import sys
from collections import OrderedDict
from typing import Any, Dict, Tuple

from mmsona.utils import (UntrustedCheckpointError, add_trust_argument,
                          atomic_write, load_local_checkpoint)

META_KEYS = ('cfg', 'mmengine_version', 'dataset_meta', 'epoch', 'iter')


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Publish a checkpoint: keep the weights and a plain-data '
        'meta (config text, versions, dataset metainfo), drop optimizer, '
        'schedulers and message hub, and write OUT-<sha256[:8]>.pth, which '
        'loads with torch.load(..., weights_only=True).')
    parser.add_argument('in_file', help='checkpoint to publish')
    parser.add_argument(
        'out_file',
        help='output name; the first 8 hex digits of the sha256 of the '
        'content are appended before ".pth"')
    add_trust_argument(
        parser,
        what='IN_FILE',
        note=' (e.g. a checkpoint of an older mmsona or of plain MMEngine)')
    return parser.parse_args(argv)


def publish(checkpoint: Any) -> Dict[str, Any]:
    """The published content of a loaded checkpoint.

    Args:
        checkpoint (Any): A loaded checkpoint: a dict with ``state_dict``
            (and usually ``meta``), or a bare state dict.

    Returns:
        dict: ``state_dict`` (tensors, ``module.`` prefixes dropped) and
        ``meta`` (plain data only).

    Raises:
        ValueError: The checkpoint holds no tensor weights.
    """
    import torch

    from mmsona import __version__
    from mmsona.utils import non_plain_entries, to_plain_data
    if not isinstance(checkpoint, dict):
        raise ValueError('the file holds a '
                         f'{type(checkpoint).__name__}, not a checkpoint')
    weights = checkpoint.get('state_dict', checkpoint)
    state_dict = OrderedDict()
    for key, value in weights.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f'state_dict entry {key!r} is a '
                             f'{type(value).__name__}, not a tensor')
        name = key[len('module.'):] if key.startswith('module.') else key
        state_dict[name] = value.detach().cpu().contiguous()
    if not state_dict:
        raise ValueError('it holds no weights (empty state_dict)')
    old_meta = checkpoint.get('meta') if 'state_dict' in checkpoint else {}
    old_meta = old_meta if isinstance(old_meta, dict) else {}
    meta = dict(mmsona_version=__version__)
    for key in META_KEYS:
        if key in old_meta:
            value = to_plain_data(old_meta[key])
            if non_plain_entries(value):
                print(
                    f'warning: meta[{key!r}] holds objects without a plain '
                    'form and is left out.',
                    file=sys.stderr)
                continue
            meta[key] = value
    return dict(state_dict=state_dict, meta=meta)


def serialise(content: Dict[str, Any]) -> Tuple[bytes, str]:
    """Save to bytes and check that they load with ``weights_only=True``.

    Args:
        content (dict): Output of :func:`publish`.

    Returns:
        tuple[bytes, str]: The file content and its sha256 (hex).
    """
    import torch
    buffer = io.BytesIO()
    torch.save(content, buffer)
    data = buffer.getvalue()
    torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)
    return data, hashlib.sha256(data).hexdigest()


def published_name(out_file: str, sha256: str) -> str:
    """``OUT-<sha256[:8]>.pth`` (a ``.pth`` suffix of OUT is not doubled).

    Args:
        out_file (str): The OUT argument.
        sha256 (str): Hex digest of the content.

    Returns:
        str: The output path.
    """
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    return f'{stem}-{sha256[:8]}.pth'


def main(argv=None) -> int:
    """Publish from the command line."""
    args = parse_args(argv)
    if not osp.isfile(args.in_file):
        print(
            f'error: Checkpoint {args.in_file!r} does not exist.',
            file=sys.stderr)
        return 2
    if not osp.basename(args.out_file) or osp.isdir(args.out_file):
        print(
            f'error: OUT {args.out_file!r} must be a file name, not a '
            'folder.',
            file=sys.stderr)
        return 2

    try:
        checkpoint = load_local_checkpoint(
            args.in_file, map_location='cpu', trust=args.trust_checkpoint)
    except UntrustedCheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    try:
        content = publish(checkpoint)
    except ValueError as e:
        print(f'error: cannot publish {args.in_file!r}: {e}.', file=sys.stderr)
        return 2
    data, sha256 = serialise(content)
    out = published_name(args.out_file, sha256)
    atomic_write(data, out)
    dropped = sorted(k for k in checkpoint if k not in ('state_dict', 'meta'))
    print(f'Published {out} ({len(data) / 2**20:.1f} MiB, sha256 {sha256}): '
          f'{len(content["state_dict"])} weight tensors and meta '
          f'{sorted(content["meta"])}' +
          (f'; dropped {dropped}'
           if dropped and 'state_dict' in checkpoint else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
