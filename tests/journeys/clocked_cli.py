"""``python clocked_cli.py ISO-TIME ARGS...``: the ``mediawatch`` command line, run as an operator types
it, except that the delivery schedule reads ISO-TIME as the current time.

Journey c needs "after the scheduled time" without waiting for it: the clock that ``send`` and
``send --due`` take (``clock=``, default ``utc_now``) is replaced in this process only. The send itself
(outbox, retries, SMTP) keeps the real clock. If the delivery code stops taking a clock this way, the
launcher fails loudly instead of silently testing the real time.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime


def main() -> None:
    at = datetime.fromisoformat(sys.argv[1])
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at

    import mediawatch.deliver.send as send

    def clock() -> datetime:
        return at

    patched = 0
    for function in (send.send_issue, send.send_due):
        defaults = function.__kwdefaults__ or {}
        if "clock" in defaults:
            defaults["clock"] = clock
            patched += 1
    if patched != 2:
        raise SystemExit("clocked_cli: send_issue and send_due no longer take a clock= keyword")
    send.utc_now = clock

    from mediawatch.cli import main as cli

    sys.argv = ["mediawatch", *sys.argv[2:]]
    cli()


if __name__ == "__main__":
    main()
