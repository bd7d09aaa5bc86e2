# Sourced by test/docs/shell-session.ts before a walk-through's first command.
# Defined before the first command. `npm ci` and `npm run build` in the checkout do nothing (it is
# installed and built; elsewhere, e.g. in a scaffolded plugin, they run); `npm start`, `warden server -dev` and `npm run <x>-emulator` start the server or emulator in the
# background as the text's "in another terminal" means, on the walk-through's ports, and return once
# it answers (the dev server: once it printed its root token, kept in WT_ROOT_TOKEN). Starting one
# that runs already stops it first with a SIGTERM to the npm process alone, as Ctrl-C in its
# terminal would, and requires its port to close: a script that does not exec node leaves a child
# holding the port, and the restart fails.
set -o pipefail
exec 2>&1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
wt_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wt_stop() {
  local v="WT_PID_${1//-/_}" p="WT_PORT_OF_${1//-/_}"
  local pid=${!v} port=${!p} n=0
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  while wt_port_open "$port"; do
    n=$((n+1))
    if [ $n -gt 200 ]; then echo "[walkthrough] port $port still open 10 s after SIGTERM to $1 (npm pid $pid): a child outlived npm"; return 1; fi
    sleep 0.05
  done
  kill -KILL -- "-$pid" 2>/dev/null
  printf -v "$v" %s ""
}
wt_start() {
  local name=$1 port=$2 ready=$3; shift 3
  wt_stop "$name" || return 1
  local log="$WT_LOGS/$name.log" n=0
  setsid "$@" > "$log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" >> "$WT_LOGS/pids"
  printf -v "WT_PID_${name//-/_}" %s "$pid"
  printf -v "WT_PORT_OF_${name//-/_}" %s "$port"
  until wt_port_open "$port" && { [ -z "$ready" ] || grep -q "$ready" "$log"; }; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "[walkthrough] $name exited before it was ready:"; cat "$log"; return 1; fi
    n=$((n+1))
    if [ $n -gt 1200 ]; then echo "[walkthrough] $name not ready after 60 s:"; cat "$log"; return 1; fi
    sleep 0.05
  done
  echo "[walkthrough] running in the background (pid $pid, port $port): $*"
  cat "$log"
}
# The dev server, started by "$@" (`npm start -- ...` or `warden server -dev ...`), on the walk-through's
# port unless the text names one; WT_ROOT_TOKEN is the root token it printed.
wt_dev_server() {
  local args=("$@") a addr=""
  for a in "${args[@]}"; do case "$a" in -dev-listen-address=*) addr=${a#*=} ;; esac; done
  if [ -z "$addr" ]; then addr="127.0.0.1:$WT_PORT_8200"; args+=("-dev-listen-address=$addr"); fi
  wt_start dev-server "${addr##*:}" "^Root Token:" "${args[@]}" || return 1
  WT_ROOT_TOKEN=$(sed -n 's/^Root Token: //p' "$WT_LOGS/dev-server.log" | head -1)
}
# With `warden` on the PATH (plugin guides), `warden server -dev` is the dev server too.
warden() {
  if [ "$1" = server ] && [[ " $* " == *" -dev"* ]]; then wt_dev_server "$(type -P warden)" "$@"; return; fi
  command warden "$@"
}
npm() {
  case "$1" in
    ci) if [ "$PWD" = "$WT_CHECKOUT" ]; then echo "[walkthrough] npm ci: the checkout is installed already"; return 0; fi ;;
    start)
      shift; [ "$1" = "--" ] && shift
      wt_dev_server npm start -- "$@"
      return ;;
    run)
      case "$2" in
        build) if [ "$PWD" = "$WT_CHECKOUT" ]; then echo "[walkthrough] npm run build: built already"; return 0; fi ;;
        sts-emulator|oci-emulator|kms-emulator|ecs-metadata-emulator)
          local script=$2 port="" prev="" a
          shift 2; [ "$1" = "--" ] && shift
          local args=("$@")
          for a in "$@"; do [ "$prev" = "--port" ] && port=$a; case "$a" in --port=*) port=${a#*=} ;; esac; prev=$a; done
          if [ -z "$port" ]; then
            if [ "$script" = sts-emulator ]; then port=$WT_PORT_9001; else port=$WT_PORT_9002; fi
            args+=(--port "$port")
          fi
          wt_start "$script" "$port" "" npm run "$script" -- "${args[@]}"
          return ;;
      esac ;;
  esac
  command npm "$@"
}
