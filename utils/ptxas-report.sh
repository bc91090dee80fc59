#!/usr/bin/env bash
# Assembles every <binary>.<sm_XX>.ptx in a folder (as written by
# mlc-opt -mlc-cuda-write-binaries) with `ptxas -v` for its architecture and
# prints one line per kernel: registers, spills, shared memory, barriers.
# Exits non-zero if ptxas reports an error for any of them.
#
#   utils/ptxas-report.sh /usr/local/cuda/bin/ptxas out/
#   => main_kernel.sm_80: 32 registers, 0 bytes spill stores, 0 bytes spill loads, 0 bytes smem, 0 barriers
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
  # ptxas -v reports each entry function in a block that starts with
  # "Compiling entry function 'NAME'" and ends with its "Used N registers"
  # line (which also has barriers and shared memory).
  awk -v arch="$arch" '
    /Compiling entry function/ { split($0, q, "'\''"); kernel = q[2]; spills = "" }
    /bytes spill stores/ { match($0, /[0-9]+ bytes spill stores, [0-9]+ bytes spill loads/)
                           spills = substr($0, RSTART, RLENGTH) }
    /Used [0-9]+ registers/ && kernel != "" {
      match($0, /Used [0-9]+ registers/); split(substr($0, RSTART, RLENGTH), r, " ")
      barriers = 0
      if (match($0, /used [0-9]+ barriers/)) { split(substr($0, RSTART, RLENGTH), b, " "); barriers = b[2] }
      smem = "0 bytes smem"
      if (match($0, /[0-9]+ bytes smem/)) smem = substr($0, RSTART, RLENGTH)
      printf "%s.%s: %s registers, %s, %s, %s barriers\n", kernel, arch, r[2], spills, smem, barriers
      kernel = ""
    }' <<<"$log"
done
exit $status
