"""tools/search.py end to end on the tiny model and a folder of odd names."""
import csv
import glob
import html.parser
import json
import os
import os.path as osp
import re
import shutil
import sys

import pytest
import torch
from tool_helpers import load_tool, make_tiny_checkpoint  # noqa: I100

EVIL = '<img src=x onerror=alert(1)>&"q".jpg'


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_synthetic_root):
    """Tiny checkpoint and a gallery tree with arbitrary names."""
    root = tmp_path_factory.mktemp('search')
    config, ckpt, data_root = make_tiny_checkpoint(
        str(root), tiny_synthetic_root)
    images = sorted(
        glob.glob(osp.join(data_root, 'bounding_box_test', '*.jpg')))[:14]
    gallery = root / 'gallery'
    names = ([f'cam a/{i:02d} frame.jpg'
              for i in range(5)] + [f'sub/deeper/ü{i}.JPG' for i in range(5)] +
             ['top.png', 'x$y$.jpg', 'wei rd/' + EVIL, 'last.jpeg'])
    for src, name in zip(images, names):
        (gallery / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, gallery / name)
    (gallery / 'corrupt.jpg').write_bytes(b'\xff\xd8\xff not a jpeg')
    (gallery / 'notes.txt').write_text('not an image')
    return dict(
        root=root,
        config=config,
        ckpt=ckpt,
        gallery=gallery,
        names=sorted(names),
        data_root=data_root)


def run(args, capsys):
    """Run tools/search.py in-process; returns (status, stdout, stderr)."""
    status = load_tool('search.py').main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def embedded(stdout):
    """The count of the 'Embedded N ...' line."""
    found = re.findall(r'Embedded (\d+) new or changed', stdout)
    assert len(found) == 1, stdout
    return int(found[0])


