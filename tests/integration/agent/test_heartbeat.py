"""Server pings keep sockets honest: a silent client is dropped, `omnia chat` idles safely."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable

import websocket

from agent import chat
from tests.support import agent_config
from tests.support.agent_server import RunningAgent
from tests.support.wait import wait_until

PING_S = 0.5


def test_a_client_that_never_answers_pings_is_disconnected(
    start_agent: Callable[..., RunningAgent], config_dir: agent_config.KubeletDir
) -> None:
    agent = start_agent(config_dir.env(), ping_interval_s=PING_S)
    silent = websocket.create_connection(agent.ws_url(), timeout=10)
    active = "omnia_agent_connections_active"
    wait_until(lambda: agent.metric(active, pack_version="1.0.0") == 1, 10, "connected")
    # Not reading means not answering pings: the server closes the socket.
    wait_until(lambda: agent.metric(active, pack_version="1.0.0") == 0, 10, "dropped")
    silent.close()


def test_interactive_chat_answers_pings_while_the_user_thinks(
    start_agent: Callable[..., RunningAgent], config_dir: agent_config.KubeletDir
) -> None:
    agent = start_agent(config_dir.env(), ping_interval_s=PING_S)
    ws = websocket.create_connection(agent.ws_url(), timeout=10)
    printer = chat.Printer(io.StringIO(), io.StringIO())
    client = chat.Client(ws, printer)
    client.open()
    read_end, write_end = os.pipe()
    user = os.fdopen(read_end)
    typed = threading.Timer(4 * PING_S, lambda: os.write(write_end, b"hello\n"))
    typed.start()
    client.wait_for_input(user)
    assert ws.connected
    client.turn(user.readline().strip())
    ws.close()
    user.close()
    os.close(write_end)
