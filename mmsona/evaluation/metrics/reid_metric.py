"""Re-ID retrieval metric for the MMEngine evaluator."""
import os
import os.path as osp
import warnings
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.evaluator import BaseMetric

from mmsona.registry import METRICS
from ..functional import (KReciprocalReRanker, RankingOptions,
                          evaluate_distance_rows, evaluate_features,
                          evaluate_gallery_shard, query_expansion)
from .gallery_shards import split_results

__all__ = ['ReIDMetric']

RESULT_KEYS = ('pred_feature', 'pid', 'camid', 'is_query')


def _scalar(value: Any) -> Any:
    """A Python scalar from a scalar tensor or array, else the value."""
    if hasattr(value, 'item') and getattr(value, 'numel', lambda: 1)() == 1:
        return value.item()
    return value


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """CMC (rank-k), mAP and mINP of person re-identification.

    Works with a test set made of query items followed by gallery items
    (``is_query`` tells them apart; the order inside each part is kept).
    Every predicted data sample must carry ``pred_feature`` (a 1-D tensor),
    ``pid``, ``camid``, ``is_query`` and, optionally, ``img_path``. Features
    are kept on the CPU between ``process`` and ``compute_metrics`` and are
    gathered from all ranks by MMEngine's ``collect_results``, through the
    process group (no shared folder needed, also across nodes).

    Ranking uses :func:`mmsona.evaluation.functional.evaluate_features`
    (Market protocol, ties broken by gallery index, bounded memory).

    With ``gallery_sharded=True`` nothing is gathered on rank 0: every rank
    keeps the gallery items it processed, the query features are shared
    with every rank, and the ranks exchange only per-query match lists and
    counts (:func:`mmsona.evaluation.functional.evaluate_gallery_shard`),
    giving exactly the numbers of the gathered evaluation. Re-ranking, query
    expansion, ``protocol='cuhk03'`` and ``dump_features`` need the whole
    gallery in one process and cannot be combined with it.
    Results are percentages: ``R1``, ``R5``, ``R10`` (``topk``), ``mAP``,
    ``mINP`` and ``R1_mAP = (R1 + mAP) / 2``, plus ``num_valid_queries``
    (logged as ``reid/R1`` ...). Select checkpoints by the combined score
    with ``default_hooks.checkpoint.save_best='reid/R1_mAP'``.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            ``'euclidean'``.
        max_rank (int): Length of the CMC curve. Defaults to 50.
        topk (Sequence[int]): Reported CMC ranks. Defaults to (1, 5, 10).
        protocol (str): ``'market'``, or ``'cuhk03'`` for the classic
            single-gallery-shot CMC (``num_repeats`` trials seeded with
            ``seed``). Defaults to ``'market'``.
        rerank (bool): Apply k-reciprocal re-ranking. Defaults to False.
        rerank_k1 (int): Re-ranking ``k1``. Defaults to 20.
        rerank_k2 (int): Re-ranking ``k2``. Defaults to 6.
        rerank_lambda (float): Re-ranking ``lambda``. Defaults to 0.3.
        aqe (bool): Apply alpha query expansion first. Defaults to False.
        aqe_k (int): Neighbours of alpha-QE. Defaults to 5.
        aqe_alpha (float): Exponent of alpha-QE. Defaults to 3.0.
        num_repeats (int): CUHK03 sampling trials. Defaults to 10.
        seed (int): CUHK03 sampling seed. Defaults to 0.
        ap_mode (str): ``'mean'`` (mean precision at the matches) or
            ``'trapezoid'`` (the official Market-1501 rule); see
            :class:`~mmsona.evaluation.functional.RankingOptions`. Defaults
            to ``'mean'``.
        gallery_sharded (bool): Keep the gallery spread over the ranks
            (see above). Defaults to False.
        chunk_size (int, optional): Queries per ranking chunk.
        device (str, optional): Where to rank: ``'cpu'``, ``'cuda'``,
            ``'cuda:1'`` ... Defaults to the device the features came from
            (CUDA is used only if available; otherwise CPU with a warning).
        dump_features (str, optional): If set, ``compute_metrics`` also
            writes the features with ``torch.save`` to this path, as a dict
            with ``query_feats``/``gallery_feats`` (float tensors ``(Q, D)``,
            ``(G, D)``), ``query_pids``/``gallery_pids``,
            ``query_camids``/``gallery_camids`` (int64 tensors) and
            ``query_paths``/``gallery_paths`` (lists of str). Read it back
            with ``torch.load(path)``.
        collect_device (str, optional): How results are gathered across
            ranks, in MMEngine's terms: ``'gpu'`` sends them through the
            process group itself (NCCL between GPUs, gloo between CPU
            processes), which works across nodes without a shared file
            system; ``'cpu'`` writes every rank's part to a folder that
            rank 0 reads, which must then be visible from every node.
            Defaults to ``'cpu'`` when ``collect_dir`` is given, else
            ``'gpu'``.
        collect_dir (str, optional): Folder for ``collect_device='cpu'``
            (on a file system shared by all nodes).
        prefix (str, optional): Metric name prefix. Defaults to ``'reid'``.
    """

    default_prefix: Optional[str] = 'reid'

    def __init__(self,
                 metric: str = 'euclidean',
                 max_rank: int = 50,
                 topk: Sequence[int] = (1, 5, 10),
                 protocol: str = 'market',
                 rerank: bool = False,
                 rerank_k1: int = 20,
                 rerank_k2: int = 6,
                 rerank_lambda: float = 0.3,
                 aqe: bool = False,
                 aqe_k: int = 5,
                 aqe_alpha: float = 3.0,
                 num_repeats: int = 10,
                 seed: int = 0,
                 ap_mode: str = 'mean',
                 gallery_sharded: bool = False,
                 chunk_size: Optional[int] = None,
                 device: Optional[str] = None,
                 dump_features: Optional[str] = None,
                 collect_device: Optional[str] = None,
                 collect_dir: Optional[str] = None,
                 prefix: Optional[str] = None) -> None:
        if collect_device is None:
            collect_device = 'gpu' if collect_dir is None else 'cpu'
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if metric not in ('euclidean', 'cosine'):
            raise ValueError(f"metric must be 'euclidean' or 'cosine', got "
                             f'{metric!r}.')
        #: max_rank, chunk_size, protocol, num_repeats and seed, checked.
        self.ranking = RankingOptions(max_rank, chunk_size, protocol,
                                      num_repeats, seed, ap_mode)
        if gallery_sharded:
            whole = dict(
                rerank=rerank,
                aqe=aqe,
                dump_features=bool(dump_features),
                **{"protocol='cuhk03'": protocol == 'cuhk03'})
            wanted = [name for name, on in whole.items() if on]
            if wanted:
                raise ValueError(
                    'ReIDMetric(gallery_sharded=True) cannot be combined '
                    f'with {", ".join(wanted)}: they need the whole gallery '
                    'in one process. Re-ranking and query expansion stay '
                    'single-process; use gallery_sharded=False for them.')
        self.gallery_sharded = gallery_sharded
        topk = tuple(int(k) for k in topk)
        if not topk or min(topk) < 1 or max(topk) > max_rank:
            raise ValueError(f'topk {topk} must lie in [1, max_rank='
                             f'{max_rank}].')
        self.metric = metric
        self.topk = topk
        self.rerank = rerank
        self.rerank_cfg = dict(
            k1=rerank_k1, k2=rerank_k2, lambda_value=rerank_lambda)
        self.aqe = aqe
        self.aqe_cfg = dict(k=aqe_k, alpha=aqe_alpha)
        self.device = device
        self.dump_features = dump_features
        self._feature_device: Optional[torch.device] = None

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's feature (on the CPU, float16 and bfloat16
        ones as float32) and ids.

        Args:
            data_batch (Any): The batch (unused).
            data_samples (Sequence[dict]): Predicted data samples as dicts.
        """
        for sample in data_samples:
            if hasattr(sample, 'to_dict'):
                sample = sample.to_dict()
            missing = [key for key in RESULT_KEYS if key not in sample]
            if missing:
                raise KeyError(
                    f'ReIDMetric needs {list(RESULT_KEYS)} in every data '
                    f'sample; missing {missing} (sample of '
                    f"{sample.get('img_path', 'unknown image')}). The model's "
                    "predict mode must set 'pred_feature' and the test "
                    "dataset 'pid', 'camid' and 'is_query'.")
            feature = sample['pred_feature']
            if not isinstance(feature, torch.Tensor):
                feature = torch.as_tensor(feature)
            if self._feature_device is None:
                self._feature_device = feature.device
            feature = feature.detach().reshape(-1).cpu()
            if feature.dtype in (torch.float16, torch.bfloat16):
                # Half-precision features (val_cfg=dict(fp16=True)) would
                # be ranked in half precision: squared norms overflow.
                feature = feature.float()
            self.results.append(
                dict(
                    feature=feature,
                    pid=int(_scalar(sample['pid'])),
                    camid=int(_scalar(sample['camid'])),
                    is_query=bool(_scalar(sample['is_query'])),
                    img_path=str(sample.get('img_path', ''))))

    def _resolve_device(self) -> torch.device:
        requested = self.device
        if requested is None:
            return self._feature_device or torch.device('cpu')
        device = torch.device(requested)
        if device.type == 'cuda' and not torch.cuda.is_available():
            warnings.warn(f'ReIDMetric: device {requested!r} requested but '
                          'CUDA is not available; ranking on the CPU.')
            return torch.device('cpu')
        return device

    def _dump(self, parts: Dict[str, List[dict]], feats: dict) -> None:
        path = self.dump_features
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        payload = dict(metric=self.metric)
        for side in ('query', 'gallery'):
            items = parts[side]
            payload[f'{side}_feats'] = feats[side].cpu()
            payload[f'{side}_pids'] = torch.tensor(
                [item['pid'] for item in items], dtype=torch.long)
            payload[f'{side}_camids'] = torch.tensor(
                [item['camid'] for item in items], dtype=torch.long)
            payload[f'{side}_paths'] = [item['img_path'] for item in items]
        torch.save(payload, path)

    def evaluate(self, size: int) -> dict:
        """Evaluate the processed samples of all ranks.

        Without ``gallery_sharded`` this is MMEngine's gather-then-compute.
        With it, every rank keeps its gallery items, the queries are shared
        and rank 0 merges the per-query counts of every rank; the metrics
        are then broadcast to all ranks.

        Args:
            size (int): Dataset size (later positions are sampler padding).

        Returns:
            dict: The prefixed metrics, on every rank.
        """
        if not self.gallery_sharded:
            return super().evaluate(size)
        parts = split_results(self.results, size, self._resolve_device())
        self.results.clear()
        num_query = int(parts['q_pids'].numel())
        for side, count in (('query', num_query), ('gallery',
                                                   parts['num_gallery'])):
            if count == 0:
                raise ValueError(
                    f'ReIDMetric got {size} samples but no {side} item: '
                    'the test dataset must hold query items (is_query=True) '
                    'and gallery items (is_query=False); use '
                    "split='test' of an mmsona re-ID dataset.")
        try:
            summary, _ = evaluate_gallery_shard(
                parts['q_feats'],
                parts['q_pids'],
                parts['q_camids'],
                parts['shard'],
                parts['key_space'],
                metric=self.metric,
                max_rank=self.ranking.max_rank,
                chunk_size=self.ranking.chunk_size,
                ap_mode=self.ranking.ap_mode)
            payload: Any = None
            if is_main_process():
                payload = {
                    f'{self.prefix}/{k}' if self.prefix else k: v
                    for k, v in self._format(summary, num_query).items()
                }
        except ValueError as error:
            # Rank 0 summarises after the last exchange (no valid query).
            payload = str(error)
        box = [payload]
        broadcast_object_list(box)
        if isinstance(box[0], str):
            raise ValueError(box[0])
        return box[0]

    def _format(self, summary: dict,
                num_query: int) -> Dict[str, Union[float, int]]:
        """Percentages R{k}, mAP, mINP, R1_mAP and the valid count."""
        num_valid = summary['num_valid_queries']
        if num_valid < num_query:
            warnings.warn(
                f'ReIDMetric: {num_query - num_valid} of {num_query} queries '
                'have no valid match (no gallery item with the same person '
                'id from another camera) and are left out of every metric.')
        metrics: Dict[str, Union[float, int]] = {
            f'R{k}': float(summary['cmc'][k - 1]) * 100
            for k in self.topk
        }
        metrics['mAP'] = summary['mAP'] * 100
        metrics['mINP'] = summary['mINP'] * 100
        metrics['num_valid_queries'] = num_valid
        metrics['R1_mAP'] = (float(summary['cmc'][0]) * 100 +
                             metrics['mAP']) / 2
        return metrics

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Rank the gallery for every query and summarise.

        Args:
            results (list[dict]): Per-sample results of all ranks.

        Returns:
            dict: Percentages ``R{k}``, ``mAP``, ``mINP`` and ``R1_mAP``
            (their mean of R1 and mAP), and ``num_valid_queries``.
        """
        parts = dict(
            query=[r for r in results if r['is_query']],
            gallery=[r for r in results if not r['is_query']])
        for side, items in parts.items():
            if not items:
                raise ValueError(
                    f'ReIDMetric got {len(results)} samples but no {side} '
                    'item: the test dataset must hold query items '
                    '(is_query=True) and gallery items (is_query=False); '
                    "use split='test' of an mmsona re-ID dataset.")
        device = self._resolve_device()
        feats, pids, camids = {}, {}, {}
        for side, items in parts.items():
            feats[side] = torch.stack([r['feature'] for r in items])
            pids[side] = torch.tensor([r['pid'] for r in items])
            camids[side] = torch.tensor([r['camid'] for r in items])
        if feats['query'].shape[1] != feats['gallery'].shape[1]:
            raise ValueError('Query and gallery features differ in size: '
                             f"{feats['query'].shape[1]} vs "
                             f"{feats['gallery'].shape[1]}.")
        if self.dump_features:
            self._dump(parts, feats)

        q_feats = feats['query'].to(device)
        g_feats = feats['gallery'].to(device)
        if self.aqe:
            q_feats, g_feats = query_expansion(
                q_feats,
                g_feats,
                chunk_size=self.ranking.chunk_size,
                **self.aqe_cfg)
        ids = (pids['query'], pids['gallery'], camids['query'],
               camids['gallery'])
        options = asdict(self.ranking)
        if self.rerank:
            ranker = KReciprocalReRanker(
                q_feats,
                g_feats,
                metric=self.metric,
                chunk_size=self.ranking.chunk_size,
                **self.rerank_cfg)
            summary = evaluate_distance_rows(
                ranker, *ids, device=q_feats.device, **options)
        else:
            summary = evaluate_features(
                q_feats, g_feats, *ids, metric=self.metric, **options)

        return self._format(summary, len(parts['query']))
