"""Classic CUHK03 single-gallery-shot CMC (repeated random sampling)."""
import numpy as np
import torch

from .gallery_index import GalleryIndex

__all__ = ['SingleShotCMC']


class SingleShotCMC:
    """Accumulate the single-gallery-shot CMC of the classic CUHK03 protocol.

    In each of ``num_repeats`` trials the gallery is reduced to one image
    per identity and the rank of the query's match in it is recorded; the
    CMC is averaged over trials and valid queries. The sampling is fixed by
    ``seed`` and does not depend on how queries are chunked:

    - ``rng = np.random.default_rng(seed)``, then
      ``group_u = rng.random((num_repeats, num_groups))`` and
      ``query_u = rng.random((num_repeats, num_query))``;
    - in trial ``t`` every gallery identity ``k`` (sorted pids, junk
      excluded, distractor id 0 being one identity) is represented by its
      item ``floor(group_u[t, k] * size_k)`` in ascending gallery index
      order; these items are shared by all queries;
    - a query's own identity is represented instead by its valid match
      number ``floor(query_u[t, q] * num_pos_q)`` (ascending gallery index).

    Ties are broken by gallery index, as everywhere in this package.

    Args:
        gallery (GalleryIndex): The gallery ids.
        num_query (int): Total number of queries.
        max_rank (int): Length of the CMC curve.
        num_repeats (int): Number of sampling trials. Defaults to 10.
        seed (int): Seed of the sampling. Defaults to 0.
    """

    def __init__(self,
                 gallery: GalleryIndex,
                 num_query: int,
                 max_rank: int,
                 num_repeats: int = 10,
                 seed: int = 0) -> None:
        if num_repeats < 1:
            raise ValueError(f'num_repeats must be >= 1, got {num_repeats}.')
        self.gallery = gallery
        self.max_rank = max_rank
        self.num_repeats = num_repeats
        device = gallery.pids.device
        rng = np.random.default_rng(seed)
        group_u = torch.from_numpy(
            rng.random((num_repeats, gallery.num_groups))).to(device)
        self.query_u = torch.from_numpy(rng.random(
            (num_repeats, num_query))).to(device)
        offset = (group_u * gallery.group_sizes).long()
        #: ``(num_repeats, num_groups)`` gallery indices of each trial.
        self.samples = gallery.order[gallery.group_starts + offset]
        self.hits = torch.zeros(max_rank, dtype=torch.long, device=device)

    def update(self, dist: torch.Tensor, q_pids: torch.Tensor,
               q_camids: torch.Tensor, start: int) -> None:
        """Add a block of queries.

        Args:
            dist (torch.Tensor): ``(B, G)`` distances of the block.
            q_pids (torch.Tensor): ``(B,)`` query pids.
            q_camids (torch.Tensor): ``(B,)`` query camera ids.
            start (int): Index of the block's first query.
        """
        gallery = self.gallery
        gidx, in_group = gallery.lookup(q_pids)
        positive = in_group & (gallery.camids[gidx] != q_camids.unsqueeze(1))
        num_pos = positive.sum(1)
        valid = num_pos > 0
        if not bool(valid.any()):
            return
        dist, gidx, positive = dist[valid], gidx[valid], positive[valid]
        q_pids, num_pos = q_pids[valid], num_pos[valid]
        query_u = self.query_u[:, start:start + valid.numel()][:, valid]
        # Ordinal (1-based) of each positive among its row's positives.
        ordinal = positive.long().cumsum(1).masked_fill(~positive, 0)
        other = self.gallery.group_pids.unsqueeze(0) != q_pids.unsqueeze(1)
        for trial in range(self.num_repeats):
            pick = (query_u[trial] * num_pos).long() + 1
            col = (ordinal == pick.unsqueeze(1)).long().argmax(1)
            pos_g = gidx.gather(1, col.unsqueeze(1))
            pos_d = dist.gather(1, pos_g)
            sample = self.samples[trial].unsqueeze(0)
            sample_d = dist[:, self.samples[trial]]
            ahead = (sample_d < pos_d) | ((sample_d == pos_d) &
                                          (sample < pos_g))
            rank = (ahead & other).sum(1)
            rank = rank[rank < self.max_rank]
            self.hits += torch.bincount(rank, minlength=self.max_rank)

    def cmc(self, num_valid: int) -> np.ndarray:
        """The averaged CMC curve.

        Args:
            num_valid (int): Number of valid queries.

        Returns:
            np.ndarray: ``(max_rank,)`` float64 fractions.
        """
        hits = self.hits.cpu().double().numpy()
        return np.cumsum(hits) / (self.num_repeats * max(num_valid, 1))
