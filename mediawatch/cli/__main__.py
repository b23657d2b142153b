"""``python -m mediawatch.cli``: the same commands as the ``mediawatch`` script."""

from mediawatch.cli.main import main

main()
