"""Checkpoint loading runs no code unless the file is trusted explicitly."""
import json
import os.path as osp
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from tool_helpers import REPO, make_tiny_checkpoint  # noqa: I100
from untrusted_helpers import make_untrusted_copy

from mmsona.engine.hooks import get_rng_state, set_rng_state
from mmsona.engine.hooks.rng_state_hook import checkpoint_rng_state
from mmsona.utils import (TRUST_ENV, TrustedCheckpointWarning,
                          UntrustedCheckpointError, load_local_checkpoint,
                          non_plain_entries, restore_message_hub,
                          to_plain_data, trusted_checkpoints)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_synthetic_root):
    """Tiny config, a clean checkpoint and an untrusted copy of it."""
    root = tmp_path_factory.mktemp('ckpt')
    config, ckpt, data_root = make_tiny_checkpoint(
        str(root), tiny_synthetic_root)
    return dict(root=root, config=config, ckpt=ckpt, data=data_root)


@pytest.fixture
def evil(tiny, tmp_path):
    """An untrusted checkpoint and the marker its payload would create."""
    marker = str(tmp_path / 'marker')
    path = make_untrusted_copy(tiny['ckpt'], str(tmp_path / 'evil.pth'),
                               marker)
    return path, marker


@pytest.fixture(autouse=True)
def _no_env_trust(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def _assert_refusal(message: str, path: str) -> None:
    assert repr(path) in message
    assert '--trust-checkpoint' in message
    assert 'trust_checkpoint=True' in message
    assert TRUST_ENV in message
    assert 'posix.system' in message  # what the file refers to


@pytest.mark.slow
def test_loader_refuses_a_payload_and_names_file_and_opt_in(evil):
    path, marker = evil
    with pytest.raises(UntrustedCheckpointError) as info:
        load_local_checkpoint(path)
    _assert_refusal(str(info.value), path)
    assert info.value.filename == path
    assert not osp.exists(marker)


def test_mmengine_paths_refuse_it_too(evil):
    """``load_from``, ``--resume`` and ``Pretrained`` init end here."""
    path, marker = evil
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    with pytest.raises(UntrustedCheckpointError):
        CheckpointLoader.load_checkpoint(path)
    assert not osp.exists(marker)


@pytest.mark.slow
@pytest.mark.parametrize('how', ['argument', 'block', 'environment'])
def test_opt_in_loads_with_a_warning_naming_the_file(evil, how, monkeypatch):
    path, marker = evil
    with pytest.warns(TrustedCheckpointWarning) as record:
        if how == 'argument':
            ckpt = load_local_checkpoint(path, trust=True)
        elif how == 'block':
            with trusted_checkpoints([path]):
                ckpt = _load_checkpoint(path, map_location='cpu')
        else:
            monkeypatch.setenv(TRUST_ENV, '1')
            ckpt = _load_checkpoint(path, map_location='cpu')
    assert len(record) == 1 and repr(path) in str(record[0].message)
    assert osp.exists(marker)  # full unpickling ran the payload
    assert set(ckpt) == {'state_dict', 'meta'}


def test_a_trusted_block_trusts_only_the_named_files(evil, tiny, tmp_path):
    path, marker = evil
    other = make_untrusted_copy(tiny['ckpt'], str(tmp_path / 'other.pth'),
                                str(tmp_path / 'other_marker'))
    with trusted_checkpoints([path, None]):
        with pytest.raises(UntrustedCheckpointError):
            load_local_checkpoint(other)
        with trusted_checkpoints([path]):
            pass  # nested blocks do not end the outer one
        with pytest.warns(TrustedCheckpointWarning):
            load_local_checkpoint(path)
    with pytest.raises(UntrustedCheckpointError):
        load_local_checkpoint(path)
    assert not osp.exists(tmp_path / 'other_marker')


def test_clean_files_load_without_trust_or_warning(tiny, recwarn):
    ckpt = load_local_checkpoint(tiny['ckpt'])
    assert 'state_dict' in ckpt
    assert not [w for w in recwarn if w.category is TrustedCheckpointWarning]
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_local_checkpoint(str(tiny['root'] / 'missing.pth'))


@pytest.mark.slow
def test_feature_extractor_refuses_unless_trusted(evil, tiny):
    from mmsona.apis import FeatureExtractor
    path, marker = evil
    with pytest.raises(UntrustedCheckpointError) as info:
        FeatureExtractor(tiny['config'], path)
    _assert_refusal(str(info.value), path)
    assert not osp.exists(marker)
    with pytest.warns(TrustedCheckpointWarning, match=osp.basename(path)):
        trusted = FeatureExtractor(tiny['config'], path, trust_checkpoint=True)
    assert osp.exists(marker)
    clean = FeatureExtractor(tiny['config'], tiny['ckpt'])
    for key, value in clean.model.state_dict().items():
        assert torch.equal(value, trusted.model.state_dict()[key]), key


@pytest.mark.slow
def test_import_mmsona_leaves_other_code_protected(evil):
    """A fresh interpreter: MMEngine's loader outside mmsona's tools."""
    path, marker = evil
    code = textwrap.dedent(f'''
        import json, pickle
        import torch, mmengine.runner.checkpoint
        before = sorted(map(str, torch.serialization.get_safe_globals()))
        import mmsona
        from mmengine.runner.checkpoint import CheckpointLoader
        after = sorted(map(str, torch.serialization.get_safe_globals()))
        try:
            CheckpointLoader.load_checkpoint({path!r})
            outcome = 'loaded'
        except pickle.UnpicklingError as e:
            outcome = type(e).__name__ + ': ' + str(e)
        print(json.dumps(dict(same_globals=before == after, outcome=outcome)))
    ''')
    env = dict(
        __import__('os').environ,
        PYTHONPATH=REPO,
        OMP_NUM_THREADS='1',
        # Would make a plain torch.load unpickle fully; mmsona's loader
        # passes weights_only=True explicitly, so it must not matter.
        TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')
    env.pop(TRUST_ENV, None)
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['same_globals']
    assert result['outcome'].startswith('UntrustedCheckpointError')
    assert path in result['outcome']
    assert not osp.exists(marker)


def test_history_buffers_survive_the_plain_round_trip(tmp_path):
    buffer = HistoryBuffer(max_length=5)
    for value, count in ((1.5, 1), (2, 3), (0.1, 2)):
        buffer.update(value, count)
    hub = dict(
        log_scalars=OrderedDict(loss=buffer, empty=HistoryBuffer()),
        runtime_info=OrderedDict(
            best_score=np.float64(0.25), keep_ckpt_ids=[np.int64(3)]),
        resumed_keys=OrderedDict(loss=True, empty=True, best_score=True))
    plain = to_plain_data(hub)
    assert not non_plain_entries(plain)
    torch.save(plain, tmp_path / 'hub.pth')
    loaded = torch.load(tmp_path / 'hub.pth', weights_only=True)
    restored = restore_message_hub(loaded)
    for key in ('loss', 'empty'):
        new, old = restored['log_scalars'][key], hub['log_scalars'][key]
        assert isinstance(new, HistoryBuffer)
        assert new.max_length == old.max_length
        for a, b in zip(new.data, old.data):
            assert a.dtype == b.dtype and np.array_equal(a, b)
    assert restored['log_scalars']['loss'].mean() == buffer.mean()
    info = restored['runtime_info']
    assert type(info['best_score']) is float and info['best_score'] == 0.25
    assert type(info['keep_ckpt_ids'][0]) is int


def test_plain_data_conversion_keeps_what_is_already_plain():
    state_dict = OrderedDict(w=torch.ones(2))
    state_dict._metadata = OrderedDict(w=dict(version=1))
    assert to_plain_data(state_dict) is state_dict
    mixed = dict(
        cfg=ConfigDict(a=1),
        arr=np.arange(3, dtype=np.int32),
        names=np.array(['a', 'b']),
        pair=(np.float32(0.5), 'x'))
    plain = to_plain_data(mixed)
    assert type(plain['cfg']) is dict
    assert plain['arr'].dtype == torch.int32
    assert plain['names'] == ['a', 'b']
    assert plain['pair'] == (0.5, 'x') and type(plain['pair'][0]) is float
    assert non_plain_entries(dict(a=[object()])) == ['/a/0 (builtins.object)']


def test_rng_states_in_checkpoint_form_restore_the_same_streams():
    state = get_rng_state()
    expected = (torch.rand(3), np.random.rand(3))
    saved = checkpoint_rng_state(state)
    assert isinstance(saved['numpy'][1], torch.Tensor)
    assert not non_plain_entries(saved)
    set_rng_state(saved)
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1])


def test_config_text_of_an_untrusted_file_is_dropped(tmp_path):
    """Plain data too: MMEngine's resume would run ``meta['config']``."""
    path = str(tmp_path / 'plain.pth')
    torch.save(
        dict(meta=dict(config='x = 1', cfg='y = 2'), state_dict={}), path)
    with pytest.warns(UserWarning, match=r"Ignoring meta\['config'\]"):
        meta = load_local_checkpoint(path)['meta']
    assert meta == dict(cfg='y = 2')
    assert load_local_checkpoint(path, trust=True)['meta']['config'] == 'x = 1'
