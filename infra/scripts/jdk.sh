# Picks a JDK 21 or newer for the ledger's scripts and exports JAVA_HOME.
# Order: $JAVA_HOME, then the `java` on PATH, then the newest JDK under the usual install folders.
# Source it, then call: ledger_pick_jdk || exit 1

ledger_jdk_major() { # prints the major version of the JDK at $1, or nothing
  local home=$1 version
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  [ -n "$version" ] || version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  version=${version#1.}
  printf '%s\n' "${version%%[.+-]*}"
}

ledger_pick_jdk() {
  local candidate major best="" best_major=0
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for candidate in /usr/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] && candidates+=("$candidate")
  done
  for candidate in "${candidates[@]}"; do
    major=$(ledger_jdk_major "$candidate")
    [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null || continue
    # The first acceptable one the user chose wins; among the scanned ones, the newest.
    if [ "$candidate" = "${JAVA_HOME:-}" ]; then best=$candidate; best_major=$major; break; fi
    if [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "error: the ledger needs a JDK 21 or newer and none was found (looked at JAVA_HOME, the java on PATH and /usr/lib/jvm)." >&2
    echo "       Install one (Debian/Ubuntu: apt-get install openjdk-21-jdk; or Temurin 21+ from https://adoptium.net)," >&2
    echo "       or point JAVA_HOME at it, then run this again." >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
  echo "ledger: using JDK $best_major at $JAVA_HOME" >&2
}
