"""Check the P x K batch layout before training starts."""
from mmengine.dist import get_world_size
from mmengine.hooks import Hook

from mmsona.registry import HOOKS

__all__ = ['IdentityBatchCheckHook']


def _check(batch_size: int, num_instances: int, world_size: int) -> None:
    """Raise a ValueError when a batch cannot hold whole identities."""
    try:
        from mmsona.datasets.samplers.identity_sampler import \
            check_identity_batch
    except ImportError:
        check_identity_batch = None
    if check_identity_batch is not None:
        check_identity_batch(batch_size, num_instances, world_size)
        return
    if batch_size % num_instances:
        raise ValueError(
            f'train_dataloader.batch_size={batch_size} (per GPU) is not a '
            f'multiple of the sampler num_instances={num_instances}: each '
            'batch must hold whole identities (P x K). Set batch_size to a '
            f'multiple of {num_instances}.')


@HOOKS.register_module()
class IdentityBatchCheckHook(Hook):
    """Fail early when the training batch does not hold whole identities.

    With an identity (P x K) sampler, ``train_dataloader.batch_size`` (per
    GPU) must be a multiple of the sampler's ``num_instances``, or batches
    would split identities and the triplet loss would see too few
    positives. The check runs before the first iteration and raises a
    ``ValueError`` naming both numbers and the fix. Samplers without
    ``num_instances`` are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
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
        _check(int(batch_size), int(num_instances), get_world_size())
