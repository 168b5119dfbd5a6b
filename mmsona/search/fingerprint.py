"""Which model made a set of features: a digest of config and checkpoint."""
import hashlib
import json
import os.path as osp
from typing import Any, Optional

__all__ = ['file_sha256', 'model_fingerprint']

_BLOCK = 1 << 20


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file's bytes.

    Args:
        path (str): The file.

    Returns:
        str: 64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(_BLOCK), b''):
            digest.update(block)
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """A config value as JSON-able plain data (dicts, lists, strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, type):
        return f'{value.__module__}.{value.__qualname__}'
    return repr(value)


def model_fingerprint(model_cfg: Any, pipeline: Any,
                      checkpoint: Optional[str]) -> str:
    """Digest of everything that decides the features of an image.

    It covers the model's config (after ``cfg_options``, so e.g. a test-time
    flip counts), the test pipeline and the checkpoint's bytes; paths, data
    roots and schedules do not enter it.

    Args:
        model_cfg: The ``model`` entry of the config.
        pipeline: The test pipeline (list of transform configs).
        checkpoint (str, optional): The checkpoint file; None for the
            initial weights.

    Returns:
        str: 64 hex digits.
    """
    weights = 'initial-weights' if checkpoint is None else file_sha256(
        osp.expanduser(checkpoint))
    text = json.dumps(
        dict(
            model=_plain(model_cfg),
            pipeline=_plain(pipeline),
            checkpoint=weights),
        sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
