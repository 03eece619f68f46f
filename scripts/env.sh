# shellcheck shell=bash
# Toolchain environment for Kompotten. Sourced by scripts/setup, scripts/start
# and scripts/test (and usable by hand: `source scripts/env.sh`).
# Safe to source more than once: PATH entries are de-duplicated.
#
# Two routes, chosen once by scripts/setup and stored in .tools/route:
#   debian  Debian's rustc-web/cargo-web (Rust 1.96, std source in rust-web-src),
#           wasm32 std built from source via -Zbuild-std, linked with wasm-ld-19.
#   rustup  rustup's active toolchain with the wasm32-unknown-unknown target
#           (-Zbuild-std still applies: cargo-leptos has no environment override
#           for lib-cargo-args, so RUSTC_BOOTSTRAP=1 and rust-src are needed).

KOMPOTTEN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KOMPOTTEN_REPO

KOMPOTTEN_TOOLCHAIN_ROUTE=debian
if [ -r "$KOMPOTTEN_REPO/.tools/route" ]; then
  case "$(tr -d '[:space:]' < "$KOMPOTTEN_REPO/.tools/route")" in
    rustup) KOMPOTTEN_TOOLCHAIN_ROUTE=rustup ;;
  esac
fi
export KOMPOTTEN_TOOLCHAIN_ROUTE

# Remove one directory from PATH (all occurrences).
_kompotten_path_remove() {
  local out="" dir rest="$PATH:"
  while [ -n "$rest" ]; do
    dir="${rest%%:*}"
    rest="${rest#*:}"
    if [ -n "$dir" ] && [ "$dir" != "$1" ]; then
      out="${out:+$out:}$dir"
    fi
  done
  PATH="$out"
}

# Prepend directories (first argument ends up first on PATH).
_kompotten_path_prepend() {
  local i
  for ((i = $#; i >= 1; i--)); do
    _kompotten_path_remove "${!i}"
    PATH="${!i}${PATH:+:$PATH}"
  done
}

if [ "$KOMPOTTEN_TOOLCHAIN_ROUTE" = debian ]; then
  # Debian's cargo/rustc must win over rustup's proxies in ~/.cargo/bin,
  # while cargo-installed tools in ~/.cargo/bin are still found.
  _kompotten_path_prepend "$KOMPOTTEN_REPO/node_modules/binaryen/bin" /usr/bin "$HOME/.cargo/bin"
  export RUSTC=/usr/bin/rustc
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
else
  _kompotten_path_prepend "$KOMPOTTEN_REPO/node_modules/binaryen/bin" "$HOME/.cargo/bin"
  unset RUSTC CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER
fi
# Needed for -Zbuild-std=std,panic_abort (lib-cargo-args in Cargo.toml) on both routes.
export RUSTC_BOOTSTRAP=1
export PATH

unset -f _kompotten_path_remove _kompotten_path_prepend

echo "KOMPOTTEN_TOOLCHAIN_ROUTE=$KOMPOTTEN_TOOLCHAIN_ROUTE" >&2
