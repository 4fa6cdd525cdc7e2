"""Run one command and report its wall time and peak RSS: ``python bench/measure.py REPORT -- CMD ARGS...``.

The command inherits standard input, output and error; when it ends, REPORT gets one JSON object,
``{"seconds": wall time, "maxrss_kb": peak resident set of the command (KiB), "exit": its exit
status (negative: the signal that ended it)}``, and this program exits with the command's status.

Why a wrapper: on Linux a child's peak RSS (``ru_maxrss``, from ``wait4``) is at least its parent's
own peak at the moment it forked — exec records the peak of the memory it replaces — so a
command started straight from bench/run.py (which has written the workloads and holds their
manifest) would show the harness's peak whenever its own is lower. Started from this small
process, whose peak is a few MB below a bare Python's, every command's figure is its own.
"""

import json
import os
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    report, command = sys.argv[1], sys.argv[3:]
    start = time.perf_counter()
    try:
        child = subprocess.Popen(command)
    except OSError as error:
        print(f"cannot run {command[0]}: {error}", file=sys.stderr)
        return 127
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(report, "w", encoding="utf-8") as f:
        json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "exit": code}, f)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
