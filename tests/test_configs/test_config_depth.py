"""No config is more than two inheritance steps from a base.

The bases are the shared ones, every file under ``configs/_base_/``, and the
family bases. A *family base* is a file in a ``_base_/`` folder inside a
config family folder, ``configs/<family>/_base_/*.py`` (e.g.
``configs/ablation/_base_/synthetic_hard.py``): it holds what the configs of
one benchmark family share, and only configs of that folder inherit it.

* Every other config of ``configs/`` reaches a base in at most two
  ``_base_`` steps (its depth, following the longest chain: one step to a
  file it names in ``_base_``, one more for each file above that one).
* A family base is itself at most two steps from ``configs/_base_/``.

The same holds for the pure-Python mirror ``mmsona/configs/`` (bases under
``mmsona/configs/_base_/``). Bases are read from the source without running
it: the text style ``_base_ = '...'`` / ``_base_ = [...]`` and the
pure-Python style ``with read_base(): from .x import *``.
"""
import ast
import glob
import os.path as osp
import re
from functools import lru_cache
from typing import List, Optional, Tuple

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ROOTS = ('configs', osp.join('mmsona', 'configs'))
MAX_DEPTH = 2


def python_files(root: str) -> List[str]:
    """Config files under ``root`` (absolute), ``__init__.py`` aside."""
    paths = glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    return sorted(p for p in paths if osp.basename(p) != '__init__.py')


def base_kind(path: str, root: str) -> Optional[str]:
    """``'shared'`` (``<root>/_base_/``), ``'family'`` or None (a config)."""
    parts = osp.relpath(path, root).split(osp.sep)
    if parts[0] == '_base_':
        return 'shared'
    if len(parts) > 2 and parts[1] == '_base_':
        return 'family'
    return None


def _text_bases(node: ast.Assign, path: str, root: str) -> List[str]:
    value = ast.literal_eval(node.value)
    names = [value] if isinstance(value, str) else list(value)
    bases = []
    for name in names:
        if '::' in name:  # another package's config, or mmsona's own
            package, name = name.split('::', 1)
            if package != 'mmsona':
                continue
            bases.append(osp.join(root, name))
        else:
            bases.append(osp.join(osp.dirname(path), name))
    return bases


def _read_base_bases(node: ast.With, path: str) -> List[str]:
    bases = []
    for stmt in node.body:
        if not isinstance(stmt, ast.ImportFrom) or not stmt.level:
            continue  # absolute imports name another package's configs
        folder = osp.dirname(path)
        for _ in range(stmt.level - 1):
            folder = osp.dirname(folder)
        module = (stmt.module or '').split('.')
        bases.append(osp.join(folder, *module) + '.py')
    return bases


@lru_cache(maxsize=None)
def bases_of(path: str, root: str) -> Tuple[str, ...]:
    """The config files that ``path`` inherits directly (normalised)."""
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    bases = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets):
            bases += _text_bases(node, path, root)
        elif isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call)
                and getattr(item.context_expr.func, 'id', None) == 'read_base'
                for item in node.items):
            bases += _read_base_bases(node, path)
    return tuple(osp.normpath(b) for b in bases)


def depth(path: str, root: str, family_bases_count: bool = True) -> int:
    """Inheritance steps from ``path`` to a base, along the longest chain.

    Args:
        path (str): A config file.
        root (str): The config folder (``configs/`` or ``mmsona/configs/``).
        family_bases_count (bool): Whether a family base ends a chain as a
            shared base does. Defaults to True.

    Returns:
        int: 0 for a base (or a config that inherits nothing), else one more
        than the deepest of the files it inherits.
    """
    kind = base_kind(path, root)
    if kind == 'shared' or (kind == 'family' and family_bases_count):
        return 0
    bases = bases_of(path, root)
    deepest = max((depth(b, root, family_bases_count) for b in bases),
                  default=-1)
    return 1 + deepest


def relative(path: str) -> str:
    return osp.relpath(path, REPO)


CASES = [(root, relative(p)) for root in ROOTS
         for p in python_files(osp.join(REPO, root))]


def test_the_folders_have_configs_and_family_bases():
    names = [name for _, name in CASES]
    assert 'configs/ablation/_base_/synthetic_hard.py' in names
    assert 'configs/ablation/_base_/synthetic_relational.py' in names
    assert 'mmsona/configs/sona/sona_r50_market.py' in names


@pytest.mark.parametrize('root,name', CASES)
def test_every_base_is_read(root, name):
    """The parser finds a base wherever the file declares one."""
    path = osp.join(REPO, name)
    with open(path) as f:
        text = f.read()
    declares = bool(
        re.search(r'^_base_\s*=|^with read_base\(\):', text, re.MULTILINE))
    bases = bases_of(path, osp.join(REPO, root))
    assert declares == bool(bases), name
    for base in bases:
        assert osp.isfile(base), f'{name}: {relative(base)} does not exist'


@pytest.mark.parametrize('root,name', CASES)
def test_at_most_two_steps_from_a_base(root, name):
    path, folder = osp.join(REPO, name), osp.join(REPO, root)
    kind = base_kind(path, folder)
    if kind == 'shared':
        return
    if kind == 'family':
        steps = depth(path, folder, family_bases_count=False)
        assert steps <= MAX_DEPTH, (
            f'{name}: a family base {steps} steps from {root}/_base_/')
        return
    steps = depth(path, folder)
    assert steps <= MAX_DEPTH, (
        f'{name} is {steps} inheritance steps from {root}/_base_/ or its '
        f'family base (at most {MAX_DEPTH}): inherit the family base '
        f'directly, or add one ({root}/<family>/_base_/)')


@pytest.mark.parametrize('root,name', CASES)
def test_family_bases_stay_in_their_family(root, name):
    path, folder = osp.join(REPO, name), osp.join(REPO, root)
    for base in bases_of(path, folder):
        if base_kind(base, folder) == 'family':
            family = osp.dirname(osp.dirname(base))
            assert osp.commonpath([family, path]) == family, (
                f'{name} inherits {relative(base)} of another family')


def test_depth_follows_both_styles(tmp_path):
    root = tmp_path / 'configs'
    read_base_style = ('from mmengine.config import read_base\n\n'
                       'with read_base():\n'
                       '    from .b import *\n'
                       '    from .._base_.model import *\n')
    files = {
        '_base_/model.py': 'model = dict(a=1)\n',
        'grid/_base_/trunk.py': "_base_ = ['../../_base_/model.py']\n",
        'grid/a.py': "_base_ = './_base_/trunk.py'\n",
        'grid/b.py': "_base_ = './a.py'\n",
        'grid/c.py': "_base_ = './b.py'\n",
        'grid/d.py': read_base_style,
        'e.py': "_base_ = 'mmsona::grid/a.py'\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    def steps(name, **kwargs):
        return depth(str(root / name), str(root), **kwargs)

    assert steps('_base_/model.py') == 0
    assert steps('grid/_base_/trunk.py') == 0
    assert steps('grid/_base_/trunk.py', family_bases_count=False) == 1
    assert (steps('grid/a.py'), steps('grid/b.py')) == (1, 2)
    assert steps('grid/c.py') == 3  # one step too many
    assert steps('grid/d.py') == 3  # the deepest of its two bases
    assert steps('e.py') == 2
    assert steps('grid/a.py', family_bases_count=False) == 2
