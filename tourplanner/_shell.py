"""Exit statuses and signals of the command line (private).

Importing this module (the command line does it first, before its heavy
imports) makes an uncaught Ctrl-C one line and exit status 130 instead of a
traceback. :func:`run` runs a command and maps every outcome to one exit
status: 0 success, 1 only what the command returns (``audit``'s "flagged"),
2 a bad input or usage (:class:`~tourplanner.errors.TourplannerError`), 3 an
unexpected internal error, reported in one line that points to ``--debug``
(or ``TOURPLANNER_DEBUG=1``), which shows the traceback; 130 for Ctrl-C and
143 for SIGTERM; 141, quietly, when the reader of standard output goes away
(``| head``). A signal unwinds the program like an exception, so every
temporary file and half-staged output is removed on the way out.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing takes a while

if TYPE_CHECKING:  # nothing but os and sys is imported before the hook is installed
    import logging
    from collections.abc import Callable
    from types import FrameType, TracebackType
    from typing import Final

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Terminated",
    "debug_requested",
    "one_line",
    "run",
    "safe_formatter",
]

EXIT_USAGE: Final = 2
EXIT_INTERNAL: Final = 3
EXIT_INTERRUPTED: Final = 130
EXIT_TERMINATED: Final = 143
#: The reader of standard output closed it (``| head``): 128 + SIGPIPE, as Unix tools end.
EXIT_BROKEN_PIPE: Final = 141
_MAX_MESSAGE: Final = 600


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM."""


def _interrupt_hook(
    previous: Callable[[type[BaseException], BaseException, TracebackType | None], object],
) -> Callable[[type[BaseException], BaseException, TracebackType | None], object]:
    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> object:
        if issubclass(kind, KeyboardInterrupt):
            sys.stderr.write("tourplanner: interrupted\n")
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        return previous(kind, value, tb)

    return hook


sys.excepthook = _interrupt_hook(sys.excepthook)


def one_line(message: str) -> str:
    """Return ``message`` as one bounded line with no control or escape characters."""
    from tourplanner._text import terminal_text  # noqa: PLC0415 - keep start-up light

    text = " ".join(terminal_text(message).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def safe_formatter(fmt: str) -> logging.Formatter:
    """Return a log formatter whose messages are :func:`one_line` (no escapes, no controls)."""
    import logging  # noqa: PLC0415

    class _Safe(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return one_line(super().format(record))

    return _Safe(fmt)


def debug_requested(argv: list[str]) -> bool:
    """Return whether ``--debug`` is among the global options or ``TOURPLANNER_DEBUG`` is set."""
    flag = os.environ.get("TOURPLANNER_DEBUG", "").strip().lower()
    return flag not in {"", "0", "no", "false"} or "--debug" in argv


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def run(command: Callable[[], int], *, debug: bool) -> int:
    """Run ``command`` and return the exit status (see the module docstring).

    Parameters
    ----------
    command
        The command; returns 0 or 1.
    debug
        Re-raise unexpected errors (a full traceback) instead of one line.

    Returns
    -------
    int
        The exit status.
    """
    import signal  # noqa: PLC0415 - keep start-up light (see the module docstring)
    import traceback  # noqa: PLC0415

    from tourplanner.errors import TourplannerError  # noqa: PLC0415

    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: no handler, the default applies
        previous = None
    try:
        return command()
    except TourplannerError as exc:
        print(f"tourplanner: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tourplanner: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("tourplanner: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # the reader of our output went away (``| head``): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if debug:
            traceback.print_exc()
            return EXIT_INTERNAL
        reason = one_line(f"{type(exc).__name__}: {exc}")
        print(
            f"tourplanner: internal error ({reason}); this is a bug: "
            "run again with --debug (or TOURPLANNER_DEBUG=1) to see the traceback, and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
