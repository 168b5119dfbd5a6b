"""Checkpoint loading that runs no code, and checkpoints that need none.

Checkpoints and feature dumps are pickles, and unpickling a file can run
any code its author put in it. mmsona therefore loads every checkpoint and
feature dump with ``torch.load(..., weights_only=True)``: tensors, numbers,
strings and containers of them, nothing else, and no class is added to
PyTorch's safe globals.

What mmsona writes loads that way: :class:`~mmsona.engine.hooks.
AtomicCheckpointHook` turns MMEngine's ``HistoryBuffer`` logs and NumPy
values into tensors and Python numbers on save (:func:`to_plain_data`) and
back on load (:func:`restore_message_hub`), and
``tools/misc/publish_model.py`` writes a file to share.

Any other file is unpickled fully only when the user says so: with the
``--trust-checkpoint`` option of a tool or ``trust_checkpoint=True`` of an
API (both end in :func:`trusted_checkpoints` or the ``trust`` argument of
:func:`load_local_checkpoint`), or with ``MMSONA_TRUST_CHECKPOINTS=1`` in
the environment; one warning then names the file.

``import mmsona`` registers :func:`load_local_checkpoint` as MMEngine's
loader of local paths (:func:`mmsona.utils.mmengine_compat.
patch_checkpoint_loading`). It is exactly as
strict as MMEngine's own loader on PyTorch >= 2.6; it only adds an error
message that names the file and the opt-in, and the opt-in itself, which
nothing outside mmsona's tools and APIs switches on.
"""
import contextlib
import os
import os.path as osp
import pickle
import re
import warnings
from collections import Counter, OrderedDict
from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import load_state_dict
from torch import nn

__all__ = [
    'TRUST_ENV', 'TrustedCheckpointWarning', 'UntrustedCheckpointError',
    'is_plain_data', 'is_trusted', 'load_checkpoint_to_model',
    'load_from_local_weights_only', 'load_local_checkpoint',
    'non_plain_entries', 'restore_message_hub', 'to_plain_data',
    'trusted_checkpoints'
]

PathLike = Union[str, os.PathLike]

#: Environment variable that trusts every checkpoint and feature dump.
TRUST_ENV = 'MMSONA_TRUST_CHECKPOINTS'

#: Marks a ``HistoryBuffer`` stored as plain data in a checkpoint.
HISTORY_BUFFER_TYPE = 'mmengine.logging.HistoryBuffer'

DEFAULT_OPT_IN = ('--trust-checkpoint (mmsona tools) or '
                  'trust_checkpoint=True (mmsona APIs)')

# Real paths of the files trusted by the active trusted_checkpoints()
# blocks, with the number of blocks that trust each.
_TRUSTED: Dict[str, int] = {}

