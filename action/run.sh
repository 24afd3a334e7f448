#!/usr/bin/env bash
# The action's run step: runs `herald $HERALD_COMMAND` in $HERALD_WORKING_DIRECTORY, writes the
# `exit-code` and `report-dir` outputs, appends the run's summary.md to the job summary, then
# exits with herald's code unless $HERALD_FAIL_ON_ERROR is `false`.
#
# A `send` without `--report` gets one in a new folder under $RUNNER_TEMP, so the report is
# always found (`report … --out DIR` is found too). herald is run without GITHUB_STEP_SUMMARY so
# the summary shows once, appended here for every command that writes one.
set -uo pipefail
cd "${HERALD_WORKING_DIRECTORY:-.}" || exit 2
if [[ -n ${HERALD_INPUT_JOURNAL:-} ]]; then
  echo "::add-mask::$HERALD_INPUT_JOURNAL"
  export HERALD_JOURNAL=$HERALD_INPUT_JOURNAL
fi
# Split like a shell line, so quoted paths with spaces work.
args=()
if ! eval "args=(${HERALD_COMMAND:-})"; then
  echo "::error::the action's command input is not a shell line (an unclosed quote?): ${HERALD_COMMAND:-}"
  exit 2
fi
if [[ ${#args[@]} == 0 ]]; then
  echo "exit-code=0" >> "$GITHUB_OUTPUT"
  echo "report-dir=" >> "$GITHUB_OUTPUT"
  exit 0
fi

# The subcommand: the first word that is not an option or --color's value.
sub=-1
for i in "${!args[@]}"; do
  w=${args[$i]}
  if [[ $w != -* ]] && { [[ $i == 0 ]] || [[ ${args[$((i - 1))]} != --color ]]; }; then
    sub=$i
    break
  fi
done
report_dir=
flag=
subcommand=
[[ $sub -lt 0 ]] || subcommand=${args[$sub]}
case "$subcommand" in
  send) flag=--report ;;
  report) flag=--out ;;
esac
if [[ -n $flag ]]; then
  for i in "${!args[@]}"; do
    case "${args[$i]}" in
      "$flag") report_dir=${args[$((i + 1))]:-} ;;
      "$flag"=*) report_dir=${args[$i]#"$flag"=} ;;
    esac
  done
  if [[ -z $report_dir && $flag == --report ]]; then
    report_dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/herald-report.XXXXXX")
    args=("${args[@]:0:sub+1}" --report "$report_dir" "${args[@]:sub+1}")
  fi
  # Relative to the working directory: made absolute for actions/upload-artifact.
  [[ -z $report_dir || $report_dir == /* || $report_dir == [A-Za-z]:* ]] || report_dir=$PWD/$report_dir
fi

code=0
env -u GITHUB_STEP_SUMMARY herald "${args[@]}" || code=$?
{
  echo "exit-code=$code"
  echo "report-dir=$report_dir"
} >> "$GITHUB_OUTPUT"
if [[ -n $report_dir && -f $report_dir/summary.md && -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  cat "$report_dir/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
if [[ $code != 0 && ${HERALD_FAIL_ON_ERROR:-true} != false ]]; then
  echo "::error::herald exited $code (docs/exit-codes.md); set fail-on-error: false to gate on the exit-code output yourself"
  exit "$code"
fi
exit 0
