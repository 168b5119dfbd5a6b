"""The launchers tools/dist_train.sh and tools/dist_test.sh refuse what
cannot start.

A two-process CPU training through ``tools/dist_train.sh`` runs in
tests/test_tools/test_ablation_tool.py
(``test_gpus_runs_each_training_through_dist_train``, the way the ablation
tool starts each run), on a simulated one-GPU machine.
"""
import os
import os.path as osp
import subprocess
import sys

from dist_helpers import free_port

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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
