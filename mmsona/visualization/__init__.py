"""Visualisation: rank lists and SONA attention maps."""
from .attention import (cell_center, find_sona_blocks, get_sona_attention,
                        position_to_cell)
from .rank_list import RankItem, choose_queries, select_rank_list
from .rank_list_writer import read_rgb, write_rank_lists
from .reid_visualizer import ReIDVisualizer

__all__ = [
    'ReIDVisualizer', 'RankItem', 'choose_queries', 'select_rank_list',
    'read_rgb', 'write_rank_lists', 'cell_center', 'find_sona_blocks',
    'get_sona_attention', 'position_to_cell'
]
