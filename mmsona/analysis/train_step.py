"""Training steps timed through the MMEngine Runner and a bare loop.

:class:`TrainStepSubject` holds one config's model twice over: inside an
MMEngine Runner (data preprocessor, optimiser wrapper, every hook of the
config, the message hub) and as the same module and optimiser driven by a
bare PyTorch loop (forward, loss, backward, ``optimizer.step()``).
:func:`time_train_steps` runs the two paths of every subject on the same
batches, interleaved step by step, so a drifting machine slows them alike.
"""
import copy
import statistics
import time
import uuid
from typing import Dict, List, Mapping, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.runner import EpochBasedTrainLoop, Runner

from .latency import ratio_stats, synchronize
from .loader_throughput import batch_length, loader_config

__all__ = [
    'PATHS', 'PeakMemory', 'TrainStepSubject', 'bare_train_step',
    'time_train_steps', 'images_per_s', 'loader_bound', 'summarise'
]

PATHS = ('runner', 'bare')


class PeakMemory:
    """Peak memory of one step above the memory in use when it starts.

    On CUDA: ``torch.cuda.max_memory_allocated``. On the CPU: the resident
    set's high-water mark (``VmHWM``), reset before the step through
    ``/proc/self/clear_refs`` (Linux); elsewhere no figure. The CPU figure
    counts only pages taken from the system: memory the allocator kept
    from an earlier step and reuses is not seen, so it is a lower bound.

    Args:
        device (torch.device): The device the step runs on.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._start = 0.0

    @staticmethod
    def _proc_status_mb(field: str) -> Optional[float]:
        try:
            with open('/proc/self/status') as status:
                for line in status:
                    if line.startswith(field + ':'):
                        return int(line.split()[1]) / 1024.0
        except OSError:
            return None
        return None

    @property
    def available(self) -> bool:
        """Whether a per-step peak can be measured here."""
        return (self.device.type == 'cuda'
                or self._proc_status_mb('VmHWM') is not None)

    def start(self) -> None:
        """Mark the beginning of a step."""
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device) / 2**20
            return
        try:
            with open('/proc/self/clear_refs', 'w') as refs:
                refs.write('5')  # resets VmHWM to the current VmRSS
        except OSError:
            pass
        self._start = self._proc_status_mb('VmRSS') or 0.0

    def stop(self) -> Optional[float]:
        """MB the step's peak rose above its start, or None."""
        if self.device.type == 'cuda':
            peak = torch.cuda.max_memory_allocated(self.device) / 2**20
        else:
            peak = self._proc_status_mb('VmHWM')
            if peak is None:
                return None
        return max(peak - self._start, 0.0)


def _benchmark_config(config: Config, work_dir: str, amp: bool) -> Config:
    """The config with what a timing run must not do switched off.

    Validation and testing are dropped, checkpoints are never written,
    pretrained weights are not loaded (the step costs the same), and the
    Runner gets an experiment name of its own, so several Runners in one
    process keep separate message hubs.
    """
    cfg = copy.deepcopy(config)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'benchmark_train_{uuid.uuid4().hex[:12]}'
    cfg.log_level = 'WARNING'
    cfg.load_from = None
    cfg.resume = False
    cfg.launcher = 'none'
    for split in ('val', 'test'):
        for key in (f'{split}_dataloader', f'{split}_cfg',
                    f'{split}_evaluator'):
            cfg[key] = None
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None:
        checkpoint.update(interval=10**9, save_last=False)
        checkpoint.pop('save_best', None)
    if amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    return cfg


