"""A Python client for NewAge relay servers (this one or upstream-compatible ones).

async with NewAgeClient("http://127.0.0.1:4000", client_id="bot", key=KEY) as client:
    print(await client.extensions())
    reply = await client.request("Hello!")
    async for chunk in reply:
        print(chunk, end="", flush=True)
"""

from newage_desktop.client.sdk import NewAgeClient, NewAgeError, Reply

__all__ = ["NewAgeClient", "NewAgeError", "Reply"]
