"""The HTTP API v1 on API Gateway HTTP APIs and Lambda: routes, requests, responses, errors, runtime.

Functions under functions/<verb_noun>/app.py stay thin: they register one route on a resolver
made here and call one use case; everything else lives in this package.
"""
