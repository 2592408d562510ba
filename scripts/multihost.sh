#!/usr/bin/env bash
# Real multi-host runs: three hosts made with network namespaces (ip netns) and veth pairs on a
# bridge, each running a `starling run` pipeline, joined by push/pull, pub/sub and req/rep over
# tcp; the pub/sub link goes through `starling proxy` (latency, jitter, a cut). Midway, one host's
# process is killed (-9) and restarted. Then what was sent, lost in flight and arrived on each
# link is counted and checked against what SP promises:
#
#   a -> b  push/pull, direct, up all along   nothing lost, no duplicates, in order
#   b -> c  push/pull, direct, c killed       no duplicates, in order, delivery resumes
#   a -> c  pub/sub through the proxy (cut),  no duplicates, in order, delivery resumes after
#           c killed                          the heal and after the restart (losses allowed)
#   a -> c  req/rep, direct, c killed         every request answered exactly once; c sees
#                                             duplicates only where req resent (one per kill)
#
# Hosts: a 10.77.0.1 (the source: numbers 1, 2, 3 … that this script feeds it through a file it
# follows, each recorded as sent),
# b 10.77.0.2 (relays a's numbers to c), c 10.77.0.3 (the sink, killed and restarted; the proxy
# runs here too, 127.0.0.1:7101 -> a:7001). Every host records what it receives, one number a
# line, and the counts come from those files.
#
# Needs root (network namespaces). Settings (environment):
#   MULTIHOST_RATE              numbers fed to a a second (500)
#   MULTIHOST_REQUEST_RATE      requests fed to a a second, for c (50)
#   MULTIHOST_STEP              numbers to let through between the steps (cut, heal, kill,
#                               restart, stop) (500)
#   MULTIHOST_DOWNTIME          seconds the link stays cut and c stays dead (1)
#   MULTIHOST_DEADLINE          seconds any one wait may take before the run fails (90)
#   STARLING                    the starling binary (default: the release build, built if missing)
#   MULTIHOST_KEEP=1            keep the work directory (configs, logs, the received numbers)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

rate=${MULTIHOST_RATE:-500}
request_rate=${MULTIHOST_REQUEST_RATE:-50}
step=${MULTIHOST_STEP:-500}
downtime=${MULTIHOST_DOWNTIME:-1}
deadline=${MULTIHOST_DEADLINE:-90}

if [[ "$(id -u)" -ne 0 ]] || ! command -v ip >/dev/null; then
  echo "multihost: needs root and iproute2 (ip netns) to make the hosts" >&2
  exit 2
fi
if [[ -z "${STARLING:-}" ]]; then
  echo "== release build of starling"
  swift build -c release --scratch-path .build-release --product starling
  STARLING=$root/.build-release/release/starling
fi

tag="st$$"
hosts=(a b c)
work=$(mktemp -d /tmp/starling-multihost.XXXXXX)
declare -A pid=()

