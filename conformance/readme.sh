# README snippets for the conformance suites. Source it: . "$(dirname "$0")/readme.sh"
#   readme_snippet NAME   prints the code block that follows `<!-- snippet: NAME -->` in README.md
#                         (fails loudly when there is none), so the suites run what users copy.
readme_snippet() {
  local name="$1" readme
  readme="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/README.md"
  awk -v want="<!-- snippet: $name -->" '
    $0 == want { found = 1; next }
    found == 1 && /^```/ { found = 2; next }
    found == 2 && /^```/ { exit }
    found == 2 { print }
    END { if (found != 2) exit 1 }
  ' "$readme" || { echo "README.md has no snippet named $name" >&2; return 1; }
}
