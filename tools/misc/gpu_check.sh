#!/usr/bin/env bash
# The GPU recipe of mmsona checked end to end on one CUDA machine, in about
# eight minutes on one large GPU: install beside the machine's own PyTorch,
# the tests that touch CUDA, SONA-Net (R50, 384 x 128) trained on the
# synthetic benchmark with and without --amp, the training-step cost of the
# seven Market configs (batch 32, with and without AMP), the evaluator at
# MSMT17 scale on the GPU, and CPU vs GPU features of one checkpoint.
#
# Usage, from the repository root:
#   WHEELS=DIR bash tools/misc/gpu_check.sh [RESULTS_DIR]
# WHEELS: a folder of pure-Python wheels of mmsona's requirements (mmengine,
#   mmcv-lite, mmpretrain, ...) for a machine without a package registry;
#   unset: the requirements must already be importable.
# RESULTS_DIR (default work_dirs/gpu_check): every step writes its output
#   there (one .log per step, summary.txt with the lines that matter).
# SMOKE=1: tiny sizes on the CPU, to check the script itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
RESULTS=$(mkdir -p "${1:-work_dirs/gpu_check}" && cd "${1:-work_dirs/gpu_check}" && pwd)
PY=${PY:-python3}
SMOKE=${SMOKE:-0}
TMP=$(mktemp -d /tmp/mmsona_gpu_check.XXXXXX)
SUMMARY=$RESULTS/summary.txt
: > "$SUMMARY"

say() { echo "$*" | tee -a "$SUMMARY"; }
# step NAME TIMEOUT CMD...: run CMD with a time limit, its output to
# NAME.log, and record its exit status in the summary.
step() {
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    timeout "$limit" "$@" > "$RESULTS/$name.log" 2>&1
    local rc=$?
    say "[$name] rc=$rc in $((SECONDS - start)) s"
    return $rc
}

CONFIGS="bfe_r50_market bfe_r50-dilated_market bfe_r50-dilated-dbplus_market \
sona2_r50_market sona3_r50_market sona_r50_market sona4_r50_market"
if [ "$SMOKE" = 1 ]; then
    # The CPU demo model at its own size; two of the seven configs, at
    # ResNet-18 width, one thread.
    DEVICE=cpu BASE=configs/sona/sona_r18_synthetic.py
    SIZE="'tiny'" IDS=12 SHAPE='96 32' BATCH=8 STEPS=1 EVAL_SCALE=tiny
    CONFIGS="bfe_r50-dilated_market sona_r50_market"
    BENCH_OPTIONS="--threads 1 --cfg-options model.backbone.depth=18 model.head.in_channels=512"
else
    DEVICE=cuda BASE=configs/sona/sona_r50_market.py
    IDS=1000 SHAPE='384 128' BATCH=32 STEPS=8 EVAL_SCALE=msmt17
    SIZE="dict(num_train_ids=$IDS, num_test_ids=50, num_cameras=6,
    cameras_per_id=(2, 3), images_per_id=(6, 7), max_queries_per_id=1,
    num_junk=0, num_distractors=0, height=384, width=128)"
    BENCH_OPTIONS=
    nvidia-smi --query-gpu=name,memory.total,driver_version \
        --format=csv,noheader | tee -a "$SUMMARY"
fi

