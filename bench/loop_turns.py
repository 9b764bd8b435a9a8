#!/usr/bin/python3
"""bench/loop_turns.py: how long each turn of kursusd's event loop took,
and how much of it was kursusd's own doing.

A turn is the time from one epoll_wait() of the loop thread returning to
the next one being called: what a client waiting for an answer waits
behind. Of that time, on CPU and blocked (asleep in a lock, an fsync, a
busy handler) are kursusd's; preempted (runnable, but another process had
the CPU) is the machine's, and is large on a busy one. So "own" is the
figure to judge kursusd by on a shared machine (issue 9: no request holds
the loop for more than 20 ms).

Reads a perf recording of the loop thread's epoll_wait enter and exit and
of the scheduler's switches to and from it, made with

    perf record -o FILE -a \\
        -e sched:sched_switch --filter "prev_pid == PID || next_pid == PID" \\
        -e syscalls:sys_enter_epoll_wait --filter "common_pid == PID" \\
        -e syscalls:sys_exit_epoll_wait --filter "common_pid == PID"

(bench/registrations does so around bench/loop_probe.py).

Prints one line, "TURNS key=value ...": the turns (n), the longest wall
time, the longest own time (on CPU + blocked) and its parts, the 99th
percentile of own time, and where the longest own turn began (seconds,
perf's clock), so that a recording with stacks can be cut there.

usage: loop_turns.py PERF_DATA PID
"""
import re
import subprocess
import sys

LINE = re.compile(r"\s*\S+\s+(\d+)\s+(?:\[\d+\]\s+)?([\d.]+):\s+(\S+):\s*(.*)")
SWITCH = re.compile(r"prev_pid=(\d+) .*prev_state=(\S+) ==> .*next_pid=(\d+)")


def events(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F",
                          "comm,tid,cpu,time,event,trace"],
                         capture_output=True, text=True, check=True).stdout
    ev = []
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            ev.append((float(m.group(2)), m.group(1), m.group(3),
                       m.group(4)))
    ev.sort(key=lambda e: e[0])
    return ev


def turns(ev, tid):
    """(wall, cpu, blocked, preempted, start) per turn, in seconds."""
    out = []
    start = None
    on = True
    last = 0.0
    state = "S"
    cpu = blocked = preempted = 0.0
    for t, pid, name, rest in ev:
        if name.endswith("sched_switch"):
            m = SWITCH.search(rest)
            if not m:
                continue
            if m.group(1) == tid:           # off the CPU
                if start is not None and on:
                    cpu += t - last
                on = False
                last = t
                state = m.group(2)
            elif m.group(3) == tid:         # back on it
                if start is not None and not on:
                    if state.startswith("R"):
                        preempted += t - last
                    else:
                        blocked += t - last
                on = True
                last = t
        elif pid != tid:
            continue
        elif name.endswith("sys_exit_epoll_wait"):
            start = last = t
            on = True
            cpu = blocked = preempted = 0.0
        elif name.endswith("sys_enter_epoll_wait") and start is not None:
            if on:
                cpu += t - last
            out.append((t - start, cpu, blocked, preempted, start))
            start = None
    return out


def main():
    path, tid = sys.argv[1], sys.argv[2]
    tt = turns(events(path), tid)
    if not tt:
        print("TURNS n=0")
        return
    own = sorted(c + b for _, c, b, _, _ in tt)
    top = max(tt, key=lambda x: x[1] + x[2])
    ms = 1000.0
    print("TURNS n=%d wall_max_ms=%.1f own_max_ms=%.1f own_p99_ms=%.1f "
          "cpu_ms=%.1f blocked_ms=%.1f preempted_ms=%.1f at=%.6f" %
          (len(tt), max(x[0] for x in tt) * ms, own[-1] * ms,
           own[min(len(own) - 1, int(0.99 * len(own)))] * ms,
           top[1] * ms, top[2] * ms, top[3] * ms, top[4]))


if __name__ == "__main__":
    main()
