"""The OpenAI-compatible API (`/v1/chat/completions`, `/v1/models`) over the core's relay.

No HTTP here: `body` parses and checks a request body, `auth` checks an API key against the
client keys and trust of §4, `session` follows one request's output through a relay tap, and
`service` puts them together for the transport (`transport/openai_routes.py`).
"""
