"""Faults a user meets, injected on purpose, each with the outcome wanted
(docs/reliability.md lists them)."""
import errno
import glob
import os
import os.path as osp
import shutil
import uuid

import pytest
import torch
from mmengine.runner import Runner
from tool_helpers import TINY_MODEL  # noqa: I100

from mmsona.datasets import Market1501, UnreadableImageError
from mmsona.datasets.transforms import loading as loading_module
from mmsona.engine.hooks import atomic_checkpoint_hook as atomic_module
from mmsona.utils import checkpoint_integrity as integrity
from mmsona.utils import drop_persistence_without_workers

PIPELINE = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='PackReIDInputs'),
]


@pytest.fixture(autouse=True)
def _quick_worker_shutdown(monkeypatch):
    """Workers left with unfetched batches by an error take PyTorch's
    status interval (5 s) each to join when their loader is collected."""
    import torch.utils.data._utils as data_utils
    monkeypatch.setattr(data_utils, 'MP_STATUS_CHECK_INTERVAL', 0.5)


def _train_loader(data_root, num_workers, pipeline=PIPELINE):
    return Runner.build_dataloader(
        dict(
            batch_size=8,
            num_workers=num_workers,
            persistent_workers=num_workers > 0,
            timeout=120 if num_workers else 0,  # a hang would raise
            sampler=dict(type='IdentitySampler', num_instances=4),
            dataset=dict(
                type='Market1501',
                data_root=data_root,
                split='train',
                pipeline=pipeline)),
        seed=0)


