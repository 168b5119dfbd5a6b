"""Reference rankings of a synthetic benchmark: the levels a model is read
against.

Both are distances on the benchmark's own query and gallery lists, computed
from the plan alone (nothing is rendered), for the Market-protocol
evaluator (``tools/analysis_tools/synthetic_floor.py`` evaluates them):

- the **group-blind** ranking knows every identity group perfectly but not
  the identities within a group: the group's gallery images come first, in
  random order. In the hard benchmark it is the level that needs no
  combination of parts; in the relational probe the **relation-blind
  floor**, the level that needs no relation between parts.
- the **part oracle** reads the true colours of the relational parts of
  every image from the generator, decodes which two are equal, and ranks
  the gallery images of the query's group with the same decoded relation
  first: the ceiling of the relational probe.
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .attributes import (RELATIONAL_PARTS, RELATIONS, IdentityAttributes,
                         identity_groups)
from .layout import GALLERY_DIR, QUERY_DIR, ImageSpec, SyntheticPlan

__all__ = [
    'EvaluationLists', 'evaluation_lists', 'decode_relation',
    'group_blind_distances', 'part_oracle_distances'
]


@dataclass
class EvaluationLists:
    """Query and gallery of a benchmark as the evaluator sees them (junk
    images are left out, as the loaders drop them).

    Args:
        query (list[ImageSpec]): Query images.
        gallery (list[ImageSpec]): Gallery images (distractors included).
        q_pids, g_pids (np.ndarray): Person ids (0 for distractors).
        q_camids, g_camids (np.ndarray): 0-based cameras.
        q_groups, g_groups (np.ndarray): Identity group (-1 for
            distractors).
    """

    query: List[ImageSpec]
    gallery: List[ImageSpec]
    q_pids: np.ndarray
    g_pids: np.ndarray
    q_camids: np.ndarray
    g_camids: np.ndarray
    q_groups: np.ndarray
    g_groups: np.ndarray


def evaluation_lists(plan: SyntheticPlan) -> EvaluationLists:
    """Query and gallery lists of a plan, with ids, cameras and groups.

    Args:
        plan (SyntheticPlan): The benchmark.

    Returns:
        EvaluationLists: The lists, in the loaders' (sorted path) order.
    """
    num_train = plan.num_train_ids
    groups = identity_groups(len(plan.pids) - num_train, plan.difficulty)

    def split(folder: str):
        images = [
            im for im in plan.images
            if im.relpath.startswith(folder + '/') and im.kind != 'junk'
        ]
        pids = np.array([
            plan.pids[im.identity] if im.identity >= 0 else 0 for im in images
        ])
        cams = np.array([im.camera for im in images])
        grp = np.array([
            groups[im.identity - num_train] if im.identity >= 0 else -1
            for im in images
        ])
        return images, pids, cams, grp

    query, q_pids, q_cams, q_groups = split(QUERY_DIR)
    gallery, g_pids, g_cams, g_groups = split(GALLERY_DIR)
    return EvaluationLists(query, gallery, q_pids, g_pids, q_cams, g_cams,
                           q_groups, g_groups)


def decode_relation(attrs: Optional[IdentityAttributes]) -> int:
    """Which pair of relational parts shares a colour in one image.

    Args:
        attrs (IdentityAttributes, optional): The attributes of the image
            (:meth:`SyntheticPlan.image_attributes`).

    Returns:
        int: Index into :data:`RELATIONS`, or -1 when no pair (or no
        person) is there.
    """
    if attrs is None:
        return -1
    colour = {part: getattr(attrs, part) for part in RELATIONAL_PARTS}
    for index, (a, b) in enumerate(RELATIONS):
        if colour[a] >= 0 and colour[a] == colour[b]:
            return index
    return -1


def _same_group(lists: EvaluationLists) -> np.ndarray:
    return (lists.q_groups[:, None] == lists.g_groups[None, :]) & (
        lists.g_groups[None, :] >= 0)


def group_blind_distances(lists: EvaluationLists,
                          rng: np.random.Generator) -> np.ndarray:
    """Distances of the group-blind ranking: group-mates in [0, 1) in
    random order, everything else in [1, 2).

    Args:
        lists (EvaluationLists): The benchmark's lists.
        rng (numpy.random.Generator): Source of the random orders.

    Returns:
        np.ndarray: Q x G distances.
    """
    same = _same_group(lists)
    return rng.random(same.shape) + np.where(same, 0.0, 1.0)


def part_oracle_distances(plan: SyntheticPlan,
                          lists: EvaluationLists) -> np.ndarray:
    """Distances of the part oracle: 0 for a group-mate whose decoded
    relation is the query's, 1 for other group-mates, 2 for the rest.

    Args:
        plan (SyntheticPlan): The benchmark (it gives every image's colours).
        lists (EvaluationLists): Its lists.

    Returns:
        np.ndarray: Q x G distances.
    """
    q_rel = np.array(
        [decode_relation(plan.image_attributes(im)) for im in lists.query])
    g_rel = np.array(
        [decode_relation(plan.image_attributes(im)) for im in lists.gallery])
    same = _same_group(lists)
    match = same & (q_rel[:, None] == g_rel[None, :]) & (g_rel[None, :] >= 0)
    return 2.0 - same.astype(np.float64) - match.astype(np.float64)
