"""Run one command as a child process; write its wall time, CPU time and peak memory as JSON.

    python bench/measure.py OUT.json -- COMMAND ARGS...

Peak memory is the child's maximum resident set size (`ru_maxrss` of RUSAGE_CHILDREN): this process
starts nothing else, so it is that command's own peak (its threads included; its own children too,
when it waits for them). Output of the command goes to OUT.log beside the JSON.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    out = Path(sys.argv[1])
    if sys.argv[2] != "--":
        raise SystemExit("usage: measure.py OUT.json -- COMMAND ARGS...")
    cmd = sys.argv[3:]
    with open(out.with_suffix(".log"), "wb") as log:
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
        wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.write_text(json.dumps({
        "cmd": cmd, "returncode": rc, "wall_s": round(wall, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
        "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
