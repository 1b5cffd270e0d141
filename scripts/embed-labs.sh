#!/bin/sh
# Writes the Swift source that compiles the labs under LABS_DIR into labrun: every file of
# every lab (a directory holding lab.yaml), base64-encoded so that no byte of it needs Swift
# escaping. Run by the EmbedLabs build-tool plugin whenever a file under labs/ changes.
#
# usage: embed-labs.sh LABS_DIR OUTPUT.swift
set -eu
labs=$1
output=$2
temporary="$output.$$.tmp"
trap 'rm -f "$temporary"' EXIT
list() {
  [ -d "$labs" ] || return 0
  (
    cd "$labs"
    find . -mindepth 2 -maxdepth 2 -name lab.yaml -type f | LC_ALL=C sort | while read -r definition; do
      lab=$(dirname "$definition")
      (cd "$lab" && find -L . -name '.*' ! -name . -prune -o -type f -print) | LC_ALL=C sort \
        | while read -r file; do printf '%s/%s\n' "${lab#./}" "${file#./}"; done
    done
  )
}
files=$(list)
for file in $files; do
  case "$file" in
    *[!A-Za-z0-9._/-]*)
      echo "embed-labs.sh: labs/$file: a name other than letters, digits, '.', '_', '-', '/'" >&2
      exit 1 ;;
  esac
done
{
  echo "// Generated from labs/ by scripts/embed-labs.sh (the EmbedLabs build-tool plugin); do not edit."
  echo "extension BuiltInLabs {"
  echo "  /// Every file of every lab under labs/: the lab, the file's path inside it, its bytes in base64."
  echo "  static let encoded: [(lab: String, path: String, base64: String)] = ["
  for file in $files; do
    encoded=$(base64 < "$labs/$file")
    printf '    ("%s", "%s", "%s"),\n' "${file%%/*}" "${file#*/}" "$(printf '%s' "$encoded" | tr -d '\n')"
  done
  echo "  ]"
  echo "}"
} > "$temporary"
mv "$temporary" "$output"
