"""One comparison of config types for names, scoped names and classes."""
import os.path as osp

from mmengine.config import Config
from mmengine.dataset import ConcatDataset
from mmengine.hooks import Hook
from tool_helpers import REPO, load_tool  # noqa: I100

from mmsona.engine.hooks import ReIDVisualizationHook
from mmsona.evaluation import ReIDMetric
from mmsona.utils import config_type_name, is_config_type

PURE = osp.join(REPO, 'mmsona', 'configs', 'sona', 'sona_r18_synthetic.py')
CLASSIC = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')


class _MyVisHook(ReIDVisualizationHook):
    pass


def test_names_scoped_names_and_classes_match():
    for value in ('ReIDMetric', 'mmsona.ReIDMetric', ReIDMetric):
        assert config_type_name(value) == 'ReIDMetric'
        assert is_config_type(value, 'ReIDMetric')
        assert is_config_type(value, 'mmsona.ReIDMetric')
        assert is_config_type(value, ReIDMetric)
        assert not is_config_type(value, 'ReIDVisualizationHook')
    assert not is_config_type('mmpretrain.ReIDMetric', 'mmsona.ReIDMetric')
    assert not is_config_type('ReIDMetricX', 'ReIDMetric')
    assert not is_config_type(None, 'ReIDMetric')
    assert config_type_name(None) == ''


def test_subclasses_match_their_bases():
    assert is_config_type(_MyVisHook, ReIDVisualizationHook)
    assert is_config_type(_MyVisHook, 'ReIDVisualizationHook')
    assert is_config_type(_MyVisHook, 'Hook', Hook)
    assert not is_config_type(Hook, ReIDVisualizationHook)


def test_both_config_styles_give_the_same_answers():
    for path in (CLASSIC, PURE):
        cfg = Config.fromfile(path)
        assert is_config_type(cfg.test_evaluator['type'], 'ReIDMetric')
        vis = [
            h for h in cfg.custom_hooks
            if is_config_type(h['type'], 'ReIDVisualizationHook')
        ]
        assert len(vis) == 1, path


def test_vis_rank_reads_the_hook_of_either_config_style():
    vis_rank = load_tool('visualizations', 'vis_rank.py')
    for path in (CLASSIC, PURE):
        defaults = vis_rank.hook_defaults(Config.fromfile(path))
        assert defaults.get('draw_attention') is True, path


def test_dataset_stats_unwraps_wrappers_given_as_classes():
    stats = load_tool('analysis_tools', 'dataset_stats.py')
    leaf = dict(type='Market1501', data_root='a')
    for wrapper in ('ConcatDataset', 'mmengine.ConcatDataset', ConcatDataset):
        cfg = dict(type=wrapper, datasets=[leaf, dict(leaf, data_root='b')])
        assert [c['data_root'] for c in stats._leaf_configs(cfg)] == ['a', 'b']
