"""A TCP relay on loopback in front of a server (the local S3), which a test can hang and resume.

While hung it accepts connections and reads nothing from them and sends nothing: the client sees an object
store that does not answer, as a stalled network would give. ``resume`` closes the held connections (their
requests fail) and forwards again. Threads only; every loop ends when the relay is stopped.
"""

from __future__ import annotations

import contextlib
import socket
import threading

__all__ = ["Relay"]


class Relay:
    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._hung = threading.Event()
        self._stopped = threading.Event()
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def hang(self) -> None:
        self._hung.set()

    def resume(self) -> None:
        self._hung.clear()
        with self._lock:
            for connection in self._held:
                connection.close()
            self._held.clear()

    def stop(self) -> None:
        self._stopped.set()
        self.resume()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            if self._hung.is_set():
                with self._lock:
                    self._held.append(client)
                continue
            upstream = socket.create_connection(("127.0.0.1", self._target_port))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        source.settimeout(0.5)
        try:
            while not self._stopped.is_set():
                if self._hung.is_set():  # a connection opened before the hang stalls too
                    self._stopped.wait(0.05)
                    continue
                try:
                    data = source.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
