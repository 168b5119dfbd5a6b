"""Packaging for mmsona; metadata lives in setup.cfg."""
import os
import os.path as osp
import platform
import shutil
from setuptools import setup
from setuptools.command.build_py import build_py


def parse_requirements(path: str) -> list:
    """Read a requirements file, skipping comments and blank lines."""
    with open(path) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def mmcv_requirement() -> list:
    """Require ``mmcv-lite`` unless a full ``mmcv`` is already installed."""
    try:
        import mmcv  # noqa: F401
        return []
    except ImportError:
        return ['mmcv-lite>=2.0.0,<2.3.0']


# What mmsona/.mim exposes, as MMPretrain's does: the config tree, the
# tools (``mim train/test``) and the model index MMEngine reads when it
# resolves ``mmsona::`` bases.
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')
# Package data of wheels: mmsona/.mim, and mmsona/configs/ (the pure-Python
# configs), which has no __init__.py, as in MMPretrain.
MIM_PACKAGE_DATA = [
    'configs/**/*.py', '.mim/configs/**/*.py', '.mim/tools/**/*.py',
    '.mim/tools/**/*.sh', '.mim/model-index.yml'
]


def mim_mode(commands: list) -> str:
    """How ``mmsona/.mim`` exposes the sources for a build.

    Args:
        commands (list): The setuptools commands being run.

    Returns:
        str: ``'symlink'`` for editable installs (``pip install -e``,
        ``setup.py develop``), so the source tree stays the only copy;
        ``'copy'`` otherwise (wheels, sdists) and on Windows.
    """
    editable = {'develop', 'editable_wheel'} & set(commands)
    if editable and platform.system() != 'Windows':
        return 'symlink'
    return 'copy'


def add_mim_extension(mode: str) -> None:
    """Expose configs/, tools/ and model-index.yml in ``mmsona/.mim``.

    MMEngine resolves ``_base_ = 'mmsona::<path>'`` to
    ``<installed mmsona>/.mim/configs/<path>`` and ``mim train mmsona``
    runs ``<installed mmsona>/.mim/tools/train.py``, as for MMPretrain.
    When the sources are absent (a build from an sdist, which already holds
    ``mmsona/.mim``), the existing folder is kept.

    Args:
        mode (str): ``'symlink'`` (relative links) or ``'copy'``.
    """
    here = osp.dirname(osp.abspath(__file__))
    mim_path = osp.join(here, 'mmsona', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_ITEMS:
        src = osp.join(here, name)
        dst = osp.join(mim_path, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isfile(src):
            shutil.copyfile(src, dst)
        else:
            shutil.copytree(
                src,
                dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


class BuildWithMim(build_py):
    """``build_py`` that first refreshes ``mmsona/.mim``."""

    def run(self) -> None:
        add_mim_extension(mim_mode(self.distribution.commands))
        super().run()


if __name__ == '__main__':
    setup(
        install_requires=parse_requirements('requirements/runtime.txt') +
        mmcv_requirement(),
        extras_require=dict(
            tests=parse_requirements('requirements/tests.txt'),
            deploy=parse_requirements('requirements/deploy.txt'),
            faiss=parse_requirements('requirements/faiss.txt')),
        package_data=dict(mmsona=MIM_PACKAGE_DATA),
        cmdclass=dict(build_py=BuildWithMim),
        zip_safe=False)
