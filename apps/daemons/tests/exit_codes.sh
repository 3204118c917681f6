#!/usr/bin/env bash
# The documented exit statuses of phantasm-client and phantasm-server, from the binaries:
#   0  --help, --version; stopped by SIGTERM (root)
#   1  setup failed: unresolvable --remote, --local address not on this host, --local in use,
#      no /dev/net/tun (root: a private mount namespace hides it), no permission for it (root:
#      run as nobody)
#   2  bad option
#
#   exit_codes.sh CLIENT_BIN SERVER_BIN [--root]
# Without --root only what needs no privilege; with it only what does (exit 77 with the reason
# when not root). Exit 0: pass; 1: fail.
set -uo pipefail
CLIENT=$(readlink -f "${1:?client binary}")
SERVER=$(readlink -f "${2:?server binary}")
MODE=${3:-}
FAILURES=0
WORK=$(mktemp -d /tmp/phx9-exit.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# expect STATUS DESCRIPTION [PATTERN] -- CMD...: CMD's exit status is STATUS (and its output
# matches PATTERN, when given).
expect() {
  local want=$1 what=$2 pattern=""
  shift 2
  if [[ $1 != -- ]]; then pattern=$1; shift; fi
  shift
  local out rc
  out=$(timeout 20 "$@" 2>&1 </dev/null)
  rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL: $what: exit $rc, expected $want"; echo "$out" | head -5 | sed 's/^/      /'
    FAILURES=$((FAILURES + 1))
  elif [[ -n $pattern ]] && ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: exit $rc but no /$pattern/ in:"; echo "$out" | head -5 | sed 's/^/      /'
    FAILURES=$((FAILURES + 1))
  else
    echo "ok:   $what: exit $rc"
  fi
}

if [[ $MODE != --root ]]; then
  for bin in "$CLIENT" "$SERVER"; do
    name=$(basename "$bin")
    local_arg=127.0.0.1:1
    [[ $bin == "$SERVER" ]] && local_arg=1
    expect 0 "$name --help" "Exit status: 0" -- "$bin" --help
    expect 0 "$name -h" "Usage: $name" -- "$bin" -h
    expect 0 "$name --version" "^phantasm [0-9]+\.[0-9]+\.[0-9]+" -- "$bin" --version
    expect 0 "$name -V" "^phantasm [0-9]" -- "$bin" -V
    expect 2 "$name with no options" "error: .*(try --help)" -- "$bin"
    expect 2 "$name --bogus" "error: " -- "$bin" --bogus
    expect 2 "$name --mtu 100" "mtu" -- "$bin" -l "$local_arg" -r h:1 --mtu 100
    expect 2 "$name --keepalive 30 (not below --dead-after)" "must be shorter" -- \
      "$bin" -l "$local_arg" -r h:1 --keepalive 30
    expect 2 "$name --tun-local = --tun-peer" "must differ" -- \
      "$bin" -l "$local_arg" -r h:1 --tun-local 10.0.0.1 --tun-peer 10.0.0.1
  done
  expect 2 "phantasm-client -l without a port" "not IP:PORT" -- "$CLIENT" -l 127.0.0.1 -r h:1
  expect 2 "phantasm-server -l 70000" "70000" -- "$SERVER" -l 70000 -r h:1
  expect 2 "phantasm-server --pin-route (a client option)" "pin-route" -- "$SERVER" -l 1 -r h:1 --pin-route
  # Setup errors before any privilege is needed: the name resolves first, the client's UDP
  # socket is bound before the TUN is created.
  expect 1 "phantasm-client, unresolvable --remote" "cannot resolve 'no.such.host.invalid'" -- \
    "$CLIENT" -l 127.0.0.1:1 -r no.such.host.invalid:4567 --control none
  expect 1 "phantasm-server, unresolvable --remote" "cannot resolve 'no.such.host.invalid'" -- \
    "$SERVER" -l 4567 -r no.such.host.invalid:51820 --control none
  expect 1 "phantasm-client, --local address not on this host" "192.0.2.1" -- \
    "$CLIENT" -l 192.0.2.1:5000 -r 127.0.0.1:4567 --control none
  python3 - "$CLIENT" <<'PY'
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
p = subprocess.run([sys.argv[1], "-l", f"127.0.0.1:{port}", "-r", "127.0.0.1:4567", "--control",
                    "none"], capture_output=True, text=True, timeout=20)
ok = p.returncode == 1 and "in use" in p.stderr
print(("ok:  " if ok else "FAIL:"), f"phantasm-client, --local 127.0.0.1:{port} in use: exit {p.returncode}")
if not ok:
    print("      " + p.stderr.strip().replace("\n", "\n      "))
sys.exit(0 if ok else 1)
PY
  [[ $? -eq 0 ]] || FAILURES=$((FAILURES + 1))
else
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the TUN cases need root (a network and mount namespace of their own, another user)"
    exit 77
  fi
  command -v unshare >/dev/null || { echo "SKIP: unshare (util-linux) is missing"; exit 77; }
  # Each case in a fresh network namespace (unshare -n): nothing is left behind.
  expect 1 "phantasm-client without /dev/net/tun" "/dev/net/tun" -- \
    unshare -n -m sh -c 'mount -t tmpfs none /dev/net && exec "$0" -l 127.0.0.1:5000 -r 127.0.0.1:4567 --control none' "$CLIENT"
  expect 1 "phantasm-server without /dev/net/tun" "/dev/net/tun" -- \
    unshare -n -m sh -c 'mount -t tmpfs none /dev/net && exec "$0" -l 4567 -r 127.0.0.1:51820 --control none' "$SERVER"
  # An unprivileged user: no CAP_NET_ADMIN (and this VM's /dev/net/tun may be 0600).
  if command -v setpriv >/dev/null; then
    expect 1 "phantasm-client as nobody (no CAP_NET_ADMIN)" "TUN|tun|permitted|denied" -- \
      unshare -n sh -c 'ip link set lo up; exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$0" -l 127.0.0.1:5000 -r 127.0.0.1:4567 --control none' "$CLIENT"
  else
    echo "skip: phantasm-client as nobody: setpriv (util-linux) is missing"
  fi
  # Runs, then SIGTERM: 0.
  cat >"$WORK/term.sh" <<'SH'
ip link set lo up
PHANTASM_LOG=info "$1" "${@:2}" >"$LOG" 2>&1 &
pid=$!
for i in $(seq 100); do grep -q "Listening on" "$LOG" && break; sleep 0.1; done
kill -TERM $pid
wait $pid
SH
  LOG="$WORK/client.log" expect 0 "phantasm-client stopped by SIGTERM" -- \
    unshare -n bash "$WORK/term.sh" "$CLIENT" -l 127.0.0.1:5000 -r 127.0.0.1:4567 --control none --threads 1
  LOG="$WORK/server.log" expect 0 "phantasm-server stopped by SIGTERM" -- \
    unshare -n bash "$WORK/term.sh" "$SERVER" -l 4567 -r 127.0.0.1:51820 --control none --threads 1
  grep -q "exiting" "$WORK/client.log" "$WORK/server.log" || { echo "FAIL: no 'exiting' logged"; FAILURES=$((FAILURES + 1)); }
fi

[[ $FAILURES -eq 0 ]] && echo PASS || echo "FAILED: $FAILURES check(s)"
[[ $FAILURES -eq 0 ]]
