"""Files remote parties may read, write or fetch: server functions and static mounts.

PROTOCOL.md §9.3 and §10.
"""
