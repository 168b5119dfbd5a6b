"""Command-line pieces shared by the tools."""
import argparse
import os.path as osp
from typing import Dict, Optional

__all__ = ['add_trust_argument', 'config_name', 'missing_file_message']


def add_trust_argument(parser: argparse.ArgumentParser,
                       flag: str = '--trust-checkpoint',
                       what: str = 'the checkpoint',
                       note: str = '') -> None:
    """Add the opt-in that unpickles a file fully (``store_true``).

    Without it a tool reads files with ``torch.load(...,
    weights_only=True)`` and refuses one that holds other Python objects.

    Args:
        parser (ArgumentParser): The tool's parser.
        flag (str): Option name. Defaults to '--trust-checkpoint'.
        what (str): The file(s) it concerns, for the help text. Defaults to
            'the checkpoint'.
        note (str): Text added at the end of the help, e.g. an example.
            Defaults to ''.
    """
    parser.add_argument(
        flag,
        action='store_true',
        help=f'unpickle {what} fully if it holds Python objects beyond '
        'tensors and plain data; that can run any code inside the file, so '
        f'only for files whose origin you trust{note}')


def missing_file_message(files: Dict[str, Optional[str]]) -> Optional[str]:
    """The error for the first input file that does not exist.

    Args:
        files (dict[str, str]): Paths by what they are, in the order to
            check, e.g. ``{'Config file': cfg, 'Checkpoint': ckpt}``.

    Returns:
        str | None: ``"<what> '<path>' does not exist."``, or None when
        every file exists.
    """
    for what, path in files.items():
        if not osp.isfile(path):
            return f'{what} {path!r} does not exist.'
    return None


def config_name(path: str) -> str:
    """A config's file name without folder and extension, the name the
    tools give its work dir and its table rows.

    Args:
        path (str): Config file.

    Returns:
        str: E.g. ``'sona_r50_market'`` for
        ``configs/sona/sona_r50_market.py``.
    """
    return osp.splitext(osp.basename(path))[0]
