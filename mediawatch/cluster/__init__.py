"""Collection and classification spread over worker processes on any number of machines (issue 16).

With ``[cluster] broker_url`` set, ``mediawatch collect`` (and the collect stage of ``mediawatch nightly``,
which waits for the run) enqueues one Dramatiq task per due source on a Redis broker; ``mediawatch worker``
processes poll the feeds, fetch and extract the pages (one task each) and classify what was collected.
What one process guarantees holds across machines:

- per-host politeness and robots.txt through Redis (``cluster.shared``), seen by every worker;
- one collect run at a time: the database's run lock while enqueueing, and a run still open on the
  broker refuses the next one (``cluster.runs``);
- an article stored once: unique URL keys in the database, transactions that run again after losing a
  race (``store.core.Database._tx_retrying``);
- nothing lost when a worker dies: a task is acknowledged after its work is committed, the broker hands a
  dead worker's tasks to the others, and every task can run twice without doing its work twice;
- the run's summary is counted from the database (``Store.collect_tally``), not in one process's memory.
"""