class TrainStepSubject:
    """One config's model, in a Runner and in a bare loop.

    The Runner is set up as ``Runner.train()`` sets it up before its loop
    (train loop, optimiser wrapper, learning-rate scaling, parameter
    schedulers, ``before_run`` / ``before_train`` /
    ``before_train_epoch`` hooks), without loading weights or resuming;
    :meth:`runner_step` then runs one iteration of the loop's own
    ``run_iter``: ``before_train_iter`` hooks, ``model.train_step`` through
    the optimiser wrapper, ``after_train_iter`` hooks.

    Args:
        name (str): Name shown in reports.
        config (Config): The config, its ``train_dataloader`` included.
        work_dir (str): Where the Runner may write its logs.
        num_batches (int): Distinct batches drawn from the config's loader
            (in this process); the steps cycle through them.
        batch_size (int, optional): Batch size instead of the config's.
        amp (bool): Mixed precision: ``AmpOptimWrapper`` in the Runner,
            float16 autocast with a gradient scaler in the bare loop
            (CUDA only). Defaults to False.
        channels_last (bool): Model and inputs in channels-last memory
            format. Defaults to False.
    """

    def __init__(self,
                 name: str,
                 config: Config,
                 work_dir: str,
                 num_batches: int,
                 batch_size: Optional[int] = None,
                 amp: bool = False,
                 channels_last: bool = False) -> None:
        self.name = name
        cfg = _benchmark_config(config, work_dir, amp)
        if batch_size is not None:
            cfg.train_dataloader.batch_size = batch_size
        self.batches = self._draw_batches(cfg, num_batches)
        self.runner = Runner.from_cfg(cfg)
        self.model = self.runner.model
        self.device = next(self.model.parameters()).device
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
            self.model.register_forward_pre_hook(
                _inputs_to_channels_last, with_kwargs=True)
        self._prepare_runner()
        self.optimizer = self.runner.optim_wrapper.optimizer
        self.amp = amp
        self.scaler = torch.amp.GradScaler('cuda') if amp else None

    @staticmethod
    def _draw_batches(cfg: Config, num_batches: int) -> List[Dict]:
        loader_cfg = loader_config(cfg, workers=0)
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        if len(loader) == 0:
            raise ValueError('The training loader yields no batch (too few '
                             'images for one batch?)')
        batches: List[Dict] = []
        while len(batches) < num_batches:
            for batch in loader:
                batches.append(batch)
                if len(batches) == num_batches:
                    break
        return batches

    @property
    def batch_size(self) -> int:
        """Images per step."""
        return batch_length(self.batches[0])

    def _prepare_runner(self) -> None:
        runner = self.runner
        loop = runner.train_loop
        runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
        runner.scale_lr(runner.optim_wrapper, runner.auto_scale_lr)
        if runner.param_schedulers is not None:
            runner.param_schedulers = runner.build_param_scheduler(
                runner.param_schedulers)
        runner.call_hook('before_run')
        runner.optim_wrapper.initialize_count_status(runner.model, loop.iter,
                                                     loop.max_iters)
        runner.call_hook('before_train')
        runner.call_hook('before_train_epoch')
        self._loop = loop
        self._epoch_loop = isinstance(loop, EpochBasedTrainLoop)
        self._index = 0

    def runner_step(self, batch: Dict) -> None:
        """One training iteration through the Runner's loop."""
        self.model.train()
        if self._epoch_loop:
            self._loop.run_iter(self._index, batch)
        else:
            self._loop.run_iter(batch)
        self._index += 1

    def bare_step(self, batch: Dict) -> None:
        """One training iteration of a bare PyTorch loop, same model and
        optimiser."""
        bare_train_step(self.model, self.optimizer, batch,
                        torch.float16 if self.amp else None, self.scaler)

    def close(self) -> None:
        """Run the Runner's end-of-training hooks and release its files."""
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        self.runner.call_hook('after_run')


def bare_train_step(model: torch.nn.Module,
                    optimizer: torch.optim.Optimizer,
                    batch: Dict,
                    autocast_dtype: Optional[torch.dtype] = None,
                    scaler: Optional[torch.amp.GradScaler] = None) -> None:
    """Forward, loss, backward and ``optimizer.step()``, nothing else.

    Args:
        model (nn.Module): An mmsona model (``data_preprocessor`` and
            ``mode='loss'``), on its device, in train mode.
        optimizer (Optimizer): Its optimiser.
        batch (dict): A collated batch of the data loader.
        autocast_dtype (torch.dtype, optional): Run preprocessing, forward
            and losses under autocast in this dtype. Defaults to None (no
            autocast).
        scaler (GradScaler, optional): Scale the loss (float16 on CUDA).
    """
    device = next(model.parameters()).device
    with torch.autocast(
            device.type, dtype=autocast_dtype, enabled=autocast_dtype
            is not None):
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        loss = sum(value for key, value in losses.items() if 'loss' in key)
    optimizer.zero_grad()
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()


