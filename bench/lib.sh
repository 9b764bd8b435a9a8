# bench/lib.sh: what the bench/ scripts share, sourced by each of them
# (bench/registrations, bench/feeds, bench/national, bench/notifier) after
# setting
#
#   top    the repository;       build  the build directory (absolute);
#   run    their own directory under bench/run/;  limit  seconds in all.
#
# bench_start sets up the clean-up and the watchdog; the functions below
# need bash, curl and python3, and talk only to 127.0.0.1 and unix sockets.

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

py=/usr/bin/python3

# Every process a script starts goes into pids; they are TERMed and waited
# for on exit, whichever way the script ends.
pids=()
bench_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

# bench_start: the traps, and a watchdog that TERMs the script after
# $limit seconds.
bench_start() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	( trap 'kill "$s" 2>/dev/null; exit 0' TERM
	  sleep "$limit" & s=$!
	  wait "$s" && say "giving up after $limit s" && kill -TERM $$ ) &
	pids+=($!)
}

# bench_install PACKAGE...: apt-get install what is missing (as root only).
# nginx-light is a transitional package in newer Debian: nginx then.
bench_install() {
	[ $# -gt 0 ] || return 0
	say "installing $*"
	[ "$(id -u)" = 0 ] || die "need root to install $*"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
	    >/dev/null || { [[ " $* " = *" nginx-light "* ]] &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    "${@/nginx-light/nginx}" >/dev/null; } ||
	    die "apt-get install $* failed"
}

# bench_build TARGET...: configures $build when it holds no config.status
# (dev/deps first), makes the targets there so the binaries match the
# sources; sets kursusd, kursusctl and cflags.
bench_build() {
	if [ ! -f "$build/config.status" ]; then
		say "configuring $build (dev/deps first)"
		./dev/deps
		[ -x configure ] || ./autogen.sh >/dev/null
		mkdir -p "$build"
		(cd "$build" && "$top/configure" >configure.out 2>&1) || {
			tail -n 20 "$build/configure.out" >&2
			die "configure failed"
		}
	fi
	say "make $* in $build"
	make -C "$build" -j"$(nproc)" "$@" >"$build/bench-make.out" 2>&1 || {
		tail -n 30 "$build/bench-make.out" >&2
		die "building kursusd failed"
	}
	rm -f "$build/bench-make.out"
	kursusd=$build/daemon/kursusd
	kursusctl=$build/cli/kursusctl
	cflags=$(sed -n 's/^CFLAGS = //p' "$build/Makefile")
	if grep -q -- '--enable-asan' "$build/config.status"; then
		say "WARNING: $build is an ASan build; its figures are not kursusd's"
	fi
}

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Started as root, kursusd runs as a user of its own: nobody here, given
# the directory it keeps its files in.
as_user=()
if [ "$(id -u)" = 0 ]; then
	as_user=(-o daemon.user=nobody -o daemon.group=nogroup)
fi

# kursusd_start DIR [OPTIONS...]: kursusd -f on $kdb (DIR/kursusd.db
# unless set), admin socket DIR/admin.sock (also $sock), stderr appended
# to DIR/kursusd.log; sets $kpid; waits until GET /v1/status answers on
# the admin socket (asking every $kpoll s, at most $kwait s: defaults
# 0.05 and 30). $kstart is when it was started (date +%s.%N).
kursusd_start() {
	local dir=$1 db=${kdb:-$1/kursusd.db} deadline=$((SECONDS + ${kwait:-30}))
	shift
	sock=$dir/admin.sock
	[ ${#as_user[@]} -eq 0 ] || chown nobody:nogroup "$dir"
	kstart=$(date +%s.%N)
	"$kursusd" -f -d "$db" -o admin.socket="$sock" -o daemon.pidfile= \
	    "${as_user[@]}" "$@" 2>>"$dir/kursusd.log" &
	kpid=$!
	pids+=("$kpid")
	while [ $SECONDS -le $deadline ]; do
		if curl -sf -o /dev/null --unix-socket "$sock" \
		    http://localhost/v1/status; then
			return 0
		fi
		kill -0 "$kpid" 2>/dev/null || break
		sleep "${kpoll:-0.05}"
	done
	tail -n 20 "$dir/kursusd.log" >&2
	die "kursusd on $dir does not answer"
}

kursusd_stop() {
	kill -TERM "$kpid"
	wait "$kpid" || die "kursusd exited with status $?"
}

# api METHOD PATH [BODY]: one admin request over $sock; the answer on
# stdout; dies on a status that is not 2xx.
api() {
	local method=$1 path=$2 body=${3:-} out code
	out=$(mktemp "$run/api.XXXXXX")
	code=$(curl -s -o "$out" -w '%{http_code}' --unix-socket "$sock" \
	    -X "$method" ${body:+-d "$body"} "http://localhost$path")
	case $code in
	2??) cat "$out"; rm -f "$out" ;;
	*) say "$method $path: $code $(cat "$out")"; rm -f "$out"; exit 1 ;;
	esac
}

# kv LINE KEY: the value of KEY=value in LINE.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
# KiB in the memory files (memfd) pid $1 holds: feed bytes it sends with
# sendfile, in no mapping that VmRSS counts until read through one.
memfd_kb() {
	local f total=0
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		/memfd:*) total=$((total + $(stat -L -c %s "$f" 2>/dev/null || echo 0))) ;;
		esac
	done
	echo $((total / 1024))
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The same for the thread that runs the event loop (the process's first).
loop_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat"; }
# CPU time of the waited-for children of the shell with pid $1 (wrk,
# through timeout).
child_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
# Busy time of the whole machine (all CPUs), in ticks: user, nice, system
# and steal; not irq and softirq, which are mostly the loopback traffic of
# the run itself and are charged to no process.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
ncpu=$(nproc)

# verdict A OP B: OK when the numbers A and B compare so (OP: < <= >= ==).
verdict() {
	if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		a += 0; b += 0
		if (op == "<") ok = a < b; else if (op == "<=") ok = a <= b
		else if (op == ">=") ok = a >= b; else ok = a == b
		exit !ok }'; then echo OK; else echo MISSED; fi
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b * 100 : 0) }'; }

