"""One probe of a run's training process: listing calls a run crashed only when its process is known
to be gone; --resume refuses only a run whose process is known to be alive."""

import os
import subprocess
import sys

from nncli.runs import process_alive, process_gone


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_this_process_is_alive_and_a_finished_one_is_gone():
    assert process_alive({"pid": os.getpid()}) and not process_gone({"pid": os.getpid()})
    dead = _dead_pid()
    assert process_gone({"pid": dead}) and not process_alive({"pid": dead})


def test_unknown_is_neither_alive_nor_gone():
    for meta in ({}, {"pid": None}, {"pid": "12"}, {"pid": -3}, {"pid": os.getpid(), "host": "another-host"}):
        assert not process_alive(meta) and not process_gone(meta), meta


def test_a_pid_no_process_can_have_is_gone_without_an_error():
    assert process_gone({"pid": 10**30}) and not process_alive({"pid": 10**30})
