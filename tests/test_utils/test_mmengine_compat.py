"""``import mmsona`` changes MMEngine's state from mmengine_compat.py only."""
import ast
import inspect
import os
import os.path as osp

import pytest

import mmsona
from mmsona.utils import mmengine_compat

PACKAGE = osp.dirname(osp.abspath(mmsona.__file__))
COMPAT = osp.join(PACKAGE, 'utils', 'mmengine_compat.py')
#: Names whose use changes global state: the patched objects and setters.
PATCHED_NAMES = {
    'MODULE2PACKAGE', 'get_installed_path', 'register_scheme',
    'filterwarnings', 'simplefilter'
}


def _package_sources():
    """The package's modules, without mmengine_compat.py and the configs."""
    for root, _, names in sorted(os.walk(PACKAGE)):
        if osp.relpath(root, PACKAGE).split(osp.sep)[0] == 'configs':
            continue
        for name in sorted(names):
            path = osp.join(root, name)
            if name.endswith('.py') and path != COMPAT:
                yield path


def _mmengine_aliases(tree: ast.AST) -> set:
    """Names a module binds to MMEngine modules or objects."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update((a.asname or a.name).split('.')[0]
                           for a in node.names
                           if a.name.startswith('mmengine'))
        elif isinstance(node, ast.ImportFrom) and (node.module or '') \
                .startswith('mmengine'):
            aliases.update(a.asname or a.name for a in node.names)
    return aliases


def _root_name(node: ast.AST):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changes_of_global_state(path: str) -> list:
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    aliases = _mmengine_aliases(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, 'lineno', 0)
        if isinstance(node, ast.Name) and node.id in PATCHED_NAMES:
            found.append((line, node.id))
        elif isinstance(node, ast.Attribute):
            if node.attr in PATCHED_NAMES:
                found.append((line, node.attr))
            if node.attr == 'children' and isinstance(node.value,
                                                      ast.Attribute) \
                    and node.value.attr == 'root':
                found.append((line, 'root.children'))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if hasattr(node,
                                              'targets') else [node.target]
            for target in targets:
                if isinstance(target, (ast.Attribute, ast.Subscript)) \
                        and _root_name(target) in aliases:
                    found.append((line, f'assignment to {_root_name(target)}'))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ('setattr', 'delattr') and node.args \
                and _root_name(node.args[0]) in aliases:
            found.append(
                (line, f'{node.func.id} on {_root_name(node.args[0])}'))
    return found


@pytest.mark.slow
def test_no_other_module_patches_mmengine():
    offenders = [
        f'{osp.relpath(path, PACKAGE)}:{line}: {what}'
        for path in _package_sources()
        for line, what in _changes_of_global_state(path)
    ]
    assert not offenders, (
        'Only mmsona/utils/mmengine_compat.py may change MMEngine or '
        'warnings state:\n' + '\n'.join(offenders))


def test_the_scan_finds_each_kind_of_patch(tmp_path):
    """The scan above would see each patch if it were moved back."""
    path = tmp_path / 'patching.py'
    path.write_text('import warnings\n'
                    'import mmengine.config.config as mmengine_config\n'
                    'from mmengine.registry import MODELS\n'
                    "warnings.filterwarnings('ignore')\n"
                    'mmengine_config.get_installed_path = print\n'
                    "MODELS.children['x'] = MODELS\n"
                    'registry.root.children.setdefault(1, 2)\n'
                    "setattr(mmengine_config, 'x', 1)\n")
    kinds = {what for _, what in _changes_of_global_state(str(path))}
    assert kinds == {
        'filterwarnings', 'get_installed_path',
        'assignment to mmengine_config', 'assignment to MODELS',
        'root.children', 'setattr on mmengine_config'
    }
    assert _changes_of_global_state(COMPAT), 'the patches live in compat'


def test_patches_are_applied_once_and_idempotent():
    import mmengine.config.config as mmengine_config
    from mmengine.config.utils import MODULE2PACKAGE
    from mmengine.registry import MODELS as MMENGINE_MODELS
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmsona.registry import MODELS
    from mmsona.utils.checkpoint_compat import load_from_local_weights_only
    wrapped = mmengine_config.get_installed_path
    mmengine_compat.apply_mmengine_patches()
    assert mmengine_config.get_installed_path is wrapped
    assert wrapped('mmsona') == PACKAGE
    assert MODULE2PACKAGE['mmsona'] == 'mmsona'
    assert CheckpointLoader._schemes[''] is load_from_local_weights_only
    assert MMENGINE_MODELS.children['mmsona'] is MODELS


@pytest.mark.parametrize('name', [
    'silence_mmcv_ops_warning', 'patch_checkpoint_loading',
    'make_reachable_from_root', 'register_config_package'
])
def test_each_patch_says_what_it_fixes_and_when_it_goes(name):
    doc = inspect.getdoc(getattr(mmengine_compat, name))
    assert '\nFixes: ' in doc and '\nRemove when: ' in doc
    assert name in inspect.getsource(mmengine_compat.apply_mmengine_patches)