# drop_cache FILE...: the files leave the page cache (a cold start).
drop_cache() {
	sync
	"$py" -c '
import os, sys
for p in sys.argv[1:]:
    if os.path.exists(p):
        fd = os.open(p, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)' "$@"
}

# --- the peers -----------------------------------------------------------------

# raw_commits DB SECONDS: one-row SQLite commits for SECONDS (WAL,
# synchronous=FULL, bench/rawcommit.c, built into $run/rawcommit first);
# its key=value line on stdout.
raw_commits() {
	[ -x "$run/rawcommit" ] ||
	    cc -O2 -Wall -o "$run/rawcommit" "$top/bench/rawcommit.c" -lsqlite3
	rm -f "$1" "$1-wal" "$1-shm"
	sync -f "$(dirname "$1")"
	say "raw SQLite: one-row commits for $2 s (WAL, synchronous=FULL)"
	"$run/rawcommit" "$1" "$2" FULL
}

# nginx_start DIR WWW: nginx with one worker serving the files under WWW
# as bench/feeds compares kursusd's feeds with (sendfile, open_file_cache,
# etag, gzip_static: the .gz beside each file); its files under DIR; sets
# npid, nworker, nport and nurl; waits until PROBE_PATH ($3) answers.
nginx_start() {
	local ngx=$1 www=$2 probe=$3 i
	mkdir -p "$ngx/tmp"
	nport=$(free_port)
	nurl=http://127.0.0.1:$nport
	cat >"$ngx/nginx.conf" <<EOF
# bench/: nginx with one worker serving the feeds' bytes from files.
worker_processes 1;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log off;
	client_body_temp_path $ngx/tmp/body;
	proxy_temp_path $ngx/tmp/proxy;
	fastcgi_temp_path $ngx/tmp/fastcgi;
	uwsgi_temp_path $ngx/tmp/uwsgi;
	scgi_temp_path $ngx/tmp/scgi;
	types {
		text/calendar ics;
	}
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/calendar;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	open_file_cache max=64 inactive=60s;
	etag on;
	gzip off;
	gzip_static on;
	gzip_vary on;
	server {
		listen 127.0.0.1:$nport;
		root $www;
		location /feeds/ {
			add_header Cache-Control "public, max-age=300";
		}
	}
}
EOF
	chmod -R a+rX "$ngx" "$www"
	"$nginx" -t -q -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" ||
	    die "nginx refuses $ngx/nginx.conf"
	"$nginx" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" &
	npid=$!
	pids+=("$npid")
	for i in $(seq 100); do
		curl -sf -o /dev/null "$nurl$probe" && break
		kill -0 "$npid" 2>/dev/null ||
		    die "nginx exited: $(tail -n 5 "$ngx/error.log")"
		sleep 0.05
	done
	nworker=$(cat "/proc/$npid/task/$npid/children" 2>/dev/null |
	    awk '{ print $1 }')
	[ -n "$nworker" ] || die "no nginx worker"
}

nginx_stop() {
	kill -TERM "$npid" 2>/dev/null || true
	wait "$npid" 2>/dev/null || true
}

