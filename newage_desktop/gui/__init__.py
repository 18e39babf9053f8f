"""The desktop window: a thin layer of Qt models and widgets over the core's API and events.

The window never connects to its own server over a socket: it calls the core in-process through
`CoreBridge` and observes it through the core's event stream.
"""
