"""Packaging for mmsona; metadata lives in setup.cfg."""
import os
import os.path as osp
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


def add_mim_extension() -> None:
    """Copy configs/ and tools/ into mmsona/.mim for ``mim`` and ``::``."""
    here = osp.dirname(osp.abspath(__file__))
    mim_path = osp.join(here, 'mmsona', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('configs', 'tools'):
        src = osp.join(here, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(src, dst)


class BuildWithMim(build_py):
    """``build_py`` that first refreshes ``mmsona/.mim``."""

    def run(self) -> None:
        add_mim_extension()
        super().run()


if __name__ == '__main__':
    setup(
        install_requires=parse_requirements('requirements/runtime.txt') +
        mmcv_requirement(),
        extras_require=dict(
            tests=parse_requirements('requirements/tests.txt'),
            deploy=parse_requirements('requirements/deploy.txt')),
        cmdclass=dict(build_py=BuildWithMim),
        zip_safe=False)
