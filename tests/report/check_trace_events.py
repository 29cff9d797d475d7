#!/usr/bin/env python3
"""Checks a file against the Trace Event format's required fields (the JSON Object Format of
the Trace Event Format document that chrome://tracing and Perfetto read):
  - the top level is an object with a "traceEvents" array (displayTimeUnit "ms" or "ns" if given);
  - every event has "ph" (a known phase), "name" (string), "pid" and "tid" (integers);
  - every event but metadata ("M") has "ts" (a number >= 0, microseconds);
  - complete events ("X") have "dur" >= 0, and on one thread they nest (no partial overlap);
  - instant events ("i"/"I") have "s" in g/p/t if present; flow events ("s"/"t"/"f") have an
    "id", and every flow that finishes was started;
  - metadata events name processes and threads with args.name (thread_sort_index: args.sort_index).
Then what a kjump run must hold, from the arguments: --kernels A,B --jumps N --min-events N.
Prints one line per problem and exits 1, or "ok: ..." and 0."""
import argparse
import json
import sys

PHASES = set("BEXiIsCbnetfPNODMRcV") | {"(", ")"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--kernels", default="")
    ap.add_argument("--jumps", type=int, default=None)
    ap.add_argument("--min-events", type=int, default=1)
    a = ap.parse_args()
    problems = []
    try:
        with open(a.file, encoding="utf-8") as f:
            doc = json.load(f)
    except Exception as e:  # noqa: BLE001 - any reason the file is not JSON
        print(f"{a.file}: not JSON: {e}")
        return 1
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        print(f"{a.file}: no traceEvents array at the top level")
        return 1
    if doc.get("displayTimeUnit", "ms") not in ("ms", "ns"):
        problems.append("displayTimeUnit must be ms or ns")
    events = doc["traceEvents"]
    threads = {}
    spans = {}
    flows = set()
    for i, e in enumerate(events):
        where = f"event {i}"
        if not isinstance(e, dict):
            problems.append(f"{where}: not an object")
            continue
        ph = e.get("ph")
        if ph not in PHASES:
            problems.append(f"{where}: unknown ph {ph!r}")
            continue
        if not isinstance(e.get("name"), str):
            problems.append(f"{where}: name missing or not a string")
        for k in ("pid", "tid"):
            if not isinstance(e.get(k), int):
                problems.append(f"{where}: {k} missing or not an integer")
        if ph != "M":
            ts = e.get("ts")
            if not isinstance(ts, (int, float)) or ts < 0:
                problems.append(f"{where}: ts missing or negative")
                continue
        if ph == "X":
            dur = e.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                problems.append(f"{where}: X without a dur >= 0")
                continue
            spans.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + dur, i))
        elif ph in ("i", "I"):
            if "s" in e and e["s"] not in ("g", "p", "t"):
                problems.append(f"{where}: instant scope {e['s']!r}")
        elif ph in ("s", "t", "f"):
            if "id" not in e:
                problems.append(f"{where}: flow event without id")
            elif ph == "s":
                flows.add(e["id"])
            elif ph == "f" and e["id"] not in flows:
                problems.append(f"{where}: flow {e['id']} finishes before it starts")
        elif ph == "M":
            args = e.get("args")
            if e.get("name") in ("process_name", "thread_name"):
                if not isinstance(args, dict) or not isinstance(args.get("name"), str):
                    problems.append(f"{where}: {e.get('name')} without args.name")
                elif e["name"] == "thread_name":
                    threads[(e["pid"], e["tid"])] = args["name"]
            if e.get("name") == "thread_sort_index" and not isinstance((args or {}).get("sort_index"), int):
                problems.append(f"{where}: thread_sort_index without args.sort_index")
    # Complete events on one thread nest: sorted by start, each starts after the enclosing ones
    # end or ends inside them. Allow 1 ns of rounding.
    eps = 0.0015
    for key, lst in spans.items():
        lst.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for start, end, i in lst:
            while stack and stack[-1] <= start + eps:
                stack.pop()
            if stack and end > stack[-1] + eps:
                problems.append(f"event {i}: X on thread {threads.get(key, key)} overlaps another without nesting")
                break
            stack.append(end)
    names = set(threads.values())
    for k in filter(None, a.kernels.split(",")):
        if f"kernel {k}" not in names:
            problems.append(f"no thread for kernel {k} (threads: {sorted(names)})")
    timed = [e for e in events if isinstance(e, dict) and e.get("ph") != "M"]
    if len(timed) < a.min_events:
        problems.append(f"{len(timed)} timed events, expected at least {a.min_events}")
    jumps = [e for e in timed if e.get("ph") == "i" and e.get("cat") == "jump"]
    if a.jumps is not None and len(jumps) != a.jumps:
        problems.append(f"{len(jumps)} jump events, expected {a.jumps}")
    for p in problems[:50]:
        print(f"{a.file}: {p}")
    if problems:
        return 1
    print(f"ok: {a.file}: {len(events)} events, {len(threads)} threads, {len(jumps)} jumps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