# 1. Install: the carried wheels into a folder of their own, beside the
# machine's PyTorch (pip never replaces it: --no-deps).
if [ -n "${WHEELS:-}" ]; then
    step install 120 "$PY" -m pip install --quiet --no-index --no-deps \
        --target "$TMP/deps" "$WHEELS"/*.whl || exit 1
    export PYTHONPATH=$TMP/deps:$PWD
else
    export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONWARNINGS=ignore
"$PY" -c "import torch, mmsona; print('torch', torch.__version__, 'cuda', \
torch.cuda.is_available(), 'mmsona', mmsona.__version__)" | tee -a "$SUMMARY"

# 2. The tests that touch CUDA paths (ranking on the GPU, the one-GPU
# launcher, channels-last and autocast of the models).
step tests 150 "$PY" -m pytest -q -p no:cacheprovider \
    tests/test_evaluation/test_functional/test_rank_metrics.py \
    tests/test_evaluation/test_metrics/test_reid_metric.py \
    tests/test_models/test_channels_last.py \
    tests/test_tools/test_dist_train.py -k 'cuda or channels or autocast or two_process'
tail -n 1 "$RESULTS/tests.log" | tee -a "$SUMMARY"

# 3. SONA-Net (sona_r50_market.py, no pretrained weights) on the synthetic
# benchmark at full size (1,000 identities, about 6,500 images: one epoch of
# about 200 iterations of 32), with and without AMP.
DATA=$TMP/synthetic
cat > "$TMP/sona_r50_synthetic.py" <<EOF
_base_ = '$PWD/$BASE'
synthetic = dict(type='SyntheticReID', data_root='$DATA', size=$SIZE, seed=0)
train_dataloader = dict(batch_size=$BATCH, dataset=synthetic)
val_dataloader = dict(dataset=synthetic)
test_dataloader = val_dataloader
model = dict(backbone=dict(init_cfg=None), head=dict(num_classes=$IDS))
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=1))
EOF
step synthetic_data 120 "$PY" -c "
from mmengine.config import Config
from mmsona.datasets.synthetic import generate_synthetic_reid
cfg = Config.fromfile('$TMP/sona_r50_synthetic.py').synthetic
generate_synthetic_reid(cfg['data_root'], size=cfg['size'], seed=0,
                        show_progress=False)"
AMP=--amp
[ "$SMOKE" = 1 ] && AMP=  # --amp is refused without CUDA, by design
step train_fp32 120 "$PY" tools/train.py "$TMP/sona_r50_synthetic.py" \
    --work-dir "$RESULTS/train_fp32"
step train_amp 120 "$PY" tools/train.py "$TMP/sona_r50_synthetic.py" \
    $AMP --work-dir "$RESULTS/train_amp"
"$PY" - "$RESULTS" "$BATCH" <<'EOF' | tee -a "$SUMMARY"
import glob, json, math, sys
results, batch = sys.argv[1], int(sys.argv[2])
for run in ('train_fp32', 'train_amp'):
    rows = [json.loads(line) for path in
            glob.glob(f'{results}/{run}/*/vis_data/scalars.json')
            for line in open(path)]
    train = [r for r in rows if 'loss' in r]
    evals = [r for r in rows if any(k.endswith('R1') for k in r)]
    if not train:
        print(f'[{run}] no training log rows')
        continue
    late = train[len(train) // 2:]
    step_s = sum(r['time'] for r in late) / len(late)
    finite = all(math.isfinite(r['loss']) for r in train)
    print(f'[{run}] {batch / step_s:.0f} images/s over the last '
          f'{len(late)} log rows, losses finite: {finite}, last loss '
          f'{train[-1]["loss"]:.3f}, max memory '
          f'{max(r.get("memory", 0) for r in train)} MB, last eval '
          f'{ {k: v for k, v in evals[-1].items() if "/" in k} if evals else "-"}')
EOF

# 4. Training-step cost of the seven Market configs, batch 32, with and
# without AMP (the cost table of configs/sona/README.md).
PATHS=$(for c in $CONFIGS; do printf 'configs/sona/%s.py ' "$c"; done)
for precision in fp32 amp; do
    FLAG=
    [ $precision = amp ] && [ "$SMOKE" != 1 ] && FLAG=--amp
    step "benchmark_train_$precision" 150 "$PY" \
        tools/analysis_tools/benchmark_train.py $PATHS \
        --baseline configs/sona/bfe_r50-dilated_market.py --synthetic \
        --shape $SHAPE --batch-size $BATCH --steps $STEPS --warmup 2 \
        --loader-batches 10 $FLAG $BENCH_OPTIONS
    grep -E '^\|' "$RESULTS/benchmark_train_$precision.log" | tee -a "$SUMMARY"
done

# 5. The evaluator on the GPU at MSMT17 scale (11,659 x 82,161, 1,536-d);
# the CPU-only measurements are left out.
step benchmark_eval 120 "$PY" tools/analysis_tools/benchmark_eval.py \
    --scales $EVAL_SCALE --device $DEVICE --skip full-argsort mmsona-sharded
grep -vE '^\s*$' "$RESULTS/benchmark_eval.log" | tail -n 15 >> "$SUMMARY"

# 6. Features of the fp32 checkpoint on the CPU and on the GPU.
CKPT=$(cat "$RESULTS/train_fp32/last_checkpoint" 2>/dev/null)
if [ -n "$CKPT" ]; then
    for dev in $(printf '%s\n' cpu $DEVICE | sort -u); do
        step "features_$dev" 120 "$PY" tools/extract_features.py \
            "$TMP/sona_r50_synthetic.py" "$CKPT" --img-dir "$DATA/query" \
            --device "$dev" --out "$TMP/features_$dev.npz"
    done
    "$PY" - "$TMP" "$DEVICE" <<'EOF' | tee -a "$SUMMARY"
import sys
import numpy as np
cpu = np.load(f'{sys.argv[1]}/features_cpu.npz')
gpu = np.load(f'{sys.argv[1]}/features_{sys.argv[2]}.npz')
assert list(cpu['paths']) == list(gpu['paths'])
diff = np.abs(cpu['features'] - gpu['features'])
scale = np.abs(cpu['features']).max()
print(f'[features] {len(diff)} images: max |cpu - {sys.argv[2]}| '
      f'{diff.max():.2e} (largest |feature| {scale:.2e}, relative '
      f'{diff.max() / scale:.2e})')
EOF
else
    say '[features] skipped: the fp32 run left no checkpoint'
fi
rm -rf "$TMP"
say "results in $RESULTS"
