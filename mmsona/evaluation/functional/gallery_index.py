"""Gallery identities grouped for fast per-query look-ups."""
from typing import Tuple

import torch

__all__ = ['GalleryIndex']

JUNK_PID = -1


class GalleryIndex:
    """Gallery items grouped by identity.

    Every query only needs to know the gallery items of its own identity
    (its positives, and the same-camera items the Market protocol ignores)
    and the junk items (pid ``-1``), which are ignored for every query. This
    index finds them without touching the other ``G`` items, so the cost of
    a look-up is the size of the query's identity group.

    Args:
        pids (torch.Tensor): Gallery person ids, ``(G,)`` integers.
        camids (torch.Tensor): Gallery camera ids, ``(G,)`` integers.
    """

    def __init__(self, pids: torch.Tensor, camids: torch.Tensor) -> None:
        self.pids = pids.long()
        self.camids = camids.long()
        self.num_items = int(pids.numel())
        self.junk = torch.nonzero(self.pids == JUNK_PID).squeeze(1)
        order = torch.sort(self.pids, stable=True).indices
        order = order[self.pids[order] != JUNK_PID]
        #: Gallery indices grouped by pid, ascending inside each group.
        self.order = order
        self.group_pids, self.group_sizes = torch.unique_consecutive(
            self.pids[order], return_counts=True)
        self.group_starts = self.group_sizes.cumsum(0) - self.group_sizes

    @property
    def num_groups(self) -> int:
        """int: Number of identities (distractor id 0 included)."""
        return int(self.group_pids.numel())

    def lookup(self,
               query_pids: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Gallery items sharing each query's identity.

        A query with pid ``-1`` (junk) has no group.

        Args:
            query_pids (torch.Tensor): ``(B,)`` query person ids.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(gidx, valid)``, both
            ``(B, N)`` with ``N`` the largest group among the queries:
            gallery indices in ascending order (padding is index 0) and the
            mask of real entries.
        """
        query_pids = query_pids.long()
        num = query_pids.numel()
        device = query_pids.device
        if self.num_groups == 0:
            empty = torch.zeros((num, 0), dtype=torch.long, device=device)
            return empty, empty.bool()
        slot = torch.searchsorted(self.group_pids, query_pids)
        slot = slot.clamp_(max=self.num_groups - 1)
        found = (self.group_pids[slot] == query_pids) \
            & (query_pids != JUNK_PID)
        sizes = torch.where(found, self.group_sizes[slot],
                            torch.zeros_like(slot))
        width = int(sizes.max()) if num > 0 else 0
        offsets = torch.arange(width, device=device)
        valid = offsets.unsqueeze(0) < sizes.unsqueeze(1)
        pos = (self.group_starts[slot].unsqueeze(1) +
               offsets).masked_fill(~valid, 0)
        gidx = self.order[pos].masked_fill(~valid, 0) if width else pos
        return gidx, valid
