#!/usr/bin/env bash
# The worker benchmark on a GPU machine, in one run: `core bench` on the 1080p clip under
# KERAS_BACKEND=torch, every stage, JSON files into $OUT (or ./gpu-bench when $OUT is unset).
#
# The lent GPU machines have torch, OpenCV, numpy and pandas but not Keras, pymongo or yt-dlp, and
# ../shared does not travel with the working tree. Prepare once, in the repository root:
#   mkdir -p .gpu    # .whl/, .gpu/ and gpu-bench/ are in .gitignore
#   cp ../shared/data/videos/clip1080.mp4 .gpu/
#   for p in keras==3.15.1 namex==0.1.0 optree==0.20.0 pymongo==4.20.0 dnspython==2.9.2 yt-dlp==2026.10.26 \
#            keras-hub==0.32.0 regex==2026.11.19 tokenizers==0.23.3 huggingface_hub==2.4.0 filelock==4.3.1 fsspec==2026.9.0 \
#            hf-xet==1.8.0 httpx2==2.16.2 httpcore2==2.16.2 PyYAML==6.0.4 tqdm==4.70.1 kagglehub==1.0.2; do
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl "$p"; done
# then run this script there with `carry: [".whl", ".gpu"]`. On a CPU it runs as a check of itself:
#   GPU_BENCH_FRAMES=24 KERAS_BACKEND=tensorflow bash benchmarks/gpu_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
PY=${PY:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
OUT=${OUT:-gpu-bench}
mkdir -p "$OUT"
export KERAS_BACKEND=${KERAS_BACKEND:-torch} REELSIGHT_WEIGHTS=none PYTHONUNBUFFERED=1
clip=${GPU_BENCH_CLIP:-$( [ -f .gpu/clip1080.mp4 ] && echo .gpu/clip1080.mp4 || echo ../shared/data/videos/clip1080.mp4 )}
frames=${GPU_BENCH_FRAMES:-0}  # 0: the whole clip (2,160 frames)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1 || echo "no nvidia-smi" > "$OUT/gpu.txt"
nproc >> "$OUT/gpu.txt"
# 1. Every stage, every frame, no reuse: the targets (c >= 800, b >= 1300, c/b >= 0.8).
$PY -m core bench --video "$clip" --every-frame --no-reuse --max-frames "$frames" \
    --modes decode,feed,model_only,pipeline --json "$OUT/${KERAS_BACKEND}_no_reuse.json" 2>&1 | tee "$OUT/${KERAS_BACKEND}_no_reuse.txt"
# 2. The pipeline with reuse on (its default), and the resize methods against area.
$PY -m core bench --video "$clip" --every-frame --max-frames "$frames" --modes pipeline --json "$OUT/${KERAS_BACKEND}_reuse.json" 2>&1 | tee "$OUT/${KERAS_BACKEND}_reuse.txt"
$PY -m core bench --video "$clip" --fps 1 --max-frames 64 --modes resize --json "$OUT/${KERAS_BACKEND}_resize.json" 2>&1 | tee "$OUT/${KERAS_BACKEND}_resize.txt"
# 4. The object detector (RetinaNet, random weights) beside the classifiers: alone and in the pipeline, at 512 and 800 pixels.
#    keras-hub imports without TensorFlow on torch (checked on a CPU with the numpy backend); a failure here keeps steps 1-3.
for side in 512 800; do
    REELSIGHT_OBJECT_SIDE=$side $PY -m core bench --video "$clip" --fps 5 --max-frames 256 --modes model_only,pipeline --objects \
        --json "$OUT/${KERAS_BACKEND}_objects_$side.json" 2>&1 | tee "$OUT/${KERAS_BACKEND}_objects_$side.txt" || echo "objects bench at $side failed" | tee -a "$OUT/gpu.txt"
done