cleanup() {
  local status=$?
  for name in "${!pid[@]}"; do
    kill -9 "${pid[$name]}" 2>/dev/null || true
    { wait "${pid[$name]}"; } 2>/dev/null || true
  done
  for name in "${hosts[@]}" sw; do
    ip netns del "$tag$name" 2>/dev/null || true
  done
  if [[ "${MULTIHOST_KEEP:-}" == 1 || $status -ne 0 ]]; then
    echo "work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

start_time=$(date +%s%N)
say() { printf '%6.2f  %s\n' "$(awk -v s="$start_time" -v n="$(date +%s%N)" 'BEGIN { print (n - s) / 1e9 }')" "$*"; }
fail() {
  say "FAILED: $*"
  for log in "$work"/*.err; do
    [[ -f "$log" ]] || continue
    echo "--- $(basename "$log") (last lines)"
    tail -n 15 "$log"
  done
  exit 1
}

# The lines of a file (0 if it does not exist yet), its last number.
count() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
last() { if [[ -s "$1" ]]; then tail -n 1 "$1"; else echo 0; fi; }

# wait_until DESCRIPTION COMMAND...: polls until the command succeeds, or fails the run.
wait_until() {
  local what=$1
  shift
  local limit=$((SECONDS + deadline))
  until "$@"; do
    ((SECONDS < limit)) || fail "$what (not within ${deadline}s)"
    sleep 0.05
  done
}
at_least() { (($(count "$1") >= $2)); }
beyond() { (($(last "$1") > $2)); }
listening() { grep -q "listening on" "$work/$1.err" 2>/dev/null; }
# A child that exited stays a zombie (state Z) until it is waited for.
exited() {
  local state
  state=$(ps -o stat= -p "${pid[$1]}") || return 0
  [[ $state == Z* ]]
}

# --- the hosts: one namespace each, veth pairs to a bridge in a namespace of its own ---------
say "making hosts ${hosts[*]} (namespaces $tag{a,b,c}, bridge in ${tag}sw)"
ip netns add "${tag}sw"
ip -n "${tag}sw" link add br0 type bridge
ip -n "${tag}sw" link set br0 up
address=1
for name in "${hosts[@]}"; do
  ip netns add "$tag$name"
  ip -n "${tag}sw" link add "port-$name" type veth peer name eth0 netns "$tag$name"
  ip -n "${tag}sw" link set "port-$name" master br0 up
  ip -n "$tag$name" link set lo up
  ip -n "$tag$name" addr add "10.77.0.$address/24" dev eth0
  ip -n "$tag$name" link set eth0 up
  address=$((address + 1))
done

# --- the pipelines ---------------------------------------------------------------------------
cat >"$work/a.yaml" <<EOF
# Host a: the numbers fed to it (1, 2, 3 …) recorded as sent, then to b (push) and to c (pub);
# the requests fed to it recorded as asked, then to c (req), and c's replies recorded.
modules:
  numbers:
    module: input.file
    arguments: {path: $work/a-numbers.txt, mode: follow, from_beginning: true, poll_interval: 10ms}
  copies:
    module: flow.fanout
  sent:
    module: output.file
    arguments: {path: $work/a-sent.log}
  to_b:
    module: output.push
    arguments: {dial: tcp://10.77.0.2:7000}
  to_c:
    module: output.pub
    arguments: {listen: tcp://10.77.0.1:7001}
  questions:
    module: input.file
    arguments: {path: $work/a-questions.txt, mode: follow, from_beginning: true, poll_interval: 10ms}
  question_copies:
    module: flow.fanout
  asked:
    module: output.file
    arguments: {path: $work/a-asked.log}
  ask_c:
    module: output.req
    arguments: {dial: tcp://10.77.0.3:7003, timeout: 120s}
  answers:
    module: output.file
    arguments: {path: $work/a-replies.log}
routes:
  - numbers.outbox -> copies.inbox
  - copies.sent -> sent.inbox
  - copies.b -> to_b.inbox
  - copies.c -> to_c.inbox
  - questions.outbox -> question_copies.inbox
  - question_copies.asked -> asked.inbox
  - question_copies.c -> ask_c.inbox
  - ask_c.outbox -> answers.inbox
EOF
cat >"$work/b.yaml" <<EOF
# Host b: pulls a's numbers, records them, pushes them on to c.
modules:
  from_a:
    module: input.pull
    arguments: {listen: tcp://10.77.0.2:7000}
  copies:
    module: flow.fanout
  record:
    module: output.file
    arguments: {path: $work/b-pull.log}
  to_c:
    module: output.push
    arguments: {dial: tcp://10.77.0.3:7002}
routes:
  - from_a.outbox -> copies.inbox
  - copies.record -> record.inbox
  - copies.c -> to_c.inbox
EOF
cat >"$work/c.yaml" <<EOF
# Host c: records b's numbers (pull), a's numbers (sub, through the proxy) and a's requests
# (rep), answering each request with itself.
modules:
  from_b:
    module: input.pull
    arguments: {listen: tcp://10.77.0.3:7002}
  record_pull:
    module: output.file
    arguments: {path: $work/c-pull.log}
  from_a:
    module: input.sub
    arguments: {dial: tcp://127.0.0.1:7101}
  record_sub:
    module: output.file
    arguments: {path: $work/c-sub.log}
  questions:
    module: input.rep
    arguments: {listen: tcp://10.77.0.3:7003}
  copies:
    module: flow.fanout
  record_rep:
    module: output.file
    arguments: {path: $work/c-rep.log}
  answer:
    module: output.reply
routes:
  - from_b.outbox -> record_pull.inbox
  - from_a.outbox -> record_sub.inbox
  - questions.outbox -> copies.inbox
  - copies.record -> record_rep.inbox
  - copies.answer -> answer.inbox
EOF

# start NAME HOST COMMAND...: runs a command in a host's namespace (ip netns exec execs it, so
# the pid is the command's own); its stdout and stderr go to NAME.out and NAME.err.
start() {
  local name=$1 host=$2
  shift 2
  ip netns exec "$tag$host" "$@" >>"$work/$name.out" 2>>"$work/$name.err" &
  pid[$name]=$!
}

say "starting the proxy on c (127.0.0.1:7101 -> a 10.77.0.1:7001: 20ms ± 5ms, cuts reset)"
start proxy c "$STARLING" proxy --listen tcp://127.0.0.1:7101 --to tcp://10.77.0.1:7001 \
  --latency 20ms --jitter 5ms --cut-mode reset --seed 1
# feed: appends numbers to a's two files, 50 times a second, until the file `stop-feeding`
# appears; then writes how many of each it fed to `fed`.
feed() {
  local n=1 q=1 per_tick=$((rate / 50)) carry=0
  while [[ ! -e "$work/stop-feeding" ]]; do
    seq "$n" $((n + per_tick - 1)) >>"$work/a-numbers.txt"
    n=$((n + per_tick))
    # Requests at their own rate, which may be less than one a tick.
    carry=$((carry + request_rate))
    while ((carry >= 50)); do
      echo "$q" >>"$work/a-questions.txt"
      q=$((q + 1))
      carry=$((carry - 50))
    done
    sleep 0.02
  done
  echo "$((n - 1)) $((q - 1))" >"$work/fed"
}
touch "$work/a-numbers.txt" "$work/a-questions.txt"

say "starting the pipelines on b and c, then a (fed $rate numbers and $request_rate requests a second)"
start b b "$STARLING" run "$work/b.yaml"
start c c "$STARLING" run "$work/c.yaml"
wait_until "b and c listening" eval 'listening b && listening c'
start a a "$STARLING" run "$work/a.yaml"
feed &
pid[feeder]=$!

wait_until "numbers arriving at c by push, sub and rep" eval \
  "at_least $work/c-pull.log 1 && at_least $work/c-sub.log 1 && at_least $work/c-rep.log 1"
say "flowing: b has $(count "$work/b-pull.log"), c has $(count "$work/c-pull.log") pulled, $(count "$work/c-sub.log") by sub, $(count "$work/c-rep.log") requests"

# --- a cut on the proxied link ---------------------------------------------------------------
wait_until "$step numbers at b" at_least "$work/b-pull.log" "$step"
cut_at=$(last "$work/a-sent.log")
kill -USR1 "${pid[proxy]}"
say "cut the a -> c pub/sub link (SIGUSR1 to the proxy) at number $cut_at"
sleep "$downtime"
healed_at=$(last "$work/a-sent.log")
kill -USR2 "${pid[proxy]}"
say "healed it (SIGUSR2) at number $healed_at"
wait_until "pub/sub delivery resuming after the heal" beyond "$work/c-sub.log" "$healed_at"
say "pub/sub resumed: c got number $(last "$work/c-sub.log") by sub"

# --- kill -9 and restart host c's pipeline ---------------------------------------------------
wait_until "$step more numbers at c" beyond "$work/c-pull.log" $(($(last "$work/c-pull.log") + step))
killed_at=$(last "$work/a-sent.log")
kill -9 "${pid[c]}"
{ wait "${pid[c]}"; } 2>/dev/null || true
pulled_before_kill=$(last "$work/c-pull.log")
killed_request=$(last "$work/a-asked.log")
say "killed c's pipeline (-9) at number $killed_at (c had number $pulled_before_kill by pull, $(last "$work/c-sub.log") by sub, request $(last "$work/c-rep.log"))"
sleep "$downtime"
restarted_at=$(last "$work/a-sent.log")
start c c "$STARLING" run "$work/c.yaml"
say "restarted c's pipeline at number $restarted_at"
wait_until "push/pull delivery to c resuming" beyond "$work/c-pull.log" "$restarted_at"
wait_until "pub/sub delivery to c resuming" beyond "$work/c-sub.log" "$restarted_at"
wait_until "requests to c resuming" beyond "$work/c-rep.log" "$(last "$work/a-replies.log")"
say "resumed: c got number $(last "$work/c-pull.log") by pull, $(last "$work/c-sub.log") by sub, request $(last "$work/c-rep.log")"

# --- the end: the feeding stops, and everything a sent drains --------------------------------
wait_until "$step more numbers at c" beyond "$work/c-pull.log" $(($(last "$work/c-pull.log") + step))
touch "$work/stop-feeding"
wait "${pid[feeder]}"
unset 'pid[feeder]'
read -r events requests <"$work/fed"
say "stopped feeding a after $events numbers and $requests requests"
wait_until "a sending all $events numbers" at_least "$work/a-sent.log" "$events"
wait_until "a asking all $requests requests and getting the replies" at_least "$work/a-replies.log" "$requests"
wait_until "b receiving all $events numbers" at_least "$work/b-pull.log" "$events"
wait_until "c pulling up to number $events" eval "(( \$(last $work/c-pull.log) >= $events ))"
# Pub/sub promises nothing at the end either: wait until c's subscription is quiet.
previous=-1
until [[ "$(count "$work/c-sub.log")" == "$previous" ]]; do
  previous=$(count "$work/c-sub.log")
  sleep 0.5
done
# Stopped only now: a socket closed while messages wait in it to be written drops them.
for name in a b c proxy; do
  kill -TERM "${pid[$name]}"
  wait "${pid[$name]}" || fail "$name exited with status $? after SIGTERM"
  unset "pid[$name]"
done
say "stopped a, b, c and the proxy"
grep -E "cut \(|healed \(|stopped \(" "$work/proxy.err" | sed 's/^[0-9.]* /        proxy: /'

# --- counting --------------------------------------------------------------------------------
# stats FILE: lines, distinct numbers, duplicates, numbers out of order (not above the one before)
stats() {
  local file=$1 lines distinct
  lines=$(count "$file")
  distinct=$(sort -n -u "$file" | wc -l)
  echo "$lines $distinct $((lines - distinct)) $(awk 'NR > 1 && $1 <= previous { n++ } { previous = $1 } END { print n + 0 }' "$file")"
}
read -r ab_lines ab_distinct ab_duplicates ab_disorder <<<"$(stats "$work/b-pull.log")"
read -r bc_lines bc_distinct bc_duplicates bc_disorder <<<"$(stats "$work/c-pull.log")"
read -r ps_lines ps_distinct ps_duplicates ps_disorder <<<"$(stats "$work/c-sub.log")"
read -r rq_lines rq_distinct rq_duplicates _ <<<"$(stats "$work/c-rep.log")"
read -r rp_lines rp_distinct rp_duplicates rp_disorder <<<"$(stats "$work/a-replies.log")"
rq_backwards=$(awk 'NR > 1 && $1 < previous { n++ } { previous = $1 } END { print n + 0 }' "$work/c-rep.log")
# missing FILE N: the numbers of 1…N not in the file, as ranges ("4-9, 12"), or "none".
missing() {
  sort -n -u "$1" | awk -v n="$2" '
    function range(from, to) { return from == to ? from : from "-" to }
    BEGIN { expect = 1 }
    $1 > expect { out = out sep range(expect, $1 - 1); sep = ", " }
    { expect = $1 + 1 }
    END { if (expect <= n) out = out sep range(expect, n); print out == "" ? "none" : out }'
}
bc_missing=$(missing "$work/c-pull.log" "$events")
repeated=$(sort -n "$work/c-rep.log" | uniq -d | paste -sd, -)

echo
printf '%-44s %6s %8s %6s %11s  %s\n' link sent arrived lost duplicates promise
row() { printf '%-44s %6s %8s %6s %11s  %s\n' "$@"; }
row "a -> b push/pull (direct, up all along)" "$events" "$ab_distinct" $((events - ab_distinct)) "$ab_duplicates" \
  "nothing lost, no duplicates, in order"
row "b -> c push/pull (direct, c killed once)" "$events" "$bc_distinct" $((events - bc_distinct)) "$bc_duplicates" \
  "no duplicates, in order; lost only in flight"
row "a -> c pub/sub (proxy: 20ms±5ms, 1 cut)" "$events" "$ps_distinct" $((events - ps_distinct)) "$ps_duplicates" \
  "no duplicates, in order; losses allowed"
row "a -> c req/rep: requests seen by c" "$requests" "$rq_distinct" $((requests - rq_distinct)) "$rq_duplicates" \
  "none lost; duplicates only from resends"
row "c -> a req/rep: replies at a" "$requests" "$rp_distinct" $((requests - rp_distinct)) "$rp_duplicates" \
  "each request answered exactly once"
echo "lost b -> c: ${bc_missing} (c's last number before the kill: $pulled_before_kill)"
echo "lost a -> c by pub/sub: $(missing "$work/c-sub.log" "$events") (cut at $cut_at, healed at $healed_at, c killed at $killed_at, restarted at $restarted_at)"
echo "requests c saw twice: ${repeated:-none} (a had asked up to request $killed_request when c was killed)"
echo

failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok    $what"
  else
    echo "FAIL  $what"
    failures=$((failures + 1))
  fi
}
check "a -> b: all $events numbers arrived, once each, in order (the link stayed up)" \
  test "$ab_lines" -eq "$events" -a "$ab_distinct" -eq "$events" -a "$ab_disorder" -eq 0 \
  -a "$(last "$work/b-pull.log")" -eq "$events"
check "b -> c: no duplicates, in order ($((events - bc_distinct)) lost in flight when c was killed)" \
  test "$bc_duplicates" -eq 0 -a "$bc_disorder" -eq 0
# The lost numbers are the ones right after the last that c recorded before the kill: in flight.
expected_missing=none
if ((bc_distinct < events)); then
  first_lost=$((pulled_before_kill + 1))
  last_lost=$((pulled_before_kill + events - bc_distinct))
  expected_missing=$([[ $first_lost == "$last_lost" ]] && echo "$first_lost" || echo "$first_lost-$last_lost")
fi
check "b -> c: lost only what was in flight at the kill (the numbers right after c's last one)" \
  test "$bc_missing" == "$expected_missing"
check "b -> c: delivery resumed after the restart, up to the last number" \
  test "$(last "$work/c-pull.log")" -eq "$events"
check "a -> c pub/sub: no duplicates, in order" test "$ps_duplicates" -eq 0 -a "$ps_disorder" -eq 0
check "a -> c pub/sub: numbers arrived after the heal and after the restart" \
  test "$(last "$work/c-sub.log")" -gt "$restarted_at"
check "a -> c req/rep: every request reached c; duplicates ($rq_duplicates) no more than kills (1), never out of order" \
  test "$rq_distinct" -eq "$requests" -a "$rq_duplicates" -le 1 -a "$rq_backwards" -eq 0
check "c -> a req/rep: every request answered exactly once, in order" \
  test "$rp_lines" -eq "$requests" -a "$rp_distinct" -eq "$requests" -a "$rp_disorder" -eq 0
echo
if ((failures > 0)); then
  echo "multihost: $failures promise(s) broken"
  exit 1
fi
echo "multihost: every promise kept"
