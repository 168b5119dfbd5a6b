"""tools/dist_train.sh starts two CPU processes that train and evaluate.

The processes run on a simulated one-GPU machine (``ONE_GPU_MACHINE``):
with CUDA visible, MMEngine would give each process a GPU of its own
(``torch.cuda.set_device(1)`` fails with one GPU), so the test hides the
devices and the processes must take mmsona's CPU set-up.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from dist_helpers import free_port  # noqa: I100
from tool_helpers import cpu_processes_env

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_two_process_cpu_training(tmp_path, tiny_synthetic_root):
    work_dir = tmp_path / 'work'
    data_root = tiny_synthetic_root
    options = [
        f'work_dir={work_dir}',
        'model.head.num_classes=12',
        'model.head.global_dim=32',
        'model.head.local_dim=64',
        'train_dataloader.batch_size=8',
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1',
        'default_hooks.logger.interval=1',
        'param_scheduler=[]',
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.dataset.size=tiny'
        ]
    env = cpu_processes_env(
        dict(os.environ, PYTHON=sys.executable, PORT=str(free_port())))
    out = subprocess.run(
        [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'),
            osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py'), '2',
            '--cfg-options'
        ] + options,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert 'Distributed training is not used' not in log
    assert 'Distributed launcher: pytorch' in log, log[-2000:]
    # Validation ran on the gathered features of both ranks.
    assert re.search(r'Epoch\(val\) \[1\]\[\d+/\d+\].*reid/R1', log), \
        log[-3000:]
    # Rank 0 alone wrote the checkpoint.
    assert (work_dir / 'epoch_1.pth').is_file()


def run_launcher(args, env, timeout=60):
    """Run a launcher script in its own session; kill the session if it
    outlives ``timeout`` (torchrun waiting for nodes that never come)."""
    import signal
    proc = subprocess.Popen(
        ['bash'] + args,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f'{args[0]} still waiting after {timeout} s')
    return proc.returncode, out + err


def test_several_nodes_need_a_master_address():
    env = {
        k: v
        for k, v in os.environ.items() if k not in ('MASTER_ADDR', 'NNODES')
    }
    env.update(PYTHON=sys.executable, PORT=str(free_port()), NNODES='2')
    config = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    for script, args in (('dist_train.sh', [config, '2']),
                         ('dist_test.sh', [config, 'model.pth', '2'])):
        code, log = run_launcher(
            [osp.join(REPO, 'tools', script)] + args, env, timeout=30)
        assert code == 2, log
        assert 'NNODES=2 needs MASTER_ADDR' in log, log
