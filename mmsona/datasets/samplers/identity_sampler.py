"""P x K identity sampling for metric learning, exact under DDP."""
from typing import Dict, Iterator, Optional, Sized, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmsona.registry import DATA_SAMPLERS
from .sample_key import SampledIndex

__all__ = ['IdentitySampler', 'check_identity_batch']


def check_identity_batch(batch_size: int,
                         num_instances: int,
                         world_size: int = 1,
                         min_identities: int = 2) -> int:
    """Check that a per-GPU batch holds whole identities.

    With :class:`IdentitySampler` a batch is P identities x K instances, so
    the batch size of the dataloader (per GPU, i.e. per process, as always
    in MMEngine) must be a multiple of K, and P must reach
    ``min_identities`` (a batch-hard triplet loss needs negatives).

    Args:
        batch_size (int): ``train_dataloader.batch_size`` (per GPU).
        num_instances (int): K, images per identity.
        world_size (int): Number of processes. Defaults to 1.
        min_identities (int): Smallest P allowed. Defaults to 2.

    Returns:
        int: P, the identities per GPU batch.
    """
    if not isinstance(num_instances, int) or num_instances < 1:
        raise ValueError(
            f'IdentitySampler: num_instances must be a positive integer, got '
            f'{num_instances!r}.')
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f'train_dataloader.batch_size must be a positive integer, got '
            f'{batch_size!r}.')
    total = f'{batch_size * world_size} in total over {world_size} ' \
        'processes' if world_size > 1 else 'in total'
    if batch_size % num_instances:
        lower = batch_size // num_instances * num_instances
        upper = lower + num_instances
        options = ' or '.join(str(b) for b in (lower, upper) if b > 0)
        raise ValueError(
            f'train_dataloader.batch_size={batch_size} is not a multiple of '
            f'the IdentitySampler num_instances={num_instances}: each batch '
            'must hold whole identities (P identities x K images). '
            f'batch_size is per GPU ({total}). Set batch_size to '
            f'{options}, or change num_instances.')
    num_ids = batch_size // num_instances
    if num_ids < min_identities:
        raise ValueError(
            f'train_dataloader.batch_size={batch_size} with '
            f'num_instances={num_instances} gives {num_ids} identity per GPU '
            f'batch; at least {min_identities} are needed (a batch-hard '
            'triplet loss needs negatives). Set batch_size to at least '
            f'{min_identities * num_instances} (it is per GPU).')
    return num_ids


def _labels_and_cameras(dataset: Sized) -> Tuple[np.ndarray, np.ndarray]:
    """Read ``gt_label`` and ``camid`` of every item without decoding any
    image: from the arrays of a re-ID dataset, else from its data infos."""
    if hasattr(dataset, 'get_gt_labels') and hasattr(dataset, 'get_cam_ids'):
        return (np.asarray(dataset.get_gt_labels(), np.int64),
                np.asarray(dataset.get_cam_ids(), np.int64))
    if not hasattr(dataset, 'get_data_info'):
        raise TypeError(
            f'IdentitySampler needs a dataset with get_data_info() items '
            f'holding gt_label (and camid); got {type(dataset).__name__}.')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    labels = np.array([int(d['gt_label']) for d in infos], np.int64)
    cams = np.array([int(d.get('camid', 0)) for d in infos], np.int64)
    return labels, cams