# wrk_measure URL PID BODY OUT [WRK OPTIONS...]: one run of wrk -t$threads
# -c$conns -d${seconds}s with bench/feeds.lua against URL, the server
# being process PID, each answer expected to carry BODY bytes of body;
# wrk's output in OUT.out and OUT.err. Prints "rps valid cpu% bpr p99 bad
# sockerr wrkcpu% other%": the server's CPU and wrk's in % of one CPU,
# and what the rest of the machine used meanwhile, in % of all CPUs
# (other work on the machine makes a figure less telling). A run with
# answers that are not 2xx/3xx, socket errors, or bytes per answer that do
# not fit BODY is INVALID.
wrk_measure() {
	local url=$1 pid=$2 body=$3 out=$4 line c0 c1 req bytes bad sockerr
	local bpr lo hi ok w0 w1 b0 b1 me=$BASHPID
	shift 4
	c0=$(cpu_ticks "$pid")
	w0=$(child_ticks "$me")
	b0=$(busy_ticks)
	timeout $((seconds + 30)) wrk -t$threads -c$conns -d"${seconds}s" \
	    "$@" -s "$top/bench/feeds.lua" "$url" >"$out.out" 2>"$out.err" || {
		cat "$out.out" "$out.err" >&2
		die "wrk failed against $url"
	}
	c1=$(cpu_ticks "$pid")
	w1=$(child_ticks "$me")
	b1=$(busy_ticks)
	line=$(grep '^BENCH ' "$out.out") || die "wrk printed no BENCH line ($out.out)"
	req=$(kv "$line" requests)
	bytes=$(kv "$line" bytes)
	bad=$(kv "$line" non2xx3xx)
	sockerr=$(kv "$line" socket_errors)
	# Bytes per answer: the body plus headers (at most 2 KiB); the
	# answers cut off at the end (at most one per connection) may add up to
	# a whole answer per connection.
	bpr=$(awk -v b="$bytes" -v r="$req" 'BEGIN { printf "%.0f", r ? b / r : 0 }')
	lo=$((body + 100))
	hi=$(awk -v s="$body" -v r="$req" -v c=$conns 'BEGIN { printf "%.0f", r ? (s + 2048) * (r + c) / r : 0 }')
	ok=valid
	if [ "$req" -eq 0 ] || [ "$bad" -ne 0 ] || [ "$sockerr" -ne 0 ] ||
	    [ "$bpr" -lt "$lo" ] || [ "$bpr" -gt "$hi" ]; then
		ok=INVALID
	fi
	printf '%s %s %s %s %s %s %s %s %s\n' "$(kv "$line" rps)" "$ok" \
	    "$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.0f", (b - a) / hz / s * 100 }')" \
	    "$bpr" "$(kv "$line" p99_ms)" "$bad" "$sockerr" \
	    "$(awk -v a="$w0" -v b="$w1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.0f", (b - a) / hz / s * 100 }')" \
	    "$(awk -v a="$b0" -v b="$b1" -v c0="$c0" -v c1="$c1" -v w0="$w0" -v w1="$w1" -v hz="$hz" -v s="$seconds" -v n="$ncpu" \
	        'BEGIN { o = (b - a) - (c1 - c0) - (w1 - w0); if (o < 0) o = 0; printf "%.0f", o / hz / s / n * 100 }')"
}

# --- requests through curl --------------------------------------------------
# req_add FILE SOCKET PATH LABEL [BODY]: one more transfer in the curl
# config FILE (curl -K FILE makes them one after the other on one
# connection): a GET of PATH on the unix SOCKET, or a POST of the JSON BODY;
# each prints "code seconds bytes LABEL".
req_add() {
	[ -s "$1" ] && echo next >>"$1"
	printf 'unix-socket = "%s"\nurl = "http://localhost%s"\nwrite-out = "%%{http_code} %%{time_total} %%{size_download} %s\\n"\noutput = "/dev/null"\nsilent\n' \
	    "$2" "$3" "$4" >>"$1"
	[ $# -lt 5 ] ||
	    printf 'header = "Content-Type: application/json"\ndata = "%s"\n' \
	    "$(printf '%s' "$5" | sed 's/["\\]/\\&/g')" >>"$1"
}

# req_timing OUT LABEL: "median max" milliseconds of the transfers with
# LABEL in OUT (what the transfers of req_add printed).
req_timing() {
	awk -v l="$2" '$4 == l { print $2 }' "$1" | sort -n |
	    awk '{ a[NR] = $1 } END { printf "%.0f %.0f\n", a[int((NR + 1) / 2)] * 1000, a[NR] * 1000 }'
}
