"""Scheduled re-assessment: a dispatcher finds who is due, a queue carries them, a worker re-scores each.

- ``dispatch``: the due-index Queries (one per shard, in parallel) and the lease that keeps a
  dispatched user out of the index while the worker runs;
- ``worker``: re-scoring one user as of now, stored once per due period, and the ReadinessChanged
  event;
- ``messages``: the queue message between the two;
- ``sqs`` and ``eventbridge``: the AWS sides, behind the ports in ``ports``;
- ``runtime``: the clients and services a Lambda function builds lazily.
"""
