"""``python -m mediawatch``: the same commands as the ``mediawatch`` script and ``python -m mediawatch.cli``."""

from mediawatch.cli.main import main

main()
