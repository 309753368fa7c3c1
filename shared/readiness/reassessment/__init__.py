"""Scheduled re-assessment: a dispatcher finds who is due, a queue carries them, a worker re-scores each.

- ``dispatch``: the due-index Queries (one per shard, in parallel) and the claim that moves each
  due schedule on to its next period before its message is sent (so no period is sent twice);
- ``worker``: re-scoring one user as of now, stored once per due period, and the ReadinessChanged
  event;
- ``messages``: the queue message between the two;
- ``sqs`` and ``eventbridge``: the AWS sides, behind the ports in ``ports``;
- ``runtime``: the clients and services a Lambda function builds lazily.
"""
