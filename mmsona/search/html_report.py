"""A self-contained ``index.html`` of search results.

The page needs nothing but the files written beside it: small JPEG
thumbnails in ``thumbs/`` (referenced by relative paths made of safe
characters) and the rank-list pictures. Every path and text of any origin
is HTML-escaped (:func:`mmsona.utils.markup.html_text`), so a file named
``<img src=x onerror=alert(1)>.jpg`` shows as that text.
"""
import hashlib
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import mmcv
import numpy as np

from mmsona.utils.markup import html_text
from .image_loader import ImageLoader
from .rank_pictures import read_query_image
from .results import QueryResult

__all__ = ['write_html_report']

THUMB_DIR = 'thumbs'
THUMB_HEIGHT = 128

_STYLE = '''
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
p.info { color: #555; }
section.query { border-top: 1px solid #ccc; padding: 0.8em 0; }
section.query h2 { font-size: 1em; word-break: break-all; }
div.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
figure { margin: 0; width: 120px; font-size: 0.75em; text-align: center; }
figure img { height: 128px; max-width: 120px; object-fit: contain;
             background: #eee; border: 3px solid #464646; }
figure.query-image img { border-color: #1f61c4; }
figcaption { word-break: break-all; }
ol.matches { display: contents; list-style: none; }
ol.matches li { display: block; }
'''


def _thumbnail(image: Optional[np.ndarray]) -> np.ndarray:
    """A BGR thumbnail ``THUMB_HEIGHT`` pixels high (grey when None)."""
    if image is None:
        return np.full((THUMB_HEIGHT, THUMB_HEIGHT // 2, 3), 200, np.uint8)
    h, w = image.shape[:2]
    width = max(1, round(w * THUMB_HEIGHT / h))
    return cv2.resize(
        image, (width, THUMB_HEIGHT),
        interpolation=cv2.INTER_AREA if h > THUMB_HEIGHT else cv2.INTER_CUBIC)


def _gallery_thumb_name(rel_path: str) -> str:
    """Thumbnail name of a gallery image (safe characters only)."""
    digest = hashlib.sha1(rel_path.encode('utf-8')).hexdigest()[:16]
    return f'{THUMB_DIR}/g_{digest}.jpg'


def _figure(src: str, caption_lines: Sequence[str], cls: str = '') -> str:
    """A ``<figure>`` with an image and escaped caption lines."""
    attr = f' class="{cls}"' if cls else ''
    caption = '<br>'.join(html_text(line) for line in caption_lines)
    alt = html_text(caption_lines[-1] if caption_lines else '')
    return (f'<figure{attr}><img src="{html_text(src)}" alt="{alt}" '
            f'loading="lazy"><figcaption>{caption}</figcaption></figure>')


def write_html_report(results: Sequence[QueryResult],
                      gallery_dir: str,
                      out_dir: str,
                      loader: Optional[ImageLoader] = None,
                      pictures: Optional[Sequence[Optional[str]]] = None,
                      info: Optional[dict] = None,
                      file_name: str = 'index.html') -> str:
    """Write the thumbnails and the page.

    Args:
        results (Sequence[QueryResult]): The results.
        gallery_dir (str): The gallery folder.
        out_dir (str): Folder of the page and ``thumbs/`` (created).
        loader (ImageLoader, optional): Image decoder. Defaults to MMCV's.
        pictures (Sequence[str | None], optional): Rank-list picture of
            every query, relative to ``out_dir``; linked from the page.
        info (dict, optional): Settings listed at the top of the page.
        file_name (str): Name of the page. Defaults to 'index.html'.

    Returns:
        str: Path of the page.
    """
    loader = loader or ImageLoader()
    os.makedirs(osp.join(out_dir, THUMB_DIR), exist_ok=True)
    written = set()

    def save(name: str, image: Optional[np.ndarray]) -> None:
        if name not in written:
            mmcv.imwrite(_thumbnail(image), osp.join(out_dir, name))
            written.add(name)

    sections: List[str] = []
    for i, result in enumerate(results):
        q_name = f'{THUMB_DIR}/q{i:05d}.jpg'
        save(q_name, read_query_image(loader, result))
        figures = []
        for m in result.matches:
            name = _gallery_thumb_name(m.path)
            if name not in written:
                save(name, loader.try_load(osp.join(gallery_dir, m.path))[0])
            figures.append(
                '<li>' +
                _figure(name, [f'#{m.rank}  d={m.distance:.4f}', m.path]) +
                '</li>')
        link = ''
        if pictures is not None and pictures[i]:
            link = (f' <a class="picture" href="{html_text(pictures[i])}">'
                    'rank-list picture</a>')
        sections.append(
            f'<section class="query" id="q{i}">\n'
            f'<h2>Query {i + 1}: {html_text(result.query.label)}{link}</h2>\n'
            '<div class="row">' +
            _figure(q_name, ['query', result.query.label], 'query-image') +
            f'\n<ol class="matches">{"".join(figures)}</ol></div>\n'
            '</section>')
    details = ', '.join(f'{html_text(k)}: {html_text(v)}'
                        for k, v in (info or {}).items())
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">'
            '\n<title>mmsona search results</title>\n'
            f'<style>{_STYLE}</style>\n</head>\n<body>\n'
            '<h1>mmsona search results</h1>\n'
            f'<p class="info">{details}</p>\n' + '\n'.join(sections) +
            '\n</body>\n</html>\n')
    path = osp.join(out_dir, file_name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(page)
    return path
