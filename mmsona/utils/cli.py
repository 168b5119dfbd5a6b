"""Command-line pieces shared by the tools."""
import argparse
import os.path as osp
from typing import Optional, Tuple

__all__ = [
    'add_model_arguments', 'add_trust_argument', 'config_name',
    'missing_file_message'
]


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


def add_model_arguments(parser: argparse.ArgumentParser,
                        config_help: str = 'path of the model config file'
                        ) -> None:
    """Add the ``config`` and ``checkpoint`` arguments of a model tool and
    its ``--trust-checkpoint`` opt-in (:func:`add_trust_argument`).

    Args:
        parser (ArgumentParser): The tool's parser.
        config_help (str): Help of ``config``. Defaults to 'path of the
            model config file'.
    """
    parser.add_argument('config', help=config_help)
    parser.add_argument('checkpoint', help='path of the checkpoint file')
    add_trust_argument(parser)


def missing_file_message(*files: Tuple[str, str]) -> Optional[str]:
    """The error for the first input file that does not exist.

    Args:
        *files (tuple[str, str]): ``(what, path)`` pairs in the order to
            check, e.g. ``('Config file', cfg), ('Checkpoint', ckpt)``.

    Returns:
        str | None: ``"<what> '<path>' does not exist."``, or None when
        every file exists.
    """
    for what, path in files:
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
