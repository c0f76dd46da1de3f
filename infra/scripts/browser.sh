# Sourced by .ci/run: the headless browser the dashboard's test drives (Debian's chromium and its
# chromedriver), installed from the Debian archive when missing.

ledger_ensure_browser() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "ledger: browser for the dashboard test: $(chromium --version 2>/dev/null | head -1)"
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "ledger: chromium and chromedriver are missing and this user cannot install them;" >&2
      echo "ledger: install Debian's 'chromium' and 'chromium-driver' packages, or the dashboard test will fail" >&2
      return 1
    fi
    sudo="sudo"
  fi
  echo "ledger: installing Debian's chromium and chromium-driver for the dashboard's browser test (about 80 MB) ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q chromium chromium-driver >/dev/null; then
    echo "ledger: first install failed; refreshing the package lists and trying again ..."
    $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium chromium-driver >/dev/null || {
      echo "ledger: could not install chromium and chromium-driver; the dashboard test will fail" >&2
      return 1
    }
  fi
  echo "ledger: installed $(chromium --version 2>/dev/null | head -1)"
}