class PageParser(html.parser.HTMLParser):
    """Sections, images, links and text of index.html."""

    def __init__(self):
        super().__init__()
        self.sections, self.srcs, self.hrefs, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'section':
            self.sections.append([])
        elif tag == 'img':
            self.srcs.append(attrs['src'])
        elif tag == 'a':
            self.hrefs.append(attrs['href'])
        elif tag == 'li' and self.sections:
            self.sections[-1].append('li')

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.slow
def test_search_writes_results_pictures_and_page(setup, tmp_path, capsys):
    gallery, out = setup['gallery'], tmp_path / 'out'
    copy = tmp_path / 'copy of top.png'
    shutil.copyfile(gallery / 'top.png', copy)
    frame = gallery / 'sub/deeper/ü2.JPG'
    base = [
        setup['config'], setup['ckpt'], '--gallery', gallery, '--out', out,
        '--topk', 4, '--device', 'cpu'
    ]
    queries = [
        '--query', copy, f'{frame}:2,4,40,100', gallery / 'wei rd' / EVIL
    ]
    status, stdout, stderr = run(base + queries, capsys)
    assert status == 0, stderr
    assert embedded(stdout) == len(setup['names'])
    warnings = [line for line in stderr.splitlines() if 'warning' in line]
    assert len(warnings) == 1 and "'corrupt.jpg'" in warnings[0]

    result = json.loads((out / 'results.json').read_text(encoding='utf-8'))
    assert result['info']['gallery_images'] == len(setup['names'])
    entries = result['queries']
    assert [q['box'] for q in entries] == [None, [2, 4, 40, 100], None]
    assert all(len(q['matches']) == 4 for q in entries)
    # A copy of a gallery image finds that image first (and itself).
    assert entries[0]['matches'][0]['path'] == 'top.png'
    assert entries[0]['matches'][0]['distance'] < 1e-4
    assert entries[2]['matches'][0]['path'] == 'wei rd/' + EVIL
    assert {m['path']
            for q in entries
            for m in q['matches']} <= set(setup['names'])
    with open(out / 'results.csv', encoding='utf-8', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12
    assert rows[0]['gallery_path'] == 'top.png' and rows[0]['rank'] == '1'
    for q in entries:
        assert (out / q['picture']).is_file()
    assert len(os.listdir(out / 'rank_lists')) == 3

    page = (out / 'index.html').read_text(encoding='utf-8')
    parser = PageParser()
    parser.feed(page)
    assert [len(s) for s in parser.sections] == [4, 4, 4]
    assert len(parser.srcs) == 3 * 5
    for ref in parser.srcs + parser.hrefs:
        assert not osp.isabs(ref) and '..' not in ref
        assert (out / ref).is_file(), ref
    # File names are text, never markup.
    assert '<img src=x' not in page and 'onerror=alert(1)&gt;' in page
    assert any(EVIL in t for t in parser.text)

    # Rerun: nothing embedded. One file changed: exactly one embedded.
    status, stdout, _ = run(base + queries, capsys)
    assert status == 0 and embedded(stdout) == 0
    target = gallery / 'cam a' / '01 frame.jpg'
    shutil.copyfile(gallery / 'last.jpeg', target)
    stat = os.stat(target)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    status, stdout, _ = run(base + ['--query', copy], capsys)
    assert status == 0 and embedded(stdout) == 1


@pytest.mark.slow
def test_cache_of_another_checkpoint_is_refused(setup, tmp_path, capsys):
    out = tmp_path / 'out'
    query = setup['gallery'] / 'top.png'
    args = [
        '--gallery', setup['gallery'], '--query', query, '--out', out,
        '--topk', 2, '--no-pictures', '--device', 'cpu'
    ]
    assert run([setup['config'], setup['ckpt']] + args, capsys)[0] == 0
    other = tmp_path / 'other.pth'
    state = torch.load(setup['ckpt'], weights_only=True)
    first = next(iter(state['state_dict']))
    state['state_dict'][first] = state['state_dict'][first] + 0.1
    torch.save(state, other)
    status, stdout, stderr = run([setup['config'], other] + args, capsys)
    assert status == 2
    assert stderr.count('\n') == 1 and 'another model' in stderr
    assert '--rebuild-cache' in stderr
    status, stdout, _ = run([setup['config'], other] + args +
                            ['--rebuild-cache'], capsys)
    assert status == 0 and embedded(stdout) == len(setup['names'])


def test_one_clear_line_for_each_user_error(setup, tmp_path, capsys):
    empty = tmp_path / 'empty'
    (empty / 'sub').mkdir(parents=True)
    (empty / 'sub' / 'broken.png').write_bytes(b'junk')
    query = setup['gallery'] / 'top.png'
    base = [
        setup['config'], setup['ckpt'], '--out', tmp_path / 'out', '--device',
        'cpu'
    ]
    cases = [
        (['--gallery', empty, '--query', query], 'no readable image'),
        (['--gallery', setup['gallery'], '--query',
          tmp_path / 'nope.jpg'], 'does not exist'),
        (['--gallery', tmp_path / 'missing', '--query',
          query], 'is not a folder'),
        (['--gallery', setup['gallery'], '--query',
          f'{query}:0,0,9999,9'], 'exceeds the image'),
    ]
    for args, message in cases:
        status, _, stderr = run(base + args, capsys)
        lines = [
            line for line in stderr.splitlines() if line.startswith('error')
        ]
        assert status == 2 and len(lines) == 1 and message in lines[0], stderr


@pytest.mark.slow
def test_faiss_and_rerank_options(setup, tmp_path, capsys, monkeypatch):
    out = tmp_path / 'out'
    query = setup['gallery'] / 'top.png'
    base = [
        setup['config'], setup['ckpt'], '--gallery', setup['gallery'],
        '--query', query, '--out', out, '--topk', 5, '--no-pictures',
        '--device', 'cpu'
    ]
    assert run(base, capsys)[0] == 0
    exact = json.loads((out / 'results.json').read_text())['queries']
    assert run(base + ['--rerank'], capsys)[0] == 0
    reranked = json.loads((out / 'results.json').read_text())
    assert reranked['info']['rerank'] is True
    assert len(reranked['queries'][0]['matches']) == 5
    if _has_faiss():
        status, stdout, _ = run(base + ['--index', 'faiss-flat'], capsys)
        assert status == 0 and embedded(stdout) == 0
        flat = json.loads((out / 'results.json').read_text())['queries']
        assert [m['path'] for m in flat[0]['matches']
                ] == [m['path'] for m in exact[0]['matches']]
        assert (out / 'gallery_cache' / 'index_faiss-flat.bin').is_file()
    from mmsona.search import INDEX_TYPES
    assert load_tool('search.py').INDEX_TYPES == INDEX_TYPES
    monkeypatch.setitem(sys.modules, 'faiss', None)
    status, _, stderr = run(base + ['--index', 'faiss-hnsw'], capsys)
    assert status == 2 and 'pip install "mmsona[faiss]"' in stderr


def _has_faiss():
    """Whether faiss can be imported."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def table_rows(stdout):
    """``{index: [cells]}`` of the benchmark's Markdown table."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if line.startswith('| ') and cells[0] in ('exact', 'faiss-flat',
                                                  'faiss-ivf', 'faiss-hnsw'):
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_benchmark_search_at_tiny_size(capsys):
    bench = load_tool('analysis_tools', 'benchmark_search.py')
    args = ['--gallery', 2000, '--queries', 40, '--dim', 32, '--threads', 1]
    assert bench.main([str(a) for a in args + ['--in-process']]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert float(rows['exact'][2]) == 1.0
    if _has_faiss():
        assert set(rows) == {'exact', 'faiss-flat', 'faiss-ivf', 'faiss-hnsw'}
        assert float(rows['faiss-flat'][2]) == 1.0
        assert float(rows['faiss-ivf'][2]) >= 0.95
        assert float(rows['faiss-hnsw'][2]) >= 0.95
    # Each index in its own process, as by default.
    assert bench.main([str(a) for a in args + ['--indexes', 'exact']]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert list(rows) == ['exact'] and float(rows['exact'][2]) == 1.0
    assert float(rows['exact'][3].replace(',', '')) > 0


@pytest.mark.slow
def test_untrusted_checkpoint_is_refused(setup, tmp_path, capsys):
    from untrusted_helpers import make_untrusted_copy
    marker = tmp_path / 'marker'
    evil = make_untrusted_copy(setup['ckpt'], str(tmp_path / 'evil.pth'),
                               str(marker))
    args = [
        setup['config'], evil, '--gallery', setup['gallery'], '--query',
        setup['gallery'] / 'top.png', '--out', tmp_path / 'out', '--topk', 2,
        '--no-pictures', '--device', 'cpu'
    ]
    status, _, stderr = run(args, capsys)
    assert status == 2 and 'evil.pth' in stderr
    assert '--trust-checkpoint' in stderr and not marker.exists()
    with pytest.warns(UserWarning, match='evil.pth'):
        status, _, _ = run(args + ['--trust-checkpoint'], capsys)
    assert status == 0