def _inputs_to_channels_last(module: torch.nn.Module, args: tuple,
                             kwargs: dict) -> Optional[tuple]:
    """Forward pre-hook: 4-d image batches in channels-last format."""
    inputs = kwargs.get('inputs', args[0] if args else None)
    if not isinstance(inputs, torch.Tensor) or inputs.dim() != 4:
        return None
    inputs = inputs.contiguous(memory_format=torch.channels_last)
    if 'inputs' in kwargs:
        kwargs['inputs'] = inputs
        return args, kwargs
    return (inputs, ) + tuple(args[1:]), kwargs


def time_train_steps(subjects: Sequence[TrainStepSubject],
                     steps: int,
                     warmup: int = 1,
                     progress=None) -> Dict[str, Dict[str, List[float]]]:
    """Time the Runner and the bare step of every subject, interleaved.

    Every step runs each subject's two paths on the same batch, subjects in
    forward order on even steps and in reverse on odd ones, and the two
    paths alternating which goes first.

    Args:
        subjects (Sequence[TrainStepSubject]): The configs to time.
        steps (int): Timed steps of each path.
        warmup (int): Untimed steps of each path first. Defaults to 1.
        progress (callable, optional): Called with no argument after every
            step (a progress bar's update).

    Returns:
        dict: ``{subject name: {'runner': [s, ...], 'bare': [s, ...],
        'runner_mb': [...], 'bare_mb': [...]}}``, seconds and peak MB
        above the step's start per timed step (MB lists empty where no
        per-step peak is measurable).
    """
    results: Dict[str, Dict[str, List[float]]] = {
        s.name: {
            key: []
            for key in ('runner', 'bare', 'runner_mb', 'bare_mb')
        }
        for s in subjects
    }
    for step in range(warmup + steps):
        order = subjects if step % 2 == 0 else list(reversed(subjects))
        for subject in order:
            batch = subject.batches[step % len(subject.batches)]
            paths = PATHS if step % 2 == 0 else tuple(reversed(PATHS))
            memory = PeakMemory(subject.device)
            for path in paths:
                run = (
                    subject.runner_step
                    if path == 'runner' else subject.bare_step)
                synchronize(subject.device)
                memory.start()
                start = time.perf_counter()
                run(batch)
                synchronize(subject.device)
                elapsed = time.perf_counter() - start
                peak = memory.stop()
                if step >= warmup:
                    results[subject.name][path].append(elapsed)
                    if peak is not None:
                        results[subject.name][path + '_mb'].append(peak)
        if progress is not None:
            progress()
    return results


def images_per_s(times: Sequence[float], batch_size: int) -> float:
    """Images per second of the median step."""
    return batch_size / statistics.median(times)


def loader_bound(loader_ips: float, step_ips: float) -> str:
    """Which of loader and model bounds training, in words."""
    if loader_ips >= step_ips:
        return (f'the model bounds training (loader {loader_ips:.1f} >= '
                f'step {step_ips:.1f} images/s)')
    return (f'the LOADER bounds training (loader {loader_ips:.1f} < step '
            f'{step_ips:.1f} images/s): add workers or simplify the pipeline')


def summarise(subject: TrainStepSubject,
              timings: Mapping[str, List[float]]) -> Dict[str, float]:
    """Images/s of both paths, their ratio and the peak memory.

    Args:
        subject (TrainStepSubject): The timed subject.
        timings (Mapping[str, list]): Its entry of :func:`time_train_steps`.

    Returns:
        dict: ``runner_ips``, ``bare_ips``, ``runner_over_bare`` (median
        per-step ratio of the Runner's images/s to the bare loop's) and
        ``runner_mb`` / ``bare_mb`` (largest per-step peak, or NaN).
    """
    batch = subject.batch_size
    out = dict(
        runner_ips=images_per_s(timings['runner'], batch),
        bare_ips=images_per_s(timings['bare'], batch),
        runner_over_bare=ratio_stats(timings, 'bare', 'runner')[0])
    for path in PATHS:
        values = timings[path + '_mb']
        out[path + '_mb'] = max(values) if values else float('nan')
    return out
