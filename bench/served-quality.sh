#!/usr/bin/env bash
# Regenerates the "Served quality" results of docs/quality.md: recsys replay-eval runs of the service's defaults and
# their ablation (no ranker, each channel alone, no repeats) on MovieLens-100K (leave-one-out and temporal) and the
# DIGINETICA sample (sessions). One report folder (report.md, report.json) per run under docs/results/served/.
#
# usage: bench/served-quality.sh <data folder> [run ...]
#   <data folder> holds ml-100k/ and diginetica-sample/ (e.g. ../shared/data); runs: ml100k-loo ml100k-temporal
#   diginetica (default: all three).
#
# Quality, not latency: channel and ranking deadlines are generous (2 s, 5 s) so a busy machine does not turn
# answers into degraded ones; docs/benchmarks.md measures latency. Each run trains the default version once and
# every variant serves it (variants change serving only).
set -euo pipefail
data=$(cd "${1:?usage: bench/served-quality.sh <data folder> [run ...]}" && pwd)
shift
runs=("$@")
[[ ${#runs[@]} -gt 0 ]] || runs=(ml100k-loo ml100k-temporal diginetica)
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/docs/results/served
mkdir -p "$out"

dotnet build -c Release "$root/src/Cli" -v q -nologo > /dev/null
recsys=$root/src/Cli/bin/Release/net10.0/recsys

generous=(--set RecSys:Serving:ChannelTimeout=00:00:02 --set RecSys:Serving:RankTimeout=00:00:05)
alone() { # the variant of one channel alone, unranked
  printf '%s alone: RecSys:Serving:Channels=%s; RecSys:Serving:Ranker=none' "$1" "$1"
}

replay() {
  local name=$1; shift
  echo "== $name" >&2
  "$recsys" replay-eval --out "$out/$name" "${generous[@]}" "$@" > "$out/$name.txt"
  cat "$out/$name.txt"
}

for run in "${runs[@]}"; do
  case $run in
    ml100k-loo)
      replay ml100k-loo --data "movielens-100k:$data/ml-100k" --protocol loo --k 10 \
        --variant "default:" --variant "no ranker: RecSys:Serving:Ranker=none" \
        --variant "$(alone sasrec)" --variant "$(alone gru4rec)" --variant "$(alone sknn)" \
        --variant "$(alone itemcf)" --variant "$(alone popularity)" ;;
    ml100k-temporal)
      replay ml100k-temporal --data "movielens-100k:$data/ml-100k" --protocol temporal --k 10 \
        --variant "default:" --variant "no ranker: RecSys:Serving:Ranker=none" \
        --variant "$(alone sasrec)" --variant "$(alone gru4rec)" --variant "$(alone sknn)" \
        --variant "$(alone itemcf)" --variant "$(alone popularity)" ;;
    diginetica)
      replay diginetica --data "diginetica:$data/diginetica-sample/train-item-views.csv" --protocol session --k 20 \
        --variant "default:" --variant "no ranker: RecSys:Serving:Ranker=none" \
        --variant "no repeats: RecSys:Serving:SessionRepeats=false" \
        --variant "$(alone history)" --variant "$(alone sasrec)" --variant "$(alone gru4rec)" \
        --variant "$(alone sknn)" --variant "$(alone itemcf)" --variant "$(alone popularity)" ;;
    *) echo "unknown run '$run'" >&2; exit 2 ;;
  esac
done
