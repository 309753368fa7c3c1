"""Who is calling and what they may call: principals, the per-route access policy, credential resolution.

The Lambda authorizer resolves credentials (user tokens, centre keys) into a ``Principal`` and
checks the route's policy; handlers read the principal from the authorizer's context and never
parse credentials, nor take a tenant from the body or path alone.
"""
