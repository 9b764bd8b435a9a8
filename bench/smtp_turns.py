#!/usr/bin/python3
"""bench/smtp_turns.py: how many times per message an SMTP client waits
for its server, and which commands it sends together before each wait.

A turn is what the client writes on one connection before it next reads
the server's answer: one round trip. A client that pipelines (RFC 2920)
sends MAIL, RCPT and DATA in one turn; libesmtp 1.1.0 sends MAIL alone,
then RCPT and DATA, then the data and its "." (three turns a message);
Postfix's smtp-source as bench/notifier runs it sends MAIL, RCPT, DATA
and the data each alone (four).

Reads a log of

    strace -f -tt -s 40 -e trace=read,write -o FILE -p PID  (or COMMAND)

An SMTP connection is a file descriptor of a thread that read a "220 "
greeting; a message is a MAIL FROM written on one. The lines strace cuts
in two (<unfinished ...> / <... resumed>) are joined first.

Prints "SMTP_TURNS connections=... messages=... turns=... per_message=..."
(connections: the (thread, descriptor) pairs greeted, so a thread that
opens its next session on the same descriptor counts once)
(the turns of the greeting's EHLO/HELO and of QUIT included: a session
of 50 messages adds 2), then the groups, most frequent first, one
"SMTP_GROUP count commands" line each ("<data>" for the message's bytes).

usage: smtp_turns.py STRACE_LOG
"""
import collections
import re
import sys

CALL = re.compile(r'(\d+) \S+ (read|write)\((\d+), "(.*?)"(?:\.\.\.)?, \d+\)'
                  r' = (-?\d+)')
COMMAND = re.compile(r'(MAIL FROM:|RCPT TO:|DATA$|QUIT$|EHLO |HELO |RSET$|'
                     r'BDAT |STARTTLS$|AUTH )')


def joined(path):
    """The log's lines, each call whole."""
    pending = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"(\d+) (\S+) (.*) <unfinished \.\.\.>$", line)
            if m:
                pending[m.group(1)] = (m.group(2), m.group(3))
                continue
            m = re.match(r"(\d+) \S+ <\.\.\. \w+ resumed>(.*)$", line)
            if m and m.group(1) in pending:
                ts, head = pending.pop(m.group(1))
                line = "%s %s %s%s" % (m.group(1), ts, head, m.group(2))
            yield line


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    smtp = set()
    last = {}
    sent = {}
    groups = collections.Counter()
    turns = messages = 0
    for line in joined(sys.argv[1]):
        m = CALL.match(line)
        if not m:
            continue
        key = (m.group(1), m.group(3))
        op, data = m.group(2), m.group(4)
        if op == "read" and data.startswith("220 "):
            smtp.add(key)
            last[key] = "read"
            sent[key] = []
            continue
        if key not in smtp:
            continue
        if op == "write":
            words = sent[key]
            for part in data.split("\\r\\n"):
                c = COMMAND.match(part)
                if c:
                    words.append(c.group(1).rstrip(": "))
                    messages += c.group(1) == "MAIL FROM:"
                elif part and (not words or words[-1] != "<data>"):
                    words.append("<data>")
        elif int(m.group(5)) > 0 and last.get(key) == "write":
            turns += 1
            groups["+".join(sent[key])] += 1
            sent[key] = []
        last[key] = op
    print("SMTP_TURNS connections=%d messages=%d turns=%d per_message=%.2f" %
          (len(smtp), messages, turns, turns / messages if messages else 0))
    for g, n in groups.most_common():
        print("SMTP_GROUP %d %s" % (n, g))


if __name__ == "__main__":
    main()