_PLAIN_SCALARS = (str, bytes, bool, int, float, complex, type(None))


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A file holds more than tensors and plain data, and is not trusted.

    Args:
        filename (str): The file.
        unsafe (list[str]): The Python globals its pickle refers to beyond
            what ``weights_only=True`` allows (may be empty when they
            cannot be listed).
        opt_in (str): How the caller opts in (named in the message).
    """

    def __init__(self, filename: str, unsafe: List[str], opt_in: str) -> None:
        self.filename = filename
        self.unsafe = list(unsafe)
        shown = ', '.join(
            self.unsafe[:6]) + (', ...' if len(self.unsafe) > 6 else '')
        holds = f' ({shown})' if shown else ''
        super().__init__(
            f'Refusing to unpickle {filename!r}: besides tensors and plain '
            f'data it holds Python objects{holds}, and unpickling them can '
            'run any code the author of the file put in. Only if you trust '
            f'where the file comes from, load it with {opt_in}, or set the '
            f'environment variable {TRUST_ENV}=1. Checkpoints written by '
            'mmsona\'s training, and files made with '
            'tools/misc/publish_model.py, need neither.')


class TrustedCheckpointWarning(UserWarning):
    """A trusted file was unpickled fully (it could run code)."""


def _real(path: PathLike) -> str:
    """The canonical form of a path, to compare files."""
    return osp.realpath(osp.expanduser(os.fspath(path)))


def trust_from_env() -> bool:
    """Whether :data:`TRUST_ENV` trusts every file.

    Returns:
        bool: True for ``1``, ``true``, ``yes`` or ``on``.
    """
    return os.environ.get(TRUST_ENV,
                          '').strip().lower() in ('1', 'true', 'yes', 'on')


def is_trusted(filename: PathLike) -> bool:
    """Whether a file may be unpickled fully.

    Args:
        filename (str | PathLike): The file.

    Returns:
        bool: True when :data:`TRUST_ENV` is set or an active
        :func:`trusted_checkpoints` block names the file.
    """
    return trust_from_env() or _real(filename) in _TRUSTED


@contextlib.contextmanager
def trusted_checkpoints(paths: Iterable[Optional[PathLike]]) -> Iterator[None]:
    """Trust these files (and only these) inside the block.

    Loads of other files stay refused; ``None`` entries are ignored, so
    ``trusted_checkpoints([ckpt] if flag else [])`` and
    ``trusted_checkpoints([cfg.get('load_from')])`` both read well.

    Args:
        paths (Iterable[str | PathLike | None]): Files the user trusts.

    Yields:
        None
    """
    keys = [_real(p) for p in paths if p is not None]
    for key in keys:
        _TRUSTED[key] = _TRUSTED.get(key, 0) + 1
    try:
        yield
    finally:
        for key in keys:
            _TRUSTED[key] -= 1
            if not _TRUSTED[key]:
                del _TRUSTED[key]


def _unsafe_globals(filename: str) -> List[str]:
    """Globals a checkpoint refers to beyond ``weights_only`` (no code run).

    Args:
        filename (str): The file.

    Returns:
        list[str]: Qualified names, empty when they cannot be read.
    """
    try:
        return list(
            torch.serialization.get_unsafe_globals_in_checkpoint(filename))
    except Exception:
        return []


def load_local_checkpoint(filename: PathLike,
                          map_location: Optional[Any] = None,
                          trust: bool = False,
                          opt_in: str = DEFAULT_OPT_IN) -> Any:
    """Load a local checkpoint or feature dump without running its code.

    The file is read with ``torch.load(..., weights_only=True)``. Only when
    that is refused and the file is trusted (``trust``, an active
    :func:`trusted_checkpoints` block, or :data:`TRUST_ENV`) is it
    unpickled fully, after a :class:`TrustedCheckpointWarning` naming it.
    From an untrusted file, a ``meta['config']`` text is dropped (with a
    warning): MMEngine's resume would run it as a Python config.

    Args:
        filename (str | PathLike): Path of the file.
        map_location (Any, optional): Passed to :func:`torch.load`.
        trust (bool): The caller trusts this file. Defaults to False.
        opt_in (str): How the caller's user opts in, for the error
            message. Defaults to the tool option and the API argument.

    Returns:
        Any: The loaded object, usually a dict.

    Raises:
        FileNotFoundError: The file does not exist.
        UntrustedCheckpointError: It holds more than tensors and plain
            data and is not trusted.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint {filename!r} does not exist. Check the path, or '
            'train a model first (the checkpoints of a run are written to '
            'its work_dir).')
    trusted = trust or is_trusted(filename)
    try:
        checkpoint = torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        unsafe = _unsafe_globals(filename)
        if not trusted:
            raise UntrustedCheckpointError(filename, unsafe, opt_in) from None
    else:
        if not trusted:
            _drop_config_code(checkpoint, filename)
        return checkpoint
    warnings.warn(
        f'Unpickling {filename!r} fully because it is trusted: it holds '
        f'Python objects ({", ".join(unsafe) or "not only tensors"}) and '
        'can run code. Load only files whose origin you trust.',
        TrustedCheckpointWarning,
        stacklevel=2)
    return torch.load(filename, map_location=map_location, weights_only=False)


def _drop_config_code(checkpoint: Any, filename: str) -> None:
    """Remove ``meta['config']`` from an untrusted checkpoint.

    MMEngine's ``Runner.resume`` runs that text as a Python config (to read
    ``gpu_ids``), so plain data could still run code. Checkpoints MMEngine
    and mmsona write keep their config under ``meta['cfg']``, which nothing
    executes.

    Args:
        checkpoint (Any): The loaded checkpoint; changed in place.
        filename (str): Its path, for the warning.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if isinstance(meta, dict) and 'config' in meta:
        del meta['config']
        warnings.warn(
            f"Ignoring meta['config'] of {filename!r}: MMEngine would run "
            'that text as Python code when resuming from it. Trust the file '
            'to keep it.',
            UserWarning,
            stacklevel=3)


def load_from_local_weights_only(filename: str,
                                 map_location: Optional[Any] = None) -> Any:
    """MMEngine's local loader: :func:`load_local_checkpoint`, untrusted.

    Args:
        filename (str): Path of the checkpoint.
        map_location (Any, optional): Passed to :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    return load_local_checkpoint(filename, map_location)


