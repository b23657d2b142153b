"""What the stages may ask of the store: one Protocol per aggregate.

Stages are typed against these, never against the concrete ``Store``, so a stage states which part of the
database it touches and a test double or another backend only has to provide that part. ``Store`` satisfies
every one of them (checked by mypy in ``tests/test_store_protocols.py``).
"""

from __future__ import annotations

# -- sources, articles, classifications and stories (collect, classify) ---------------------------

# -- issues, editions, translations, review, users, subscribers, outbox, reporting ----------------
