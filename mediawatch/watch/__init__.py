"""The watch stage: what the media watch saw, searchable (issue 14).

Sits after classify and before compose: it reads the store through its protocols and the pure query
parser (:mod:`mediawatch.watch.query`); the CLI and the web app call :mod:`mediawatch.watch.service`.
"""
