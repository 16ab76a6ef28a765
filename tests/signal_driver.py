"""Run the real ``nncli`` CLI in this process and send it a real signal at a chosen moment.

    python signal_driver.py MOMENT SIGNAL nncli-arguments...

The hostile tests use it to hit moments no outside timing can hit reliably; the
signal goes through the kernel to the process's real handlers, as one from a
user would.  MOMENT is one of:

    starting    the console script runs and is about to import the command line (any command)
    preparing   a training is about to make its data and network (no run directory yet)
    claimed     the run directory was just created and claimed (before config.yaml)
    resumed     --resume just marked the run as running again (before its first batch)
    config      config.yaml was just written (before the first checkpoint)
    checkpoint  the first checkpoint of an epoch was just written (training is under way)
    scoring     the epochs are over and the final scoring begins
    drawing     the run is complete and its pictures begin
    writing     a file is being written: its temporary file is open (any command)
    saving      a picture was drawn into its temporary file, not yet renamed (any command)

SIGNAL is a name without ``SIG``: INT, TERM, KILL or STOP.  Nothing in nncli
knows about this file: it wraps nncli's own functions from outside.
"""

import os
import signal
import sys


def main():
    moment, name, arguments = sys.argv[1], sys.argv[2], sys.argv[3:]
    number = getattr(signal, "SIG" + name)
    if moment == "starting":  # before anything of nncli but its first module is imported
        from nncli import start

        original = start._load_cli

        def load_after_a_signal():
            os.kill(os.getpid(), number)
            return original()

        start._load_cli = load_after_a_signal
        sys.argv = ["nncli", *arguments]
        start.main()
        return
    fired = []

    def fire():
        if not fired:
            fired.append(True)
            os.kill(os.getpid(), number)

    def wrap(owner, attribute, when, test=lambda *args: True):
        original = getattr(owner, attribute)

        def wrapped(*args, **kwargs):
            if when == "before" and test(*args):
                fire()
            result = original(*args, **kwargs)
            if when == "after" and test(*args):
                fire()
            return result

        setattr(owner, attribute, wrapped)

    from nncli import runs
    from nncli.training import resume, run

    if moment == "preparing":
        wrap(run, "prepare", "before")
    elif moment == "claimed":
        wrap(runs, "create_run_dir", "after")
    elif moment == "resumed":
        wrap(resume, "_mark_resumed", "after")
    elif moment == "config":
        wrap(runs, "write_text", "after", lambda path, *rest: path.name == runs.CONFIG)
    elif moment == "checkpoint":
        wrap(run, "write_progress", "after")
    elif moment == "scoring":
        wrap(run, "final_metrics", "before")
    elif moment == "drawing":
        from nncli import plots  # training/run.py imports draw_all from here when it draws

        wrap(plots, "draw_all", "before")
    elif moment == "writing":
        from nncli.runs import files

        original = files.atomic_write

        def atomic_write(path, write):
            return original(path, lambda handle: (fire(), write(handle))[1])

        files.atomic_write = runs.atomic_write = atomic_write
    elif moment == "saving":
        from nncli.plots import figure  # a picture's temporary file open, its PNG made, not yet renamed

        wrap(figure, "png_bytes", "after")
    else:
        raise SystemExit(f"unknown moment {moment}")
    sys.argv = ["nncli", *arguments]
    from nncli.start import main as nncli_main

    nncli_main()


if __name__ == "__main__":
    main()
