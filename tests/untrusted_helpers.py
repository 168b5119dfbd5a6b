"""Checkpoints and feature dumps that run a command when unpickled."""
import os
import os.path as osp
import shlex
import subprocess
import sys

import torch


class Payload:
    """Unpickles into ``os.system('touch MARKER')``: the attack in a file.

    Args:
        marker (str): File the command creates.
    """

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}', )


def make_untrusted_copy(clean: str, out: str, marker: str) -> str:
    """A copy of a clean checkpoint or dump with a payload in it.

    The content is unchanged except for one extra entry (in ``meta`` when
    there is one), so with full unpickling the file still works.

    Args:
        clean (str): A file that loads with ``weights_only=True``.
        out (str): Where to write the copy.
        marker (str): File the payload creates.

    Returns:
        str: ``out``.
    """
    content = torch.load(clean, map_location='cpu', weights_only=True)
    if isinstance(content.get('meta'), dict):
        content['meta'] = dict(content['meta'], note=Payload(marker))
    else:
        content['note'] = Payload(marker)
    torch.save(content, out)
    assert not osp.exists(marker)
    return out


TRAIN_CONFIG = '''
_base_ = ['./tiny.py']
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, size='tiny'))
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
'''


def make_tool_inputs(root: str, data_root: str) -> dict:
    """Clean inputs for the tools, on the tiny benchmark.

    Args:
        root (str): Folder to write everything to.
        data_root (str): The tiny synthetic benchmark.

    Returns:
        dict: ``config`` (tiny model), ``ckpt``, ``dump`` (a
        ``tools/test.py --out`` feature dump), ``data`` (data root),
        ``train_config`` (one tiny epoch) and ``img`` (a query image).
    """
    import glob

    from tool_helpers import load_tool, make_tiny_checkpoint
    config, ckpt, data_root = make_tiny_checkpoint(root, data_root)
    dump = osp.join(root, 'feats.pth')
    load_tool('test.py').main(
        [config, ckpt, '--work-dir',
         osp.join(root, 'test'), '--out', dump])
    train_config = osp.join(root, 'train.py')
    with open(train_config, 'w') as f:
        f.write(TRAIN_CONFIG.format(data_root=data_root))
    query = sorted(glob.glob(osp.join(data_root, 'query', '*.jpg')))
    return dict(
        config=config,
        ckpt=ckpt,
        dump=dump,
        data=data_root,
        train_config=train_config,
        img=query[0])


def untrusted(inputs: dict, folder, key: str = 'ckpt') -> tuple:
    """A payload copy of ``inputs[key]`` in ``folder`` and its marker.

    Args:
        inputs (dict): Output of :func:`make_tool_inputs`.
        folder (str | Path): Where to write the copy.
        key (str): ``'ckpt'`` or ``'dump'``. Defaults to 'ckpt'.

    Returns:
        tuple[str, str]: The untrusted file and the marker path.
    """
    marker = osp.join(str(folder), 'marker')
    path = make_untrusted_copy(inputs[key],
                               osp.join(str(folder), f'evil_{key}.pth'),
                               marker)
    return path, marker


def trusted_warnings(caught: list) -> list:
    """The messages of the ``TrustedCheckpointWarning`` among ``caught``.

    Args:
        caught (list[warnings.WarningMessage]): From
            ``warnings.catch_warnings(record=True)``.

    Returns:
        list[str]: Their messages, in order.
    """
    from mmsona.utils import TrustedCheckpointWarning
    return [
        str(w.message) for w in caught
        if issubclass(w.category, TrustedCheckpointWarning)
    ]


def run_tool(parts, args, cwd, **env_vars: str) -> subprocess.CompletedProcess:
    """Run a script of tools/ in a new interpreter that sees this tree.

    Args:
        parts (tuple[str]): Path of the script below tools/.
        args (list[str]): Its arguments.
        cwd (str | Path): Working folder.
        **env_vars (str): Extra environment (``MMSONA_TRUST_CHECKPOINTS``
            is removed unless given here).

    Returns:
        subprocess.CompletedProcess: With text stdout and stderr.
    """
    from tool_helpers import REPO
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMSONA_TRUST_CHECKPOINTS', None)
    env.update(env_vars)
    env['PYTHONPATH'] = os.pathsep.join([REPO, env.get('PYTHONPATH', '')])
    return subprocess.run([
        sys.executable, osp.join(REPO, 'tools', *parts), *args
    ],
                          cwd=str(cwd),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