def load_checkpoint_to_model(model: nn.Module,
                             filename: PathLike,
                             map_location: Optional[Any] = 'cpu',
                             trust: bool = False,
                             strict: bool = False) -> dict:
    """Load the weights of a local checkpoint into a model, safely.

    Reads the file with :func:`load_local_checkpoint` and copies its
    ``state_dict`` (or the file itself when it is a bare state dict) into
    ``model``, dropping a ``module.`` prefix as MMEngine does.

    Args:
        model (nn.Module): The model.
        filename (str | PathLike): Path of the checkpoint.
        map_location (Any, optional): Passed to :func:`torch.load`.
            Defaults to 'cpu'.
        trust (bool): Unpickle fully if needed (see
            :func:`load_local_checkpoint`). Defaults to False.
        strict (bool): Require the keys to match exactly. Defaults to
            False.

    Returns:
        dict: The loaded checkpoint.
    """
    checkpoint = load_local_checkpoint(filename, map_location, trust=trust)
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{os.fspath(filename)!r} is not a checkpoint: it '
                        f'holds a {type(checkpoint).__name__}, not a dict.')
    state_dict = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    state_dict = OrderedDict(
        (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
    state_dict._metadata = metadata
    load_state_dict(model, state_dict, strict=strict)
    return checkpoint


def _history_buffer_to_plain(buffer: HistoryBuffer) -> dict:
    """A ``HistoryBuffer`` as tensors and numbers (exact round trip)."""
    log, count = buffer.data
    return dict(
        type=HISTORY_BUFFER_TYPE,
        log_history=torch.from_numpy(np.array(log)),
        count_history=torch.from_numpy(np.array(count)),
        max_length=int(buffer.max_length))


def _array_to_plain(array: np.ndarray) -> Any:
    """A NumPy array as a tensor, or as lists where no tensor fits."""
    if array.dtype.kind in 'biufc':
        return torch.from_numpy(np.array(array))
    return to_plain_data(array.tolist())


def to_plain_data(obj: Any) -> Any:
    """Replace what ``weights_only=True`` refuses by equivalent plain data.

    NumPy scalars become Python numbers, NumPy arrays tensors (arrays of
    strings or objects become lists), MMEngine ``HistoryBuffer`` objects
    tagged dicts of tensors (:func:`restore_message_hub` turns them back),
    and dict subclasses (``ConfigDict``, ``defaultdict``) and named tuples
    their plain forms; ``OrderedDict`` and ``Counter`` stay. Containers are
    converted recursively and returned unchanged (the same object, with
    attributes such as a state dict's ``_metadata``) when nothing inside
    changed. Other objects are kept: :func:`non_plain_entries` finds them.

    Args:
        obj (Any): Checkpoint content.

    Returns:
        Any: The converted content.
    """
    if isinstance(obj, torch.Tensor) or type(obj) in _PLAIN_SCALARS:
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return _array_to_plain(obj)
    if isinstance(obj, HistoryBuffer):
        return _history_buffer_to_plain(obj)
    if isinstance(obj, dict):
        items = [(to_plain_data(k), to_plain_data(v)) for k, v in obj.items()]
        unchanged = type(obj) in (dict, OrderedDict, Counter) and all(
            k is k0 and v is v0
            for (k, v), (k0, v0) in zip(items, obj.items()))
        if unchanged:
            return obj
        for kind in (Counter, OrderedDict):
            if isinstance(obj, kind):
                return kind(items)
        return dict(items)
    if isinstance(obj, (list, tuple, set, frozenset)):
        values = [to_plain_data(v) for v in obj]
        kind = next(
            k for k in (list, tuple, set, frozenset) if isinstance(obj, k))
        if type(obj) is kind and all(v is v0 for v, v0 in zip(values, obj)):
            return obj
        return kind(values)
    return obj


def is_plain_data(obj: Any) -> bool:
    """Whether ``torch.load(..., weights_only=True)`` reads ``obj`` back.

    Args:
        obj (Any): Checkpoint content.

    Returns:
        bool: True when it holds only tensors, plain Python values and
        dict/list/tuple/set containers of them.
    """
    return not non_plain_entries(obj, limit=1)


def non_plain_entries(obj: Any, limit: int = 20) -> List[str]:
    """Where ``obj`` holds objects that ``weights_only=True`` refuses.

    Args:
        obj (Any): Checkpoint content.
        limit (int): Stop after this many. Defaults to 20.

    Returns:
        list[str]: ``path/to/entry (type)`` strings.
    """
    found: List[str] = []

    def walk(value: Any, path: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(value, torch.Tensor) or type(value) in _PLAIN_SCALARS:
            return
        if type(value) in (dict, OrderedDict, Counter):
            for k, v in value.items():
                walk(k, f'{path}/<key>')
                walk(v, f'{path}/{k}')
        elif type(value) in (list, tuple, set, frozenset):
            for i, v in enumerate(value):
                walk(v, f'{path}/{i}')
        else:
            found.append(f'{path or "/"} ({type(value).__module__}.'
                         f'{type(value).__qualname__})')

    walk(obj, '')
    return found


def restore_message_hub(state: dict) -> dict:
    """Turn the plain ``HistoryBuffer`` entries of a message hub back.

    The inverse of :func:`to_plain_data` for the ``message_hub`` entry of
    a checkpoint, so MMEngine's ``MessageHub.load_state_dict`` resumes the
    logs exactly. Entries that are already ``HistoryBuffer`` objects are
    kept.

    Args:
        state (dict): ``checkpoint['message_hub']``; changed in place.

    Returns:
        dict: ``state``.
    """
    scalars = state.get('log_scalars')
    if not isinstance(scalars, dict):
        return state
    for key, value in list(scalars.items()):
        if isinstance(value, dict) and \
                value.get('type') == HISTORY_BUFFER_TYPE:
            scalars[key] = HistoryBuffer(
                value['log_history'].numpy(),
                value['count_history'].numpy(),
                max_length=int(value['max_length']))
    return state
