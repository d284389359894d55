#!/usr/bin/env bash
# The bash completion (packaging/bash-completion/mesos-journald) against the binaries it
# completes:  completion_test.sh COMPLETION_FILE PIPE_BINARY LOGS_BINARY
# Exit 0 pass, 1 fail, 77 skip (no bash-completion installed).
set -uo pipefail
completion=$1 pipe=$(realpath "$2") logs=$(realpath "$3")
[[ -r /usr/share/bash-completion/bash_completion ]] || { echo "SKIP: bash-completion is not installed"; exit 77; }
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1090
source "$completion"
# The completion finds the commands by name, as an installed one would.
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
ln -s "$pipe" "$bin/mesos-journald-pipe"; ln -s "$logs" "$bin/mesos-journald-logs"
PATH=$bin:$PATH

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# complete WORD... : the candidates bash would offer for the last word.
complete_words() {
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  local fn; fn=$(complete -p "$1" | sed -E 's/.*-F ([^ ]+) .*/\1/')
  "$fn" "$1" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
expect() {  # expect "WANTED" WORD...
  local want=$1; shift
  local got; got=$(complete_words "$@")
  [[ $got == "$want" ]] || fail "'$*<TAB>': got '$got', want '$want'"
}
expect_has() {  # expect_has CANDIDATE WORD...
  local want=$1; shift
  local got; got=" $(complete_words "$@") "
  [[ $got == *" $want "* ]] || fail "'$*<TAB>': '$want' not among '$got'"
}

# Option names come from --help.
expect "--overflow" mesos-journald-pipe --overf
expect "--follow" mesos-journald-logs --fol
expect "--pod-container --pod-task-links --pod-task-meta --pod-task-wait" mesos-journald-pipe --pod

# Every value list the completion offers is the one --help gives for that option
# ("--overflow TEXT:{block,drop}=block").
check_choices() {  # check_choices BINARY OPTION [EXTRA_WORDS_FOR_OPTION...]
  local binary=$1 option=$2
  local from_help
  from_help=$("$binary" --help | grep -oE -- "(^|[ ,])$option TEXT:\{[^}]*\}" | sed -E 's/.*\{(.*)\}/\1/' | tr ',' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
  [[ -n $from_help ]] || { fail "$binary --help shows no choices for $option"; return; }
  expect "$from_help" "${binary##*/}" "$option" ""
}
check_choices mesos-journald-pipe --overflow
check_choices mesos-journald-pipe --transport
check_choices mesos-journald-pipe --stream
check_choices mesos-journald-logs --stream
check_choices mesos-journald-logs --output
expect "raw" mesos-journald-logs -o r

# Every option the completion file names exists in that command's --help.
for pair in "_mesos_journald_pipe mesos-journald-pipe" "_mesos_journald_logs mesos-journald-logs"; do
  read -r fn cmd <<<"$pair"
  help=" $("$cmd" --help | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | tr '\n' ' ') "
  # The case patterns: lines of options joined by "|" that end in ")".
  for opt in $(declare -f "$fn" | grep -E -- '^ *-[-a-zA-Z0-9 |]*\) *$' | grep -oE -- '--?[a-zA-Z][a-zA-Z0-9-]*' | sort -u); do
    [[ $opt == -- || $help == *" $opt "* ]] || fail "$fn names $opt, which $cmd --help does not have"
  done
done

# After COMMAND (and after an option's value), COMMAND's own completion takes over.
expect_has echo mesos-journald-pipe -t myjob --sandbox /tmp ech
expect_has echo mesos-journald-pipe -- ech
expect "" mesos-journald-pipe --max-files ""

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "completion: all checks passed"
