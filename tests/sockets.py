"""Opening a test socket the way a browser sees it."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator


async def handshake(communicator: WebsocketCommunicator) -> tuple[bool, int | None]:
    """(True, None) for a socket left open; (False, code) for one the server
    closed at once with ``code``.

    The server accepts a handshake it refuses and closes it with the code, so
    a browser sees why (a refusal at the handshake reaches it as HTTP 403 and
    code 1006). A handshake refused without a code fails here. Only for
    sockets that send nothing on opening unless they close.
    """
    connected, code = await communicator.connect()
    assert connected, f"the handshake was refused (HTTP 403), code {code}: browsers see 1006"
    if await communicator.receive_nothing(timeout=0.05):
        return True, None
    message = await communicator.receive_output()
    assert message["type"] == "websocket.close", message
    return False, message.get("code")
