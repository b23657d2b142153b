"""``python -m mediawatch``: the commands of the ``mediawatch`` script, as ``python -m mediawatch.cli``."""

from mediawatch.cli.main import main

main()
