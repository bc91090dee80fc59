#!/usr/bin/env bash
# Assembles every <kernel>.<sm_XX>.ptx in a folder (as written by
# mlc-opt -mlc-cuda-write-binaries) with `ptxas -v` for its architecture and
# prints one line per kernel: registers, spills, shared memory, barriers.
# Exits non-zero if ptxas reports an error for any of them.
#
#   utils/ptxas-report.sh /usr/local/cuda/bin/ptxas out/
set -uo pipefail
ptxas=$1 dir=$2
status=0
for ptx in "$dir"/*.sm_*.ptx; do
  [[ -e $ptx ]] || { echo "no PTX files in $dir" >&2; exit 1; }
  name=$(basename "$ptx" .ptx)
  arch=${name##*.}
  if ! log=$("$ptxas" -v -arch="$arch" "$ptx" -o "${ptx%.ptx}.cubin" 2>&1); then
    printf '%s: ptxas failed\n%s\n' "$name" "$log"
    status=1
    continue
  fi
  regs=$(grep -o 'Used [0-9]* registers' <<<"$log" | grep -o '[0-9]*')
  spills=$(grep -o '[0-9]* bytes spill stores, [0-9]* bytes spill loads' <<<"$log")
  smem=$(grep -o '[0-9]* bytes smem' <<<"$log" || echo "0 bytes smem")
  barriers=$(grep -o 'used [0-9]* barriers' <<<"$log" | grep -o '[0-9]*')
  echo "$name: $regs registers, $spills, $smem, $barriers barriers"
done
exit $status
