"""Visualisation: rank lists and SONA attention maps."""
from .rank_list import RankItem, choose_queries, select_rank_list
from .reid_visualizer import ReIDVisualizer

__all__ = ['ReIDVisualizer', 'RankItem', 'choose_queries', 'select_rank_list']