def _damage_one_training_image(data_root):
    images = sorted(glob.glob(osp.join(data_root, 'bounding_box_train', '*')))
    victim = images[len(images) // 2]
    with open(victim, 'rb') as f:
        data = f.read()
    with open(victim, 'wb') as f:
        f.write(data[:len(data) // 2])  # truncated mid-file
    return victim


# -------------------------------------------------- unreadable training image
@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 2])
def test_truncated_jpeg_mid_epoch_names_the_file_and_split(
        tiny_synthetic_root, tmp_path, num_workers):
    data_root = shutil.copytree(tiny_synthetic_root, tmp_path / 'data')
    victim = _damage_one_training_image(str(data_root))
    loader = _train_loader(str(data_root), num_workers)
    with pytest.raises(UnreadableImageError) as info:
        for _ in loader:
            pass
    message = str(info.value)
    del loader, info  # the workers shut down (they must not hang)
    assert osp.basename(victim) in message
    assert 'train split of Market1501' in message
    assert 'skip_unreadable=True' in message  # the opt-in is named


@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 2])
def test_opt_in_skips_unreadable_images_with_a_counted_warning(
        tiny_synthetic_root, tmp_path, monkeypatch, num_workers):
    data_root = shutil.copytree(tiny_synthetic_root, tmp_path / 'data')
    victim = _damage_one_training_image(str(data_root))
    logged = []
    monkeypatch.setattr(loading_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    pipeline = [dict(type='LoadReIDImage', skip_unreadable=True)] + \
        PIPELINE[1:]
    loader = _train_loader(str(data_root), num_workers, pipeline)
    paths = [
        s.img_path for epoch in range(2)
        for batch in (loader.sampler.set_epoch(epoch) or loader)
        for s in batch['data_samples']
    ]
    assert len(paths) == 2 * len(loader.sampler)  # every sample replaced
    assert victim not in paths
    if num_workers == 0:  # worker processes log in their own process
        assert any(
            'skipped 1 unreadable image' in m and osp.basename(victim) in m
            for m in logged)


# ----------------------------------------------------- damaged checkpoints
def _zip_checkpoint(path, value=1.0):
    torch.save(dict(state_dict=dict(w=torch.full((64, ), value))), path)
    return str(path)


def test_checkpoint_problem_tells_sound_from_damaged(tmp_path):
    sound = _zip_checkpoint(tmp_path / 'a.pth')
    assert integrity.checkpoint_problem(sound) is None
    data = open(sound, 'rb').read()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    assert 'truncated' in integrity.checkpoint_problem(
        str(tmp_path / 'cut.pth'))
    flipped = bytearray(data)
    start = data.index(b'\x00\x00\x80?')  # the stored float 1.0
    flipped[start + 2] ^= 0xFF
    (tmp_path / 'bit.pth').write_bytes(bytes(flipped))
    assert 'CRC' in integrity.checkpoint_problem(str(tmp_path / 'bit.pth'))
    (tmp_path / 'empty.pth').write_bytes(b'')
    assert integrity.checkpoint_problem(str(tmp_path / 'empty.pth')) == \
        'is empty'
    (tmp_path / 'text.pth').write_text('hello')
    assert 'not a PyTorch' in integrity.checkpoint_problem(
        str(tmp_path / 'text.pth'))
    torch.save(
        dict(w=1), tmp_path / 'old.pth', _use_new_zipfile_serialization=False)
    assert integrity.checkpoint_problem(str(tmp_path / 'old.pth')) is None


def test_resume_auto_candidates_newest_sound_first(tmp_path):
    for step in (1, 2, 3):
        _zip_checkpoint(tmp_path / f'epoch_{step}.pth')
    (tmp_path / 'best_reid_mAP_epoch_1.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    path, damaged = integrity.find_resumable_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'epoch_3.pth') and damaged == []
    data = (tmp_path / 'epoch_3.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(data[:100])
    os.remove(tmp_path / 'epoch_2.pth')
    path, damaged = integrity.find_resumable_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'epoch_1.pth')
    assert [osp.basename(p) for p, _ in damaged] == ['epoch_3.pth']
    assert integrity.find_resumable_checkpoint(str(tmp_path / 'none')) == \
        (None, [])


def _small_demo_cfg(make_tiny_demo_cfg, work_dir, data_root, **kwargs):
    """The tiny demo config with a narrow trunk (seconds per epoch)."""
    cfg = make_tiny_demo_cfg(str(work_dir), data_root, **kwargs)
    cfg.model.backbone.update(TINY_MODEL['backbone'])
    cfg.model.head.update(TINY_MODEL['head'])
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.pipeline[1]['scale'] = (32, 64)
    cfg.train_dataloader.dataset.pipeline[3]['crop_size'] = (64, 32)
    return cfg


@pytest.fixture(scope='module')
def two_epochs(tmp_path_factory, tiny_synthetic_root, make_tiny_demo_cfg):
    """A finished two-epoch run of the tiny demo (module-scoped)."""
    root = tmp_path_factory.mktemp('two_epochs')
    cfg = _small_demo_cfg(
        make_tiny_demo_cfg, root / 'work', tiny_synthetic_root, max_epochs=2)
    cfg.experiment_name = f'two_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    final = torch.load(
        root / 'work' / 'epoch_2.pth', weights_only=False)['state_dict']
    return cfg, final


def _copy_run(cfg, dst):
    """Copy a run's work dir, ``last_checkpoint`` pointing into the copy."""
    work = shutil.copytree(cfg.work_dir, dst)
    record = work / 'last_checkpoint'
    record.write_text(str(work / osp.basename(record.read_text().strip())))
    return work


def _rerun(cfg, work_dir, **changes):
    cfg = cfg.copy()
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'rerun_{uuid.uuid4().hex[:8]}'
    for key, value in changes.items():
        setattr(cfg, key, value)
    return Runner.from_cfg(cfg)


def _same_weights(path, expected):
    got = torch.load(path, weights_only=False)['state_dict']
    return got.keys() == expected.keys() and all(
        torch.equal(got[k], v) for k, v in expected.items())


@pytest.mark.slow
def test_truncated_newest_checkpoint_resumes_from_the_previous(
        two_epochs, tmp_path, monkeypatch):
    cfg, final = two_epochs
    work = _copy_run(cfg, tmp_path / 'work')
    newest = work / 'epoch_2.pth'
    data = newest.read_bytes()
    newest.write_bytes(data[:len(data) // 3])  # a copy cut short
    logged = []
    monkeypatch.setattr(atomic_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    runner = _rerun(cfg, work, resume=True, load_from=None)
    runner.train()
    assert any(str(newest) in m and 'truncated' in m for m in logged)
    assert any('continues from' in m and 'epoch_1.pth' in m for m in logged)
    # Epoch 2 was trained again from epoch 1, to the same weights.
    assert integrity.checkpoint_problem(str(newest)) is None
    assert _same_weights(newest, final)


@pytest.mark.slow
def test_damaged_explicit_resume_file_is_refused(two_epochs, tmp_path):
    cfg, _ = two_epochs
    bad = tmp_path / 'epoch_9.pth'
    bad.write_bytes(b'PK\x03\x04 cut')
    runner = _rerun(cfg, tmp_path / 'work', resume=True, load_from=str(bad))
    with pytest.raises(ValueError, match='epoch_9.pth: the file is trunc'):
        runner.train()
    (tmp_path / 'w2').mkdir()
    (tmp_path / 'w2' / 'epoch_1.pth').write_bytes(b'')
    runner = _rerun(cfg, tmp_path / 'w2', resume=True, load_from=None)
    with pytest.raises(ValueError, match='no usable checkpoint'):
        runner.train()


# ------------------------------------------------------------- disk full
@pytest.mark.slow
def test_disk_full_while_saving_keeps_the_previous_checkpoint(
        two_epochs, tmp_path, monkeypatch):
    cfg, final = two_epochs
    real_fsync = os.fsync

    def fsync(fd):
        if 'epoch_2.pth' in os.readlink(f'/proc/self/fd/{fd}'):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(atomic_module.os, 'fsync', fsync)
    runner = _rerun(cfg, tmp_path / 'work')
    with pytest.raises(OSError) as info:
        runner.train()
    assert info.value.errno == errno.ENOSPC
    message = str(info.value)
    assert 'epoch_2.pth' in message and 'is full' in message
    assert 'epoch_1.pth is intact' in message
    work = tmp_path / 'work'
    assert sorted(p.name for p in work.glob('epoch_*.pth')) == ['epoch_1.pth']
    assert not list(work.glob('.*partial'))
    assert integrity.checkpoint_problem(str(work / 'epoch_1.pth')) is None
    assert (work / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    # Space freed: --resume continues to the uninterrupted run's weights.
    monkeypatch.setattr(atomic_module.os, 'fsync', real_fsync)
    _rerun(cfg, work, resume=True, load_from=None).train()
    assert _same_weights(work / 'epoch_2.pth', final)


# ------------------------------------------------ head and batch vs. data
@pytest.mark.slow
def test_head_smaller_than_the_identities_is_refused_before_training(
        tiny_synthetic_root, tmp_path, make_tiny_demo_cfg):
    cfg = _small_demo_cfg(make_tiny_demo_cfg, tmp_path / 'work',
                          tiny_synthetic_root)
    cfg.model.head.num_classes = 5  # the tiny benchmark has 12
    cfg.experiment_name = f'cls_{uuid.uuid4().hex[:8]}'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as info:
        runner.train()
    message = str(info.value)
    assert 'num_classes=5' in message and '12 identities' in message
    assert 'model.head.num_classes=12' in message
    assert runner.iter == 0


@pytest.mark.slow
def test_fewer_identities_than_a_batch_needs_is_refused(
        tiny_synthetic_root, tmp_path, make_tiny_demo_cfg):
    cfg = _small_demo_cfg(make_tiny_demo_cfg, tmp_path / 'work',
                          tiny_synthetic_root)
    cfg.train_dataloader.batch_size = 64  # P = 16 > 12 identities
    cfg.experiment_name = f'ids_{uuid.uuid4().hex[:8]}'
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as info:
        runner.train()
    message = str(info.value)
    assert '12 identities' in message and 'P=16' in message
    assert 'at most 48' in message
    assert runner.iter == 0


# ------------------------------------------------ evaluation without matches
def test_queries_without_valid_matches_are_counted_or_refused(
        tiny_synthetic_root, tmp_path, monkeypatch):
    from mmsona.datasets import base_reid_dataset
    root = tmp_path / 'market'
    shutil.copytree(tiny_synthetic_root, root)
    queries = sorted(os.listdir(root / 'query'))
    gallery = sorted(os.listdir(root / 'bounding_box_test'))
    pid = queries[0].split('_')[0]
    for name in gallery:  # pid's gallery images leave: 1 query unmatched
        if name.startswith(pid + '_'):
            os.remove(root / 'bounding_box_test' / name)
    unmatched = sum(q.startswith(pid + '_') for q in queries)
    logged = []
    monkeypatch.setattr(base_reid_dataset, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    Market1501(str(root), split='test')
    assert any(f'{unmatched} of {len(queries)} queries' in m for m in logged)
    for name in os.listdir(root / 'bounding_box_test'):
        if not name.startswith('0000'):  # distractors only: no match at all
            os.remove(root / 'bounding_box_test' / name)
    with pytest.raises(ValueError, match=f'None of the {len(queries)} '):
        Market1501(str(root), split='test')


# --------------------------------------------- debugging without workers
@pytest.mark.parametrize('config', [
    ('configs', 'sona', 'sona_r50_market.py'),
    ('mmsona', 'configs', 'sona', 'sona_r18_synthetic.py'),
])
def test_num_workers_zero_on_a_shipped_config_needs_nothing_else(
        tmp_path, monkeypatch, config):
    from tool_helpers import REPO, load_tool  # noqa: I100
    train = load_tool('train.py')
    built = []
    monkeypatch.setattr(train.Runner, 'from_cfg', built.append)
    train.build_runner([
        osp.join(REPO, *config), '--work-dir',
        str(tmp_path), '--cfg-options', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0'
    ])
    cfg = built[0]
    for key in ('train_dataloader', 'val_dataloader'):
        assert cfg[key].num_workers == 0
        assert cfg[key].persistent_workers is False
    # PyTorch accepts the loader (it refuses persistence without workers).
    loader = Runner.build_dataloader(
        dict(
            cfg.train_dataloader,
            dataset=[dict(inputs=torch.zeros(1))] * 4,
            sampler=dict(type='DefaultSampler', shuffle=False)))
    assert len(list(loader)) == 0  # drop_last: 4 items < one batch
    assert drop_persistence_without_workers(cfg) == []  # nothing left to do
