# Progress lines for scripts/bootstrap, scripts/test and scripts/serve (sourced, not run).
#
#   phase "installing Debian packages: postgresql, chromium" apt-get install ...
#     prints "== installing Debian packages: postgresql, chromium … (took 42 s)" on one line; the
#     command's own output is kept in a file and shown only when it fails (then the script stops
#     with the command's exit status).
#   timed "pytest on SQLite" pytest ...
#     prints "== pytest on SQLite", lets the command print as it goes, then "   (took 310 s)";
#     returns the command's exit status.

phase() {
  local title=$1 log started status
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/eventsvc-phase.XXXXXX")
  started=$SECONDS
  printf '== %s … ' "$title"
  if "$@" >"$log" 2>&1; then
    printf '(took %d s)\n' $((SECONDS - started))
    rm -f "$log"
    return 0
  else
    status=$?
  fi
  printf 'FAILED after %d s (exit %d). Its output:\n' $((SECONDS - started)) "$status" >&2
  sed 's/^/  | /' "$log" >&2
  rm -f "$log"
  exit "$status"
}

timed() {
  local title=$1 started status=0
  shift
  started=$SECONDS
  printf '== %s\n' "$title"
  "$@" || status=$?
  printf '   (took %d s)\n' $((SECONDS - started))
  return "$status"
}