@DATA_SAMPLERS.register_module()
class IdentitySampler(Sampler):
    """Sample P identities x K instances, one chunk per identity per epoch.

    Each epoch draws a seeded permutation of all identities and, for each,
    K images: all of an identity's images are used before any repeats, so
    identities with fewer than K images are completed with replacement.
    The stream is the concatenation of these K-image chunks; a dataloader
    with ``batch_size = P * K`` (checked by :func:`check_identity_batch`)
    therefore yields batches of P whole identities, and an epoch covers
    every identity once (``len = K * #identities``, as in the BFE recipe).

    Under DDP all ranks draw the same permutation and chunks; the
    permutation is padded (by wrapping) to a multiple of the world size W,
    and rank r takes identities r, r + W, r + 2W, ... Iteration i of every
    rank then holds disjoint whole identities, and the union over ranks is
    batch i of the single-process stream with batch size W * P * K. The
    batch size is per GPU (per process).

    Every index comes as a :class:`SampledIndex` keyed by ``(seed, epoch,
    position)``, the position in the (all-rank) stream, so data workers
    draw each sample's augmentation from its own stream (see
    :mod:`mmsona.datasets.samplers.sample_key`); the index values are those
    of the plain stream.

    Args:
        dataset (Sized): A dataset whose items carry ``gt_label`` (and
            ``camid`` for ``camera_balanced``); re-ID datasets expose them
            as arrays, so no image is decoded.
        num_instances (int): K. Defaults to 4.
        seed (int, optional): Seed shared by all ranks; if None a random
            seed is drawn and synchronised. The Runner passes its seed.
        camera_balanced (bool): Pick a random anchor per chunk, then take
            the K-1 others from other cameras than the anchor's where
            available. Defaults to False.
        rank (int, optional): This process's rank. Defaults to
            :func:`mmengine.dist.get_dist_info`.
        world_size (int, optional): Number of processes. Defaults to
            :func:`mmengine.dist.get_dist_info`.
    """

    #: The indices carry sample keys (checked by ``RNGStateHook``).
    yields_sample_keys = True

    def __init__(self,
                 dataset: Sized,
                 num_instances: int = 4,
                 seed: Optional[int] = None,
                 camera_balanced: bool = False,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None) -> None:
        if not isinstance(num_instances, int) or num_instances < 1:
            raise ValueError('IdentitySampler: num_instances must be a '
                             f'positive integer, got {num_instances!r}.')
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank={self.rank} is not in '
                             f'[0, world_size={self.world_size}).')
        self.dataset = dataset
        self.num_instances = num_instances
        self.camera_balanced = camera_balanced
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0

        labels, cams = _labels_and_cameras(dataset)
        if labels.size == 0:
            raise ValueError('IdentitySampler got an empty dataset.')
        self._cams = cams
        order = np.argsort(labels, kind='stable')
        ids, starts = np.unique(labels[order], return_index=True)
        self.identities = ids
        self._members: Dict[int, np.ndarray] = {
            int(i): members
            for i, members in zip(ids, np.split(order, starts[1:]))
        }
        num_ids = len(ids)
        self.num_padded_ids = -(-num_ids // self.world_size) * self.world_size

    # ----------------------------------------------------------- drawing
    def _draw(self, rng: np.random.Generator, identity: int) -> np.ndarray:
        """K dataset indices of one identity."""
        members = self._members[identity]
        k = self.num_instances
        if self.camera_balanced:
            anchor = members[rng.integers(len(members))]
            rest = members[members != anchor]
            other_cam = self._cams[rest] != self._cams[anchor]
            pool = np.concatenate([
                rng.permutation(rest[other_cam]),
                rng.permutation(rest[~other_cam])
            ])[:k - 1]
            chunk = np.concatenate([[anchor], pool])
        else:
            chunk = rng.permutation(members)[:k]
        if len(chunk) < k:
            chunk = np.concatenate(
                [chunk,
                 rng.choice(members, k - len(chunk), replace=True)])
        return chunk.astype(np.int64)

    def epoch_chunks(self) -> np.ndarray:
        """All ranks' chunks of the current epoch, in stream order.

        Returns:
            np.ndarray: ``num_padded_ids x K`` dataset indices; row j is the
            j-th identity of the (padded) permutation.
        """
        rng = np.random.default_rng([self.seed, self.epoch])
        perm = rng.permutation(self.identities)
        chunks = [self._draw(rng, int(i)) for i in perm]
        # Padding comes after the real draws, so they do not depend on W.
        for j in range(self.num_padded_ids - len(perm)):
            chunks.append(self._draw(rng, int(perm[j % len(perm)])))
        return np.stack(chunks)

    def __iter__(self) -> Iterator[int]:
        chunks = self.epoch_chunks()
        positions = np.arange(chunks.size).reshape(chunks.shape)
        mine = slice(self.rank, None, self.world_size)
        indices = chunks[mine].reshape(-1).tolist()
        positions = positions[mine].reshape(-1).tolist()
        seed = self.seed & ((1 << 64) - 1)
        return (SampledIndex(index, (seed, self.epoch, position))
                for index, position in zip(indices, positions))

    def __len__(self) -> int:
        return self.num_padded_ids // self.world_size * self.num_instances

    def set_epoch(self, epoch: int) -> None:
        """Use a different stream for every epoch (``DistSamplerSeedHook``).

        Args:
            epoch (int): The epoch.
        """
        self.epoch = epoch
