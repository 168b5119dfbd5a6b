"""Rank-list (and attention) pictures after validation and test."""
import logging
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import collect_results, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop, EpochBasedTrainLoop

from mmsona.registry import HOOKS
from mmsona.utils.markup import safe_stem
from mmsona.visualization import (ReIDVisualizer, cell_center, choose_queries,
                                  find_sona_blocks, get_sona_attention,
                                  position_to_cell, read_rgb, write_rank_lists)

__all__ = ['ReIDVisualizationHook']


@HOOKS.register_module()
class ReIDVisualizationHook(Hook):
    """Write rank-list pictures after validation and test.

    Every rank collects the predicted features of its batches (the
    ``pred_feature`` of the model's data samples, with the ``pid``,
    ``camid``, ``is_query`` and ``img_path`` metainfo that
    ``PackReIDInputs`` stores); after the loop they are gathered with
    MMEngine's ``collect_results`` (through the process group, so no
    folder shared by the nodes is needed) and rank 0 alone ranks the
    gallery for a seeded choice of queries and writes one picture per
    query to ``<work_dir>/<out_dir>/`` (validation in training: in a
    sub-folder ``epoch_<N>`` or ``iter_<N>``) and to the visualizer's
    backends (TensorBoard when configured). Other ranks write nothing.

    Args:
        enable (bool): Draw anything at all. Defaults to False (so the
            runtime config can list the hook; ``tools/test.py --show-dir``
            enables it).
        out_dir (str): Folder under the work dir (or absolute). Defaults to
            'vis'.
        num_queries (int): Queries drawn. Defaults to 8.
        topk (int): Ranked gallery images per query. Defaults to 10.
        seed (int): Seed of the query choice; the same queries are drawn at
            every validation. Defaults to 0.
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            ``'euclidean'`` (the evaluator's default).
        junk (str): ``'mark'`` shows same-camera matches of the query's
            identity greyed and unranked, ``'skip'`` leaves them out.
            Defaults to ``'mark'``.
        interval (int): Draw at every ``interval``-th validation. Test runs
            are always drawn. Defaults to 1.
        thumb_size (tuple[int, int]): Thumbnail ``(h, w)``. Defaults to
            (160, 80).
        draw_attention (bool): Also draw the SONA attention of one position
            of the first chosen query, through the model. Defaults to
            False.
        attention_stage (int, optional): Stage of the SONA block (1 = after
            layer2, 2 = after layer3). Defaults to the last block.
        attention_position (tuple[float, float]): Query position as
            fractions ``(x, y)`` of the image width and height. Defaults to
            (0.5, 0.35), the upper torso of a pedestrian crop.
        add_to_backends (bool): Also record the pictures in the visual
            backends. Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self,
                 enable: bool = False,
                 out_dir: str = 'vis',
                 num_queries: int = 8,
                 topk: int = 10,
                 seed: int = 0,
                 metric: str = 'euclidean',
                 junk: str = 'mark',
                 interval: int = 1,
                 thumb_size: Tuple[int, int] = (160, 80),
                 draw_attention: bool = False,
                 attention_stage: Optional[int] = None,
                 attention_position: Tuple[float, float] = (0.5, 0.35),
                 add_to_backends: bool = True) -> None:
        if metric not in ('euclidean', 'cosine'):
            raise ValueError(
                f"metric must be 'euclidean' or 'cosine', got {metric!r}.")
        if junk not in ('mark', 'skip'):
            raise ValueError(f"junk must be 'mark' or 'skip', got {junk!r}.")
        if num_queries < 1 or topk < 1 or interval < 1:
            raise ValueError('num_queries, topk and interval must be >= 1.')
        fx, fy = attention_position
        if not (0 <= fx < 1 and 0 <= fy < 1):
            raise ValueError(
                'attention_position holds fractions of the '
                f'image size in [0, 1), got {attention_position}.')
        self.enable = enable
        self.out_dir = out_dir
        self.num_queries = num_queries
        self.topk = topk
        self.seed = seed
        self.metric = metric
        self.junk = junk
        self.interval = interval
        self.thumb_size = tuple(thumb_size)
        self.draw_attention = draw_attention
        self.attention_stage = attention_stage
        self.attention_position = (float(fx), float(fy))
        self.add_to_backends = add_to_backends
        self._results: list = []
        self._num_vals = 0
        self._visualizer: Optional[ReIDVisualizer] = None

    # Collection ----------------------------------------------------------
    def _active(self, mode: str) -> bool:
        """Whether this loop is drawn."""
        if not self.enable:
            return False
        return mode == 'test' or self._num_vals % self.interval == 0

    def _collect(self, outputs: Optional[Sequence]) -> None:
        """Keep the features and labels of a batch's data samples."""
        for sample in outputs or []:
            if 'pred_feature' not in sample:
                continue
            meta = sample.metainfo
            pid = meta.get('pid')
            if pid is None and 'gt_label' in sample:
                pid = int(sample.gt_label.reshape(-1)[0])
            self._results.append(
                dict(
                    feat=sample.pred_feature.detach().float().cpu(),
                    pid=-1 if pid is None else int(pid),
                    camid=int(meta.get('camid', -1)),
                    is_query=meta.get('is_query'),
                    img_path=meta.get('img_path')))

    def before_val_epoch(self, runner) -> None:
        self._results = []

    def before_test_epoch(self, runner) -> None:
        self._results = []

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        if self._active('val'):
            self._collect(outputs)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if self._active('test'):
            self._collect(outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        active = self._active('val')
        self._num_vals += 1
        if active:
            self._draw(runner, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self._active('test'):
            self._draw(runner, 'test')

    # Drawing ---------------------------------------------------------------
    def _get_visualizer(self, runner) -> ReIDVisualizer:
        """The visualizer that draws: the runner's when it is a
        :class:`ReIDVisualizer`, else one of this hook without backends
        (the pictures are recorded through the runner's visualizer)."""
        if isinstance(runner.visualizer, ReIDVisualizer):
            return runner.visualizer
        if self._visualizer is None:
            self._visualizer = ReIDVisualizer(name=f'reid_vis_hook_{id(self)}')
        return self._visualizer

    @staticmethod
    def _train_progress(runner) -> Optional[Tuple[str, int]]:
        """``('epoch', N)`` or ``('iter', N)`` when validating in training."""
        loop = runner._train_loop
        if not isinstance(loop, BaseLoop):
            return None
        if isinstance(loop, EpochBasedTrainLoop):
            return 'epoch', runner.epoch
        return 'iter', runner.iter

    def _out_dir(self, runner, mode: str) -> str:
        """Folder of this loop's pictures."""
        root = self.out_dir if osp.isabs(self.out_dir) else osp.join(
            runner.work_dir, self.out_dir)
        progress = self._train_progress(runner) if mode == 'val' else None
        if progress is None:
            return root
        return osp.join(root, f'{progress[0]}_{progress[1]}')

    def _step(self, runner, mode: str) -> int:
        """Backend step: the epoch (or iteration) of a validation."""
        progress = self._train_progress(runner) if mode == 'val' else None
        return 0 if progress is None else progress[1]

    def _dataset(self, runner, mode: str):
        """The dataset of the loop being drawn."""
        loader = runner.test_dataloader if mode == 'test' \
            else runner.val_dataloader
        return loader.dataset

    def _draw(self, runner, mode: str) -> None:
        """Gather the results on rank 0 and write the pictures there."""
        dataset = self._dataset(runner, mode)
        # 'gpu' is MMEngine's name for gathering through the process group
        # (gloo between CPU processes too): no folder shared by the nodes.
        results = collect_results(self._results, len(dataset), 'gpu')
        self._results = []
        if get_rank() != 0 or not results:
            return
        if any(r['is_query'] is None for r in results):
            print_log(
                'ReIDVisualizationHook: the data samples carry no '
                '`is_query` metainfo (use PackReIDInputs and a split="test" '
                'dataset); no rank list is drawn.',
                logger='current',
                level=logging.WARNING)
            return
        is_query = np.array([bool(r['is_query']) for r in results])
        q_idx = np.flatnonzero(is_query)
        g_idx = np.flatnonzero(~is_query)
        if len(q_idx) == 0 or len(g_idx) == 0:
            print_log(
                'ReIDVisualizationHook: no query or no gallery item was '
                'seen; no rank list is drawn.',
                logger='current',
                level=logging.WARNING)
            return
        feats = torch.stack([r['feat'] for r in results])
        pids = np.array([r['pid'] for r in results])
        camids = np.array([r['camid'] for r in results])
        paths = [r['img_path'] for r in results]
        chosen = choose_queries(len(q_idx), self.num_queries, self.seed)
        out_dir = self._out_dir(runner, mode)
        step = self._step(runner, mode)
        visualizer = self._get_visualizer(runner)
        written = write_rank_lists(
            visualizer,
            feats[q_idx],
            feats[g_idx],
            pids[q_idx],
            pids[g_idx],
            camids[q_idx],
            camids[g_idx], [paths[i] for i in q_idx],
            [paths[i] for i in g_idx],
            out_dir,
            chosen,
            topk=self.topk,
            metric=self.metric,
            junk=self.junk,
            thumb_size=self.thumb_size,
            name_prefix=f'{mode}_rank' if mode == 'val' else 'rank',
            step=step,
            add_to_backends=self.add_to_backends,
            recorder=runner.visualizer)
        if self.draw_attention:
            first = int(q_idx[chosen[0]])
            path = self._draw_attention(runner, visualizer, dataset, first,
                                        paths[first], out_dir, step)
            if path:
                written.append(path)
        print_log(
            f'ReIDVisualizationHook: wrote {len(written)} picture(s) to '
            f'{out_dir}',
            logger='current')

    def _draw_attention(self, runner, visualizer: ReIDVisualizer, dataset,
                        index: int, img_path: str, out_dir: str,
                        step: int) -> Optional[str]:
        """Attention of one position of a query through the model."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not find_sona_blocks(model):
            print_log(
                'ReIDVisualizationHook: draw_attention is set but the model '
                'has no SONA block; skipped.',
                logger='current',
                level=logging.WARNING)
            return None
        if dataset.get_data_info(index).get('img_path') != img_path:
            index = next(
                i for i in range(len(dataset))
                if dataset.get_data_info(i).get('img_path') == img_path)
        data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
        attn, feat_hw, stage = get_sona_attention(model, data['inputs'],
                                                  self.attention_stage)
        image = read_rgb(img_path)
        h, w = image.shape[:2]
        fx, fy = self.attention_position
        cell = position_to_cell((fx * w, fy * h), (h, w), feat_hw)
        row = attn[0, cell[0] * feat_hw[1] + cell[1]].reshape(feat_hw)
        stem = safe_stem(osp.splitext(osp.basename(img_path))[0])
        out_file = osp.join(out_dir, f'attention_stage{stage}_{stem}.png')
        scale = self.thumb_size[0] / h
        name = f'attention_stage{stage}'
        drawn = visualizer.visualize_attention(
            image,
            row,
            cell_center(cell, (h, w), feat_hw),
            name=name,
            out_file=out_file,
            add_to_backends=False,
            scale=scale,
            side_by_side=True)
        if self.add_to_backends:
            runner.visualizer.add_image(name, drawn, step=step)
        return out_file
