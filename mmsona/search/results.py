"""Search results and their JSON and CSV files."""
import csv
import json
import os
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence

from .query import Query

__all__ = ['Match', 'QueryResult', 'write_results_json', 'write_results_csv']


class Match(NamedTuple):
    """One gallery image found for a query.

    Args:
        rank (int): 1-based rank.
        path (str): Path relative to the gallery folder (``/`` separated).
        distance (float): Distance to the query (re-ranked with
            ``rerank``).
        index (int): Row of the image in the gallery features.
    """

    rank: int
    path: str
    distance: float
    index: int


class QueryResult(NamedTuple):
    """The matches of one query.

    Args:
        query (Query): The query.
        matches (list[Match]): Its top-k gallery images in rank order.
    """

    query: Query
    matches: List[Match]


def _ensure_parent(path: str) -> None:
    """Create the folder of a file to be written."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)


def write_results_json(results: Sequence[QueryResult],
                       path: str,
                       info: Optional[dict] = None,
                       pictures: Optional[Sequence[Optional[str]]] = None
                       ) -> None:
    """Write ``results.json``.

    The file holds ``info`` (gallery, metric, index ...) and ``queries``:
    for each query its ``query`` label, ``image`` path, ``box``
    (``[x1, y1, x2, y2]`` or null), ``picture`` (the rank-list picture,
    relative to the file) and ``matches`` (``rank``, ``path`` relative to
    the gallery, ``distance``).

    Args:
        results (Sequence[QueryResult]): The results.
        path (str): The file.
        info (dict, optional): Search settings stored under ``info``.
        pictures (Sequence[str | None], optional): Rank-list picture per
            query.
    """
    queries = []
    for i, result in enumerate(results):
        q = result.query
        queries.append(
            dict(
                query=q.label,
                image=q.path,
                box=None if q.box is None else list(q.box),
                picture=None if pictures is None else pictures[i],
                matches=[
                    dict(rank=m.rank, path=m.path, distance=m.distance)
                    for m in result.matches
                ]))
    _ensure_parent(path)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(
            dict(info=info or {}, queries=queries),
            f,
            indent=1,
            ensure_ascii=False)
        f.write('\n')


def write_results_csv(results: Sequence[QueryResult], path: str) -> None:
    """Write ``results.csv``: one row per (query, match).

    Columns: ``query`` (label), ``rank``, ``gallery_path`` (relative to the
    gallery), ``distance``.

    Args:
        results (Sequence[QueryResult]): The results.
        path (str): The file.
    """
    _ensure_parent(path)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['query', 'rank', 'gallery_path', 'distance'])
        for result in results:
            for m in result.matches:
                writer.writerow(
                    [result.query.label, m.rank, m.path, f'{m.distance:.6g}'])
