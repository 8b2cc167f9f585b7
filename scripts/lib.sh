# Shared shell helpers for the set-up scripts. Sourced, not run.

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Run a command as the postgres superuser (peer authentication over the local socket).
# From /: postgres may not enter the caller's directory (/root/..., or a home that Debian 12's
# adduser made 0700), and psql then prints "could not change directory to ..." on every call.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

say() { printf '==> %s\n' "$*"; }
