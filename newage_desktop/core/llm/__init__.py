"""The LLM flow: requests, tracking, extension output, streams, history and context.

PROTOCOL.md §7 and §8.
"""
