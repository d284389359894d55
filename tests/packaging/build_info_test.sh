#!/usr/bin/env bash
# cmake/build_info.cmake, which gives --version its commit, in the three kinds of tree:
#   build_info_test.sh SOURCE_DIR CMAKE
# a `git archive` of HEAD (what release tarballs are): the commit git wrote into
# cmake/archive_commit.txt (export-subst); a copy whose archive_commit.txt still holds the
# placeholder: never taken as a commit; the checkout itself: git's hash.
# Exit 0 pass, 1 fail, 77 skip (no git, or SOURCE_DIR is not a git checkout).
set -uo pipefail
src=$1 cmake=$2
command -v git >/dev/null || { echo "SKIP: git is not installed"; exit 77; }
[[ -e $src/.git ]] || { echo "SKIP: $src has no .git (a source archive): nothing to archive"; exit 77; }
head=$(git -C "$src" rev-parse HEAD) || { echo "FAIL: git rev-parse HEAD in $src failed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# commit_of TREE [COMMIT]: the commit build_info.cmake (this checkout's) puts into
# --version for TREE, given -DCOMMIT=COMMIT.
commit_of() {
  rm -f "$tmp/build_info.cpp"
  "$cmake" -DSOURCE_DIR="$1" -DOUTPUT="$tmp/build_info.cpp" -DVERSION=0.0.0 -DCOMMIT="${2:-}" \
    -P "$src/cmake/build_info.cmake" || { echo "cmake -P failed for $1"; return; }
  sed -n 's/.* 0\.0\.0 (commit \([^)]*\))";$/\1/p' "$tmp/build_info.cpp"
}

# A source archive, as a release tarball is made.
mkdir "$tmp/archive"
git -C "$src" archive HEAD | tar -x -C "$tmp/archive" || fail "git archive HEAD | tar -x failed"
got=$(commit_of "$tmp/archive")
[[ $got == "${head:0:12}" ]] || fail "source archive: commit '$got', wanted '${head:0:12}' (git rev-parse HEAD)"
[[ $got == "${head:0:12}" ]] && echo "ok: a git archive of HEAD says commit $got"

# The file as a checkout has it: the placeholder, not a commit.
placeholder=$(cat "$src/cmake/archive_commit.txt")
[[ $placeholder == '$Format:%H$' ]] || fail "the checkout's cmake/archive_commit.txt holds '$placeholder', not the placeholder"
mkdir -p "$tmp/copy/cmake"
cp "$src/cmake/archive_commit.txt" "$tmp/copy/cmake/"
got=$(commit_of "$tmp/copy")
[[ $got == unknown ]] || fail "copy without .git: commit '$got', wanted 'unknown'"
got=$(commit_of "$tmp/copy" 0123456789ab)
[[ $got == 0123456789ab ]] || fail "copy without .git, -DCOMMIT=0123456789ab: commit '$got'"
[[ $failures == 0 ]] && echo "ok: an unsubstituted archive_commit.txt is ignored (unknown, or -DMJ_GIT_COMMIT)"

# The checkout: git's hash (at least 12 characters), -dirty when it has changes.
got=$(commit_of "$src")
[[ $got =~ ^${head:0:12}[0-9a-f]*(-dirty)?$ ]] || fail "checkout: commit '$got', wanted ${head:0:12}[-dirty]"
[[ $got =~ ^${head:0:12} ]] && echo "ok: the checkout says commit $got"

[[ $failures == 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "PASS"
