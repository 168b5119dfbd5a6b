"""Tiny data for the project configs, written once per test session."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_project_tool(project: str, name: str):
    """Import ``projects/<project>/tools/<name>.py`` as a module.

    Args:
        project (str): Project folder name.
        name (str): Tool file name without ``.py``.

    Returns:
        module: The imported tool.
    """
    path = osp.join(REPO, 'projects', project, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'{project}_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tools():
    """The projects' data tools, imported from their files.

    Returns:
        dict: ``to_cls``, ``to_list`` and ``vehicles`` modules.
    """
    return dict(
        to_cls=load_project_tool('sona_classification', 'reid_to_cls'),
        to_list=load_project_tool('vehicle_reid', 'folder_to_filelist'),
        vehicles=load_project_tool('vehicle_reid', 'make_synthetic_vehicles'))


@pytest.fixture(scope='session')
def project_data(tmp_path_factory, tools, tiny_synthetic_root):
    """A tiny classification view and tiny vehicle lists.

    Returns:
        dict: ``cls_root`` (train/ and val/ class folders), ``cls_classes``,
        ``vehicle_root`` (folders and ReIDFileList lists).
    """
    root = tmp_path_factory.mktemp('project_data')
    reid_root = tiny_synthetic_root
    cls_root = str(root / 'synthetic_cls')
    counts = tools['to_cls'].convert(reid_root, cls_root)
    vehicle_root = str(root / 'vehicles')
    tools['vehicles'].make_synthetic_vehicles(vehicle_root, num_ids=12, seed=0)
    tools['to_list'].convert(vehicle_root)
    return dict(
        cls_root=cls_root,
        cls_classes=counts['classes'],
        vehicle_root=vehicle_root)
