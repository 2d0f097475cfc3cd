#!/usr/bin/env python3
"""Makes a larger JSON Lines stream from a small one, for a first throughput figure.

Copy k of the input is shifted by k × SPAN in time and gets ids suffixed with
"-k", so every copy is new to the duplicate check and the rules see the same
patterns again, in order. Usage: scale_events.py IN.jsonl COPIES > OUT.jsonl
"""
import datetime
import json
import sys


def main() -> None:
    src, copies = sys.argv[1], int(sys.argv[2])
    events = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    times = [datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in events]
    span = max(times) - min(times) + datetime.timedelta(days=30)
    out = sys.stdout
    for k in range(copies):
        for e, t in zip(events, times):
            c = dict(e)
            c["id"] = f'{e["id"]}-{k}'
            c["time"] = (t + k * span).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(json.dumps(c, separators=(",", ":"), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
