#!/usr/bin/env bash
# Baseline (a): one curl upload per file, one after the other, as a workflow step does it with a
# shell loop. Reads relative paths, one per line, from the file list in $1; paths are relative
# to $2. The endpoint and key come from RASTER_BENCH_UPLOAD_URL and RASTER_BENCH_KEY.
set -euo pipefail
list=$1
root=$2
while IFS= read -r path; do
  curl --silent --show-error --fail-with-body --output /dev/null \
    --header "Authorization: Bearer ${RASTER_BENCH_KEY}" \
    --header 'Api-Version: 2026-05-20' \
    --form "files=@${root}/${path};type=image/png" \
    "${RASTER_BENCH_UPLOAD_URL}"
done < "$list"
