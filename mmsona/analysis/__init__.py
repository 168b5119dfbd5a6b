"""Analysis of models and runs: complexity, latency, loader and training
throughput, scalar logs and statistics over seeds."""
from .complexity import (BADDBMM_OP, SDPA_OP, baddbmm_flop_jit,
                         count_complexity, flop_analyzer,
                         load_benchmark_config, sdpa_flop_jit)
from .latency import (STEADY_MALLOC, TIMERS, Timings, quantile, ratio_stats,
                      steady_allocator_env, synchronize, time_models)
from .loader_throughput import batch_length, loader_config, time_loader
from .scalar_log import LogError, last_record, load_scalar_log, run_scalar_logs
from .seed_statistics import mean_std, paired_difference
from .train_step import (PATHS, PeakMemory, TrainStepSubject, bare_train_step,
                         images_per_s, loader_bound, summarise,
                         time_train_steps)

__all__ = [
    'BADDBMM_OP', 'SDPA_OP', 'baddbmm_flop_jit', 'count_complexity',
    'flop_analyzer', 'load_benchmark_config', 'sdpa_flop_jit', 'STEADY_MALLOC',
    'TIMERS', 'Timings', 'quantile', 'ratio_stats', 'steady_allocator_env',
    'synchronize', 'time_models', 'LogError', 'last_record', 'load_scalar_log',
    'run_scalar_logs', 'mean_std', 'paired_difference', 'batch_length',
    'loader_config', 'time_loader', 'PATHS', 'PeakMemory', 'TrainStepSubject',
    'images_per_s', 'loader_bound', 'bare_train_step', 'summarise',
    'time_train_steps'
]
