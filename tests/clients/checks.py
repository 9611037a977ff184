"""What the client scripts share: checks that stop a run with a message, step and result
lines, and the exit status of a whole run."""

import sys
import traceback


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def step(title):
    print(f"== {title}", flush=True)


def ok(message):
    print(f"   ok: {message}", flush=True)


def run_checks(checks, passed):
    """Runs `checks()`; prints `passed` and returns 0 when it returns, else prints why and
    returns 1."""
    try:
        checks()
    except CheckFailed as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    except Exception:
        print("FAILED with an exception:", flush=True)
        traceback.print_exc(file=sys.stdout)
        return 1
    print(passed, flush=True)
    return 0
