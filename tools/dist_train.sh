#!/usr/bin/env bash
# Distributed training with torchrun: dist_train.sh CONFIG GPUS [ARGS...]
# Honours NNODES, NODE_RANK, MASTER_ADDR and PORT for multi-node runs
# (MASTER_ADDR is required when NNODES > 1). On a machine without CUDA it
# starts GPUS CPU processes (gloo).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG GPUS [train.py options]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
if [ "$NNODES" -gt 1 ] && [ -z "${MASTER_ADDR:-}" ]; then
    # Without it every node would wait for a master on its own 127.0.0.1.
    echo "$0: NNODES=$NNODES needs MASTER_ADDR, the address of the node" \
        "with NODE_RANK=0 that the other nodes can reach (and the same" \
        "PORT on every node), e.g. MASTER_ADDR=10.0.0.1 NODE_RANK=1 $0 ..." >&2
    exit 2
fi
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
DIR=$(cd "$(dirname "$0")" && pwd)

PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$DIR/train.py" "$CONFIG" --launcher pytorch "${@:3}"
