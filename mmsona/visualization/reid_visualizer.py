"""Rank lists and SONA attention maps drawn with an MMEngine Visualizer."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from mmsona.registry import VISUALIZERS

__all__ = ['ReIDVisualizer']

ArrayLike = Union[np.ndarray, torch.Tensor]


def literal_text(text: str) -> str:
    """Text that Matplotlib draws as it is, never as mathtext.

    MMEngine's ``draw_texts`` draws with Matplotlib, which reads what lies
    between two ``$`` as a formula: a file name such as ``a$\\x$.jpg`` in
    a title would be garbled or make drawing fail. An escaped ``\\$`` is
    drawn as ``$``.

    Args:
        text (str): Any text (file names included).

    Returns:
        str: The text with every ``$`` escaped.
    """
    return str(text).replace('$', r'\$')


@VISUALIZERS.register_module()
class ReIDVisualizer(Visualizer):
    """Visualizer of person re-identification results.

    Images are RGB ``uint8`` arrays (``H x W x 3``), as everywhere in
    MMEngine's visualizers. Two pictures are drawn:

    - a rank list (:meth:`draw_rank_list`): the query, then its top-k
      gallery images with a green border when the identity matches, red
      when it does not and grey for items the Market1501 protocol ignores
      (same identity seen by the query's camera), or a neutral border
      (``'unlabelled'``) when there are no identities, as for a search of
      unlabelled images; the rank and distance are printed under every
      image;
    - an attention map (:meth:`draw_attention`): one row of a SONA block's
      N x N attention, upsampled over the image as a heat map, with the
      query position marked.

    Args:
        name (str): Name of the instance. Defaults to 'visualizer'.
        image (np.ndarray, optional): Image to draw on. Defaults to None.
        vis_backends (list, optional): Visual backend configs, e.g.
            ``[dict(type='LocalVisBackend')]``. Defaults to None.
        save_dir (str, optional): Folder of the backends. Defaults to None.
        fig_save_cfg (dict): Keyword arguments of the saving figure.
        fig_show_cfg (dict): Keyword arguments of the showing figure.
    """

    QUERY_COLOR = (31, 97, 196)
    COLORS = dict(
        correct=(22, 160, 60),
        wrong=(214, 39, 40),
        junk=(150, 150, 150),
        unlabelled=(70, 70, 70))
    TEXT_COLORS = dict(
        correct=(12, 110, 40),
        wrong=(190, 25, 25),
        junk=(110, 110, 110),
        unlabelled=(40, 40, 40))

    def __init__(
        self,
        name: str = 'visualizer',
        image: Optional[np.ndarray] = None,
        vis_backends: Optional[list] = None,
        save_dir: Optional[str] = None,
        fig_save_cfg: dict = dict(frameon=False),
        fig_show_cfg: dict = dict(frameon=False)
    ) -> None:
        super().__init__(
            name=name,
            image=image,
            vis_backends=vis_backends,
            save_dir=save_dir,
            fig_save_cfg=fig_save_cfg,
            fig_show_cfg=fig_show_cfg)

    @staticmethod
    def _thumbnail(image: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """Resize an RGB image into an ``(h, w)`` box, letterboxed."""
        th, tw = size
        if image is None or image.size == 0:
            return np.full((th, tw, 3), 200, np.uint8)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        h, w = image.shape[:2]
        scale = min(th / h, tw / w)
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        resized = cv2.resize(
            image, (nw, nh),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        out = np.full((th, tw, 3), 255, np.uint8)
        y0, x0 = (th - nh) // 2, (tw - nw) // 2
        out[y0:y0 + nh, x0:x0 + nw] = resized
        return out

    @master_only
    def draw_rank_list(self,
                       query: np.ndarray,
                       gallery: Sequence[np.ndarray],
                       distances: Sequence[float],
                       kinds: Sequence[str],
                       ranks: Optional[Sequence[Optional[int]]] = None,
                       query_text: str = '',
                       gallery_texts: Optional[Sequence[str]] = None,
                       title: Optional[str] = None,
                       thumb_size: Tuple[int, int] = (160, 80),
                       border: int = 4) -> np.ndarray:
        """Draw a query and its ranked gallery images in one row.

        Args:
            query (np.ndarray): The query image, RGB.
            gallery (Sequence[np.ndarray]): Gallery images in rank order.
            distances (Sequence[float]): Query-to-gallery distances.
            kinds (Sequence[str]): ``'correct'``, ``'wrong'``, ``'junk'``
                (ignored by the protocol) or ``'unlabelled'`` (no identity
                known) for every gallery image.
            ranks (Sequence[int | None], optional): Rank printed for every
                gallery image (None prints none, e.g. for junk). Defaults to
                1, 2, ... over the non-junk images.
            query_text (str): Line under the query (e.g. ``'id 12 cam 3'``).
            gallery_texts (Sequence[str], optional): Second line under every
                gallery image.
            title (str, optional): Text above the row.
            thumb_size (tuple[int, int]): ``(h, w)`` of every thumbnail.
                Defaults to (160, 80).
            border (int): Border width in pixels. Defaults to 4.

        Returns:
            np.ndarray: The drawn RGB image.
        """
        n = len(gallery)
        if not len(distances) == len(kinds) == n:
            raise ValueError(
                f'draw_rank_list got {n} gallery images, {len(distances)} '
                f'distances and {len(kinds)} kinds; they must match.')
        for kind in kinds:
            if kind not in self.COLORS:
                raise ValueError(f'Unknown rank-list kind {kind!r}; use one '
                                 f'of {sorted(self.COLORS)}.')
        if ranks is None:
            ranks, r = [], 0
            for kind in kinds:
                r += kind != 'junk'
                ranks.append(None if kind == 'junk' else r)
        if gallery_texts is None:
            gallery_texts = [''] * n

        th, tw = thumb_size
        pad, gap = 10, 26
        head = 30 if title else 8
        foot = 56 if 'junk' in kinds else 40
        cell = tw + 2 * border
        width = pad * 2 + cell + gap + n * cell + max(n - 1, 0) * 6
        height = head + th + 2 * border + foot
        canvas = np.full((height, width, 3), 255, np.uint8)

        def paste(img: np.ndarray, x: int, color: tuple) -> None:
            y = head
            canvas[y:y + th + 2 * border, x:x + cell] = color
            canvas[y + border:y + border + th, x + border:x + border +
                   tw] = self._thumbnail(img, thumb_size)

        xs = [pad]
        paste(query, pad, self.QUERY_COLOR)
        x = pad + cell + gap
        for img, kind in zip(gallery, kinds):
            paste(img, x, self.COLORS[kind])
            xs.append(x)
            x += cell + 6
        # A thin separator between the query and the gallery.
        sep = pad + cell + gap // 2
        canvas[head:head + th + 2 * border, sep - 1:sep + 1] = 190

        self.set_image(canvas)
        font = 9 if tw >= 72 else 7
        text_y = head + th + 2 * border + 3
        texts, positions, colors = [], [], []
        texts += ['query', query_text]
        positions += [(xs[0] + cell / 2, text_y),
                      (xs[0] + cell / 2, text_y + 16)]
        colors += [self.QUERY_COLOR, (60, 60, 60)]
        for i in range(n):
            kind = kinds[i]
            rank = ranks[i]
            dist = self._format_distance(distances[i])
            first = f'#{rank}  d={dist}' if rank is not None \
                else f'd={dist}'
            texts += [first, gallery_texts[i]]
            cx = xs[i + 1] + cell / 2
            positions += [(cx, text_y), (cx, text_y + 16)]
            colors += [self.TEXT_COLORS[kind], (60, 60, 60)]
            if kind == 'junk':
                texts.append('same cam')
                positions.append((cx, text_y + 32))
                colors.append(self.TEXT_COLORS[kind])
        keep = [i for i, t in enumerate(texts) if t]
        self.draw_texts(
            [literal_text(texts[i]) for i in keep],
            np.array([positions[i] for i in keep], dtype=float),
            font_sizes=font,
            colors=[tuple(c / 255 for c in colors[i]) for i in keep],
            horizontal_alignments='center',
            vertical_alignments='top',
            font_families='DejaVu Sans')
        if title:
            self.draw_texts(
                literal_text(title),
                np.array([[pad, 8]], dtype=float),
                font_sizes=10,
                colors=(0.15, 0.15, 0.15),
                vertical_alignments='top',
                font_families='DejaVu Sans')
        return self.get_image()

    @staticmethod
    def _format_distance(value: float) -> str:
        """Three significant decimals for small distances, fewer for large."""
        value = float(value)
        if abs(value) < 10:
            return f'{value:.3f}'
        if abs(value) < 1000:
            return f'{value:.1f}'
        return f'{value:.3g}'

    @staticmethod
    def attention_heatmap(attention: ArrayLike,
                          size: Tuple[int, int]) -> np.ndarray:
        """Upsample an attention map to an image size, scaled to [0, 1].

        Args:
            attention (np.ndarray | Tensor): ``h x w`` attention weights.
            size (tuple[int, int]): ``(H, W)`` of the image.

        Returns:
            np.ndarray: ``H x W`` float32 map, min-max scaled to [0, 1].
        """
        if isinstance(attention, torch.Tensor):
            attention = attention.detach().float().cpu().numpy()
        attention = np.asarray(attention, dtype=np.float32)
        if attention.ndim != 2:
            raise ValueError('attention must be an h x w map, got shape '
                             f'{attention.shape}.')
        heat = cv2.resize(
            attention, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
        lo, hi = float(heat.min()), float(heat.max())
        if hi - lo < 1e-12:
            return np.zeros_like(heat)
        return np.clip((heat - lo) / (hi - lo), 0, 1)

    @master_only
    def draw_attention(self,
                       image: np.ndarray,
                       attention: ArrayLike,
                       position: Optional[Tuple[float, float]] = None,
                       alpha: float = 0.5,
                       colormap: int = cv2.COLORMAP_JET,
                       scale: float = 1.0,
                       side_by_side: bool = False) -> np.ndarray:
        """Overlay an attention map on an image and mark the query position.

        Args:
            image (np.ndarray): RGB image, ``H x W x 3``.
            attention (np.ndarray | Tensor): ``h x w`` attention of the query
                position on every position of the feature map (one row of
                the SONA map, reshaped).
            position (tuple[float, float], optional): ``(x, y)`` of the query
                position in image pixels; marked with a ring. Defaults to
                None (no mark).
            alpha (float): Weight of the heat map in the blend. Defaults to
                0.5.
            colormap (int): OpenCV colour map. Defaults to JET.
            scale (float): Enlarge the picture by this factor (the default
                1.0 keeps the size of ``image``).
            side_by_side (bool): Put the plain image left of the overlay.
                Defaults to False.

        Returns:
            np.ndarray: RGB image of the size of ``image`` times ``scale``
            (twice as wide with ``side_by_side``).
        """
        image = np.ascontiguousarray(image, dtype=np.uint8)
        if scale != 1.0:
            size = (max(1, round(image.shape[1] * scale)),
                    max(1, round(image.shape[0] * scale)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
            if position is not None:
                position = (position[0] * scale, position[1] * scale)
        h, w = image.shape[:2]
        heat = self.attention_heatmap(attention, (h, w))
        colored = cv2.applyColorMap(
            np.round(heat * 255).astype(np.uint8), colormap)[..., ::-1]
        out = cv2.addWeighted(
            image.astype(np.uint8), 1 - alpha, colored, alpha, 0)
        if position is not None:
            out = np.ascontiguousarray(out)
            x, y = int(round(position[0])), int(round(position[1]))
            radius = max(3, round(min(h, w) / 16))
            thick = max(1, radius // 3)
            cv2.circle(out, (x, y), radius + thick, (255, 255, 255), thick + 1,
                       cv2.LINE_AA)
            cv2.circle(out, (x, y), radius, (0, 0, 0), thick, cv2.LINE_AA)
            cv2.circle(out, (x, y), max(1, thick), (255, 255, 255), -1,
                       cv2.LINE_AA)
        if side_by_side:
            out = np.concatenate([image, out], axis=1)
        self.set_image(out)
        return out

    @master_only
    def visualize_rank_list(self,
                            query: np.ndarray,
                            gallery: Sequence[np.ndarray],
                            distances: Sequence[float],
                            kinds: Sequence[str],
                            name: str = 'rank_list',
                            step: int = 0,
                            out_file: Optional[str] = None,
                            add_to_backends: bool = True,
                            show: bool = False,
                            wait_time: float = 0,
                            **kwargs) -> np.ndarray:
        """Draw a rank list, then save, record and/or show it.

        Args:
            query, gallery, distances, kinds: See :meth:`draw_rank_list`.
            name (str): Image name for the backends. Defaults to
                'rank_list'.
            step (int): Global step for the backends. Defaults to 0.
            out_file (str, optional): Write the picture to this PNG/JPG.
            add_to_backends (bool): Record it in the visual backends
                (TensorBoard ...). Defaults to True.
            show (bool): Show it in a window. Defaults to False.
            wait_time (float): Seconds to show it. Defaults to 0.
            **kwargs: Other arguments of :meth:`draw_rank_list`.

        Returns:
            np.ndarray: The drawn RGB image.
        """
        drawn = self.draw_rank_list(query, gallery, distances, kinds, **kwargs)
        self._output(drawn, name, step, out_file, add_to_backends, show,
                     wait_time)
        return drawn

    @master_only
    def visualize_attention(self,
                            image: np.ndarray,
                            attention: ArrayLike,
                            position: Optional[Tuple[float, float]] = None,
                            name: str = 'attention',
                            step: int = 0,
                            out_file: Optional[str] = None,
                            add_to_backends: bool = True,
                            show: bool = False,
                            wait_time: float = 0,
                            **kwargs) -> np.ndarray:
        """Draw an attention map, then save, record and/or show it.

        Args:
            image, attention, position: See :meth:`draw_attention`.
            name (str): Image name for the backends. Defaults to
                'attention'.
            step (int): Global step for the backends. Defaults to 0.
            out_file (str, optional): Write the picture to this PNG/JPG.
            add_to_backends (bool): Record it in the visual backends.
                Defaults to True.
            show (bool): Show it in a window. Defaults to False.
            wait_time (float): Seconds to show it. Defaults to 0.
            **kwargs: Other arguments of :meth:`draw_attention`.

        Returns:
            np.ndarray: The drawn RGB image, of the size of ``image``.
        """
        drawn = self.draw_attention(image, attention, position, **kwargs)
        self._output(drawn, name, step, out_file, add_to_backends, show,
                     wait_time)
        return drawn

    def _output(self, drawn: np.ndarray, name: str, step: int,
                out_file: Optional[str], add_to_backends: bool, show: bool,
                wait_time: float) -> None:
        """Write, record and show a drawn picture."""
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        if add_to_backends:
            self.add_image(name, drawn, step=step)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
