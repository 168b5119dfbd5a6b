"""Check the P x K batch layout before training starts."""
from mmengine.dist import get_world_size
from mmengine.hooks import Hook

from mmsona.registry import HOOKS

__all__ = ['IdentityBatchCheckHook']


def _check_enough_identities(num_ids: int, batch_size: int, num_instances: int,
                             world_size: int) -> None:
    """Raise a ValueError when a GPU's share of the identities cannot fill
    one batch of P identities."""
    per_batch = batch_size // num_instances
    per_gpu = -(-num_ids // world_size)
    if per_gpu >= per_batch:
        return
    share = f' ({per_gpu} per GPU over {world_size} processes)' \
        if world_size > 1 else ''
    raise ValueError(
        f'The training set has {num_ids} identities{share}, but '
        f'train_dataloader.batch_size={batch_size} with '
        f'num_instances={num_instances} needs P={per_batch} identities per '
        'batch: an epoch would hold no full batch. Set batch_size to at '
        f'most {per_gpu * num_instances} (it is per GPU), lower '
        'num_instances, or train on more identities.')


@HOOKS.register_module()
class IdentityBatchCheckHook(Hook):
    """Fail early when the training batch does not hold whole identities.

    With an identity (P x K) sampler, ``train_dataloader.batch_size`` (per
    GPU) must be a multiple of the sampler's ``num_instances``, or batches
    would split identities and the triplet loss would see too few
    positives. The training set must also hold at least P identities per
    GPU, or an epoch would have no full batch (none at all with
    ``drop_last=True``). The checks run before the first iteration and
    raise a ``ValueError`` naming the numbers and the fix. Samplers without
    ``num_instances`` are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        # Imported here: mmsona.engine does not import mmsona.datasets.
        from mmsona.datasets.samplers.identity_sampler import \
            check_identity_batch
        loader = runner.train_dataloader
        sampler = getattr(loader, 'sampler', None)
        num_instances = getattr(sampler, 'num_instances', None)
        if num_instances is None:
            return
        batch_size = loader.batch_size
        if batch_size is None and loader.batch_sampler is not None:
            batch_size = getattr(loader.batch_sampler, 'batch_size', None)
        if batch_size is None:
            return
        world_size = get_world_size()
        check_identity_batch(int(batch_size), int(num_instances), world_size)
        identities = getattr(sampler, 'identities', None)
        if identities is not None:
            _check_enough_identities(
                len(identities), int(batch_size), int(num_instances),
                world_size)
