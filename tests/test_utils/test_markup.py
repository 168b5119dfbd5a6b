"""Any file name appears as text in the HTML, Markdown and pictures written."""
import html
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import torch
from tool_helpers import load_tool  # noqa: I100

from mmsona.utils.markup import (html_text, markdown_code, markdown_text,
                                 safe_stem)

NASTY = [
    '<img src=x onerror=alert(1)>', 'say "hi" & \'bye\'', 'a|b`c``d', '`x`',
    'x$\\alpha$_*y*_[z](http://e)', 'two\nlines'
]


def _render(markdown: str) -> str:
    markdown_it = pytest.importorskip('markdown_it')
    return markdown_it.MarkdownIt('commonmark').enable(
        ['table', 'strikethrough']).render(markdown)


@pytest.mark.parametrize('name', NASTY)
def test_html_text_is_inert_and_exact(name):
    escaped = html_text(name + '.jpg')
    assert not set('<>"\'') & set(escaped)
    assert html.unescape(escaped) == name + '.jpg'


@pytest.mark.parametrize('name', NASTY)
def test_markdown_escapes_render_as_the_text(name):
    flat = ' '.join(name.splitlines())
    for cell, tag in ((markdown_code(name), 'code'), (markdown_text(name),
                                                      'td')):
        page = _render(f'| file | n |\n|---|---|\n| {cell} | 1 |\n')
        assert '<img' not in page and '<a ' not in page and '<em>' not in page
        body = page.split('<tbody>')[1]
        cells = body.split('<td>')[1:]
        assert len(cells) == 2, page  # no pipe split the row
        text = cells[0].split('</td>')[0]
        if tag == 'code':
            assert text.startswith('<code>'), page
            text = text[len('<code>'):-len('</code>')]
        assert html.unescape(text).strip() == flat.strip(), page


def test_safe_stem():
    assert safe_stem('<img src=x onerror=alert(1)>') == \
        '_img_src_x_onerror_alert_1__'
    assert safe_stem('0001_c1s1_001051_00') == '0001_c1s1_001051_00'
    assert safe_stem('..hidden') == 'hidden' and safe_stem('') == '_'


def test_ablation_summary_table_escapes_config_names():
    ablation = load_tool('analysis_tools', 'ablation.py')
    row = {'config': '<img src=x onerror=alert(1)>|`q`', 'seeds': 1}
    for key in ablation.METRICS + ('wall_s', ):
        row[f'{key}_mean'], row[f'{key}_std'] = 50.0, 1.0
    table = ablation.markdown_table([row], 'base&"line"')
    page = _render(table)
    assert '<img' not in page
    assert html.unescape(page).count('<img src=x onerror=alert(1)>|`q`') == 1
    assert 'base&amp;&quot;line&quot;' in page or 'base&amp;"line"' in page


def test_rank_list_with_any_file_name(tmp_path):
    """Mathtext, markup or quotes in names neither break nor leak."""
    from mmsona.visualization import ReIDVisualizer, write_rank_lists
    rng = np.random.default_rng(0)
    names = ['<img src=x onerror=alert(1)>&"\'.jpg', 'a$\\foo$b.jpg']
    paths = []
    for name in names + ['g1.jpg', 'g2.jpg']:
        path = str(tmp_path / name)
        cv2.imwrite(path, rng.integers(0, 255, (32, 16, 3), dtype=np.uint8))
        paths.append(path)
    written = write_rank_lists(
        ReIDVisualizer(name=f'names_{uuid.uuid4().hex[:6]}'),
        torch.zeros(2, 2),
        torch.tensor([[0.1, 0.0], [0.2, 0.0]]), [1, 2], [1, 2], [0, 0], [1, 1],
        paths[:2],
        paths[2:],
        str(tmp_path / 'out'), [0, 1],
        add_to_backends=False)
    assert [osp.basename(p) for p in written] == [
        'rank_q00000__img_src_x_onerror_alert_1_____.png',
        'rank_q00001_a__foo_b.png'
    ]
    assert all(cv2.imread(p) is not None for p in written)
