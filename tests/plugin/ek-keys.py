#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Reads `tshark -T ek` output on stdin and prints each object key that occurs
# twice in one JSON object (Elasticsearch rejects such documents), one line
# per occurrence: "line N: KEY". Keys named on the command line are allowed
# to repeat. Exits 1 on a line that is not JSON.
import json
import sys

allowed = set(sys.argv[1:])
repeats = []


def no_repeats(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen and key not in allowed:
            repeats.append(key)
        seen.add(key)
    return dict(pairs)


for number, line in enumerate(sys.stdin, 1):
    line = line.strip()
    if not line:
        continue
    try:
        json.loads(line, object_pairs_hook=no_repeats)
    except ValueError as error:
        print(f"line {number}: not JSON: {error}")
        sys.exit(1)
    for key in repeats:
        print(f"line {number}: {key}")
    repeats.clear()
