"""A reader that leaves early (`poa history | head`, a closed pipe): the console script ends
without a traceback or any message (the reader left: nothing to say), exit status 1."""

from __future__ import annotations

import subprocess

from support.runners import poa_command, process_env


def test_a_closed_output_pipe_shows_no_traceback(store):
    process = subprocess.Popen([*poa_command(), "history", "--store", str(store)], env=process_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read()
    assert process.wait(timeout=60) == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err == "", err
