#!/usr/bin/env bash
# Regenerates the "Served quality" results of docs/quality.md: recsys replay-eval runs of the service's defaults and
# their ablation (no ranker, each channel alone, no repeats) on MovieLens-100K (leave-one-out and temporal) and the
# DIGINETICA sample (sessions). One report folder (report.md, report.json) per run under docs/results/served/.
#
# usage: bench/served-quality.sh <data folder> [run ...]
#   <data folder> holds ml-100k/ and diginetica-sample/ (e.g. ../shared/data); runs: ml100k-loo ml100k-temporal
#   diginetica ml100k-loo-alternatives diginetica-din (default: all five).
#
# Quality, not latency: channel and ranking deadlines are generous (2 s, 5 s) so a busy machine does not turn
# answers into degraded ones; docs/benchmarks.md measures latency. Each run trains the default version once and
# every variant serves it (variants change serving only).
set -euo pipefail
data=$(cd "${1:?usage: bench/served-quality.sh <data folder> [run ...]}" && pwd)
shift
runs=("$@")
[[ ${#runs[@]} -gt 0 ]] || runs=(ml100k-loo ml100k-temporal diginetica ml100k-loo-alternatives diginetica-din)
root=$(cd "$(dirname "$0")/.." && pwd)
# VALIDATION=1: the same runs replayed inside the training part (replay-eval --validation), where the defaults are
# chosen; their reports go to docs/results/served-validation/.
validation=()
out=$root/docs/results/served
if [[ ${VALIDATION:-0} == 1 ]]; then validation=(--validation); out=$root/docs/results/served-validation; fi
mkdir -p "$out"

dotnet build -c Release "$root/src/Cli" -v q -nologo > /dev/null
recsys=$root/src/Cli/bin/Release/net10.0/recsys

generous=(--set RecSys:Serving:ChannelTimeout=00:00:02 --set RecSys:Serving:RankTimeout=00:00:05)
# The default channels, in priority order (RecSys:Serving:Channels); a channel whose model the version lacks is skipped.
channels=history,gru4rec,sasrec,youtubednn,item2vec,deepwalk,sknn,itemcf,popularity
alone() { # one channel alone, unranked
  printf '%s alone: RecSys:Serving:Channels=%s; RecSys:Serving:Ranker=none' "$1" "$1"
}
without() { # the default without one channel
  printf 'without %s: RecSys:Serving:Channels=%s' "$1" "$(tr ',' '\n' <<< "$channels" | grep -vx "$1" | paste -sd,)"
}
ablation() { # default, no ranker, then each trained channel without it and alone
  printf '%s\n' "--variant" "default:" "--variant" "no ranker: RecSys:Serving:Ranker=none"
  for c in "$@"; do printf '%s\n' "--variant" "$(without "$c")"; done
  for c in "$@"; do printf '%s\n' "--variant" "$(alone "$c")"; done
}
alone_only() { # default, no ranker, each channel alone (the temporal run replays 20,000 events per variant)
  printf '%s\n' "--variant" "default:" "--variant" "no ranker: RecSys:Serving:Ranker=none"
  for c in "$@"; do printf '%s\n' "--variant" "$(alone "$c")"; done
}

replay() {
  local name=$1; shift
  echo "== $name" >&2
  "$recsys" replay-eval --out "$out/$name" "${generous[@]}" "${validation[@]}" "$@" > "$out/$name.txt"
  cat "$out/$name.txt"
}

for run in "${runs[@]}"; do
  case $run in
    ml100k-loo)
      mapfile -t variants < <(ablation sasrec gru4rec sknn itemcf popularity)
      replay "$run" --data "movielens-100k:$data/ml-100k" --protocol loo --k 10 "${variants[@]}" ;;
    ml100k-temporal)
      mapfile -t variants < <(alone_only sasrec gru4rec sknn itemcf popularity)
      replay "$run" --data "movielens-100k:$data/ml-100k" --protocol temporal --k 10 "${variants[@]}" \
        --variant "din ranker: RecSys:Serving:Ranker=din" --set "RecSys:Models:Train=sasrec,gru4rec,lr,din" ;;
    ml100k-loo-alternatives)
      # What the default training leaves out: YouTube-DNN and DIN (the previous defaults).
      replay "$run" --data "movielens-100k:$data/ml-100k" --protocol loo --k 10 \
        --set "RecSys:Models:Train=sasrec,gru4rec,youtubednn,lr,din" \
        --set "RecSys:Models:TrainSettings=sasrec.epochs=30;gru4rec.epochs=8;youtubednn.epochs=8;din.epochs=3" \
        --variant "lr, with youtubednn: RecSys:Serving:Ranker=lr" \
        --variant "$(without youtubednn | sed 's/^without youtubednn/lr, without youtubednn/'); RecSys:Serving:Ranker=lr" \
        --variant "din, with youtubednn: RecSys:Serving:Ranker=din" \
        --variant "$(without youtubednn | sed 's/^without youtubednn/din, without youtubednn/'); RecSys:Serving:Ranker=din" ;;
    diginetica-din)
      # DIN, the previous default ranker, on the session data (the version trains both rankers on the same lists).
      replay "$run" --data "diginetica:$data/diginetica-sample/train-item-views.csv" --protocol session --k 20 \
        --set "RecSys:Models:Train=sasrec,gru4rec,lr,din" \
        --variant "lr: RecSys:Serving:Ranker=lr" --variant "din: RecSys:Serving:Ranker=din" ;;
    diginetica)
      mapfile -t variants < <(ablation history sasrec gru4rec sknn itemcf popularity)
      replay diginetica --data "diginetica:$data/diginetica-sample/train-item-views.csv" --protocol session --k 20 \
        "${variants[@]}" --variant "no repeats: RecSys:Serving:SessionRepeats=false" ;;
    *) echo "unknown run '$run'" >&2; exit 2 ;;
  esac
done
