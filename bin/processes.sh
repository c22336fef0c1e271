# Start commands in the background and stop them all on Ctrl-C, for bin/demo (sourced, not run).
#
# Each command runs in a process group of its own (job control on), so Ctrl-C reaches only this script, which then
# stops every group: SIGTERM (a Celery worker's warm shutdown finishes its task), and SIGKILL to whatever is still
# running after PROCESSES_GRACE seconds (or at a second Ctrl-C), so a worker stuck in its warm shutdown never keeps
# the terminal.
set -m
PROCESSES_GRACE="${PROCESSES_GRACE:-10}"
processes_pids=()

processes_start() {
  "$@" &
  processes_pids+=("$!")
}

processes_alive() {
  local pid
  for pid in "${processes_pids[@]}"; do
    if kill -0 -- "-$pid" 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

processes_stop() {
  trap - TERM EXIT
  trap 'PROCESSES_GRACE=0' INT # a second Ctrl-C stops at once
  local pid waited=0
  echo "Stopping the server, the worker and beat (Ctrl-C again to stop at once)..." >&2
  for pid in "${processes_pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  while processes_alive && [ "$waited" -lt "$((PROCESSES_GRACE * 10))" ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  for pid in "${processes_pids[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
