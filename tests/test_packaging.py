"""mmsona/.mim and ``mmsona::`` config bases in installed packages."""
import filecmp
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# What a source distribution would hold: no build products, no .mim.
SOURCE_IGNORE = shutil.ignore_patterns('.venv', '.git', 'data', 'work_dirs',
                                       '.mim', 'build', 'dist', '*.egg-info',
                                       '__pycache__', '.pytest_cache')


def _call_setup(tree, code: str) -> str:
    """Run ``code`` after ``import setup`` (``tree/setup.py``), in a new
    interpreter: setuptools must not be imported into the test process."""
    out = subprocess.run([sys.executable, '-c', f'import setup\n{code}'],
                         cwd=tree,
                         capture_output=True,
                         text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_mim_mode():
    out = _call_setup(
        REPO, 'for c in ("editable_wheel", "develop", "bdist_wheel", '
        '"sdist"): print(setup.mim_mode(["egg_info", c]))')
    assert out.split() == ['symlink', 'symlink', 'copy', 'copy']


@pytest.mark.slow
def test_add_mim_extension_links_then_copies(tmp_path):
    """Editable builds link the sources; wheel builds replace the links."""
    shutil.copy(osp.join(REPO, 'setup.py'), tmp_path)
    (tmp_path / 'configs' / 'sona').mkdir(parents=True)
    (tmp_path / 'configs' / 'sona' / 'a.py').write_text('x = 1\n')
    (tmp_path / 'tools').mkdir()
    (tmp_path / 'tools' / 'train.py').write_text('')
    (tmp_path / 'tools' / '__pycache__').mkdir()
    (tmp_path / 'model-index.yml').write_text('Import: []\n')
    (tmp_path / 'mmsona').mkdir()
    mim = tmp_path / 'mmsona' / '.mim'

    _call_setup(tmp_path, 'setup.add_mim_extension("symlink")')
    for name in ('configs', 'tools', 'model-index.yml'):
        assert (mim / name).is_symlink()
        assert os.readlink(mim / name) == osp.join('..', '..', name)
    assert (mim / 'configs' / 'sona' / 'a.py').read_text() == 'x = 1\n'

    _call_setup(tmp_path, 'setup.add_mim_extension("copy")')
    for name in ('configs', 'tools', 'model-index.yml'):
        assert not (mim / name).is_symlink()
    assert (mim / 'configs' / 'sona' / 'a.py').read_text() == 'x = 1\n'
    assert not (mim / 'tools' / '__pycache__').exists()
    # The links were removed, not followed: the sources are intact.
    assert (tmp_path / 'tools' / '__pycache__').is_dir()

    # A build from an sdist has no configs/ beside setup.py: keep .mim.
    shutil.rmtree(tmp_path / 'configs')
    _call_setup(tmp_path, 'setup.add_mim_extension("copy")')
    assert (mim / 'configs' / 'sona' / 'a.py').is_file()


def _pip_supports_python_option() -> bool:
    try:
        import pip
    except ImportError:
        return False
    major, minor = (int(v) for v in pip.__version__.split('.')[:2])
    return (major, minor) >= (22, 3)


@pytest.mark.slow
@pytest.mark.skipif(
    not _pip_supports_python_option(),
    reason='needs pip >= 22.3 (pip --python) to fill a throwaway venv')
def test_wheel_install_resolves_mmsona_bases(tmp_path):
    """``pip install .`` (not -e) into a fresh venv, then ``mmsona::``.

    The venv sees this environment's packages through a ``.pth`` file (torch
    and friends are not reinstalled); mmsona itself comes only from the
    built wheel, installed without build isolation or network.
    """
    src = tmp_path / 'src'
    shutil.copytree(REPO, src, ignore=SOURCE_IGNORE, symlinks=True)
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(venv)],
                   check=True,
                   timeout=60)
    python = str(venv / 'bin' / 'python')
    purelib = subprocess.run([
        python, '-c', 'import sysconfig; print(sysconfig.get_paths()'
        '["purelib"])'
    ],
                             capture_output=True,
                             text=True,
                             check=True).stdout.strip()
    with open(osp.join(purelib, '_parent_env.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    install = subprocess.run([
        sys.executable, '-m', 'pip', '--python', python, 'install',
        '--no-deps', '--no-build-isolation', '--no-index',
        '--ignore-installed', '--quiet',
        str(src)
    ],
                             capture_output=True,
                             text=True,
                             timeout=120)
    assert install.returncode == 0, install.stderr[-3000:]

    other = tmp_path / 'other_project'
    other.mkdir()
    (other / 'vehicle.py').write_text(
        textwrap.dedent("""
        _base_ = 'mmsona::sona/sona_r18_synthetic.py'
        model = dict(head=dict(num_classes=9))
        """))
    script = textwrap.dedent("""
        import json, os.path as osp
        import mmsona.registry  # makes mmsona:: known to MMEngine
        import mmsona
        from mmengine.config import Config
        cfg = Config.fromfile('vehicle.py')
        pkg = osp.dirname(mmsona.__file__)
        print(json.dumps(dict(
            package=pkg,
            mim_is_link=osp.islink(osp.join(pkg, '.mim', 'configs')),
            train_tool=osp.isfile(osp.join(pkg, '.mim', 'tools', 'train.py')),
            scope=cfg.model._scope_, depth=cfg.model.backbone.depth,
            num_classes=cfg.model.head.num_classes)))
        """)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run([python, '-c', script],
                         cwd=other,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info['package'] == osp.join(purelib, 'mmsona')
    assert info['mim_is_link'] is False
    assert info['train_tool'] is True
    assert info == dict(info, scope='mmsona', depth=18, num_classes=9), info
    installed = osp.join(purelib, 'mmsona', '.mim', 'configs', 'sona',
                         'sona_r50_market.py')
    assert filecmp.cmp(
        installed,
        osp.join(REPO, 'configs', 'sona', 'sona_r50_market.py'),
        shallow=False)
