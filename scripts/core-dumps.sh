# Sourced by the scripts that crash Go programs into cores: fails (through the caller's `die`)
# unless this machine writes ./core for a crashing process.
require_core_dumps() {
  local pattern
  pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo core)
  case $pattern in
    \|*) die "kernel.core_pattern pipes cores to a program ($pattern); run: sysctl -w kernel.core_pattern=core" ;;
    */*) die "kernel.core_pattern writes cores elsewhere ($pattern); run: sysctl -w kernel.core_pattern=core" ;;
  esac
  (ulimit -c unlimited) 2>/dev/null || die "cannot raise the core size limit (ulimit -c unlimited); the hard limit is $(ulimit -Hc)"
  command -v python3 >/dev/null || die "python3 is needed"
}
