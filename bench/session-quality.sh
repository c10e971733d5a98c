#!/usr/bin/env bash
# Regenerates the "Session-based next-item prediction" results of docs/quality.md: one report folder (report.md,
# report.json) per run under docs/results/session/, and the reference script's output for the cross-check.
#
# usage: bench/session-quality.sh <data folder> [reference script]
#   <data folder> holds diginetica-sample/train-item-views.csv and ml-100k/ (e.g. ../shared/data);
#   the reference script defaults to <data folder>/../tools/session_baselines_reference.py (needs python3-numpy).
#   SESSION_PARTS="diginetica movielens" (the default) picks the datasets to run. The reference script's own run
#   takes seconds on DIGINETICA and a few minutes on the MovieLens sessions (pure Python).
#
# The exported splits are research-licensed data: they go to a temporary folder and are deleted, never committed.
set -euo pipefail
data=$(cd "${1:?usage: bench/session-quality.sh <data folder> [reference script]}" && pwd)
reference=${2:-$data/../tools/session_baselines_reference.py}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/docs/results/session
python=${PYTHON:-/usr/bin/python3}
export OMP_NUM_THREADS=1   # one intra-op thread per training (2-core machine)

dotnet build -c Release "$root/src/Cli" -v q -nologo > /dev/null
recsys=$root/src/Cli/bin/Release/net10.0/recsys
splits=$(mktemp -d)
trap 'rm -rf "$splits"' EXIT
mkdir -p "$out"

diginetica="diginetica:$data/diginetica-sample/train-item-views.csv"
movielens="movielens-100k:$data/ml-100k"
models=pop,spop,ar,sr,sknn,vsknn,gru4rec,sasrec
# Chosen on the validation split of the training sessions only (docs/quality.md lists what was tried).
neural_diginetica=(--set gru4rec.loss=bprmax --set gru4rec.dropout=0.5 --set sasrec.max_len=20 --set sasrec.dropout=0.5 --set sasrec.epochs=100 --set sasrec.eval_every=2)
neural_movielens=(--set sasrec.epochs=100 --set sasrec.eval_every=2)

run() {
  local name=$1; shift
  echo "== $name" >&2
  "$recsys" eval --protocol session --device cpu --seed 42 --out "$out/$name" "$@" > "$out/$name.txt"
  cat "$out/$name.txt"
}

parts=${SESSION_PARTS:-diginetica movielens}

if [[ " $parts " == *" diginetica "* ]]; then
# DIGINETICA sample: last 20% of sessions by first event as test, repeats scored and seen items excluded.
run diginetica --data "$diginetica" --models "$models" "${neural_diginetica[@]}"
run diginetica-exclude-seen --data "$diginetica" --models "$models" "${neural_diginetica[@]}" --exclude-seen

# Cross-check of the baselines with the reference script on the same split, with its tie rule.
run diginetica-reference-ties --data "$diginetica" --ties optimistic --export-split "$splits/diginetica"
run diginetica-reference-ties-exclude-seen --data "$diginetica" --ties optimistic --exclude-seen
if [[ -f $reference ]]; then
  { "$python" "$reference" "$splits/diginetica/train.tsv" "$splits/diginetica/test.tsv"
    "$python" "$reference" "$splits/diginetica/train.tsv" "$splits/diginetica/test.tsv" --exclude-seen; } | tee "$out/reference-diginetica.txt"
else
  echo "reference script not found at $reference: cross-check skipped" >&2
fi
fi

if [[ " $parts " == *" movielens "* ]]; then
# MovieLens-100K, each user's ratings cut into sessions at gaps of more than an hour.
run movielens-sessions-1h --data "$movielens" --sessions 1h --models "$models" "${neural_movielens[@]}"
run movielens-sessions-1h-reference-ties --data "$movielens" --sessions 1h --ties optimistic --export-split "$splits/movielens"
if [[ -f $reference ]]; then
  "$python" "$reference" "$splits/movielens/train.tsv" "$splits/movielens/test.tsv" | tee "$out/reference-movielens-sessions-1h.txt"
fi
fi
