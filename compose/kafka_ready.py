#!/usr/bin/env python3
"""Check that a Kafka-protocol broker really answers (standard library only).

    kafka_ready.py HOST:PORT [--wait SECONDS] [--timeout SECONDS] [--list-topics] [-v]

Sends ApiVersions v0 (api_key 18) and Metadata v1 (api_key 3) on one connection and
parses both responses. Exit 0 when both come back well-formed with no error,
1 otherwise. With --wait it retries until the deadline (default: a single try).
With --list-topics the Metadata request asks for all topics (null array) and
prints their names, one per line; otherwise it asks for none (empty array).
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys
import time

API_METADATA = 3
API_VERSIONS = 18
CLIENT_ID = b"giamngheo-kafka-ready"


class ProtocolError(Exception):
    pass


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError(f"response truncated at byte {self.pos} (wanted {n} more of {len(self.data)})")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int8(self) -> int:
        return struct.unpack(">b", self.take(1))[0]

    def int16(self) -> int:
        return struct.unpack(">h", self.take(2))[0]

    def int32(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def string(self, nullable: bool = False) -> str | None:
        n = self.int16()
        if n == -1 and nullable:
            return None
        if n < 0:
            raise ProtocolError(f"invalid string length {n}")
        return self.take(n).decode("utf-8", "replace")

    def array_len(self, nullable: bool = False) -> int:
        n = self.int32()
        if n == -1 and nullable:
            return 0
        if n < 0 or n > 1_000_000:
            raise ProtocolError(f"invalid array length {n}")
        return n

    def done(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolError(f"{len(self.data) - self.pos} unexpected trailing bytes")


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProtocolError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def request(sock: socket.socket, api_key: int, api_version: int, correlation_id: int, body: bytes) -> Reader:
    # Request header v1: api_key, api_version, correlation_id, client_id (nullable string).
    header = struct.pack(">hhih", api_key, api_version, correlation_id, len(CLIENT_ID)) + CLIENT_ID
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    if size < 4 or size > 64 * 1024 * 1024:
        raise ProtocolError(f"implausible response size {size}")
    reader = Reader(recv_exact(sock, size))
    got = reader.int32()  # response header v0: correlation_id
    if got != correlation_id:
        raise ProtocolError(f"correlation id {got}, expected {correlation_id}")
    return reader


def api_versions(sock: socket.socket) -> dict[int, tuple[int, int]]:
    r = request(sock, API_VERSIONS, 0, 1, b"")
    error = r.int16()
    if error != 0:
        raise ProtocolError(f"ApiVersions error code {error}")
    versions = {}
    for _ in range(r.array_len()):
        key, lo, hi = r.int16(), r.int16(), r.int16()
        versions[key] = (lo, hi)
    r.done()
    for key in (API_VERSIONS, API_METADATA):
        if key not in versions:
            raise ProtocolError(f"broker does not list api_key {key}")
    return versions


def metadata(sock: socket.socket, all_topics: bool) -> tuple[list[tuple[int, str, int]], list[str]]:
    body = struct.pack(">i", -1 if all_topics else 0)  # v1: null = all topics, [] = none
    r = request(sock, API_METADATA, 1, 2, body)
    brokers = []
    for _ in range(r.array_len()):
        node_id = r.int32()
        host = r.string()
        port = r.int32()
        r.string(nullable=True)  # rack
        brokers.append((node_id, host, port))
    r.int32()  # controller_id
    topics = []
    for _ in range(r.array_len()):
        error = r.int16()
        name = r.string()
        r.int8()  # is_internal
        for _ in range(r.array_len()):
            r.int16(); r.int32(); r.int32()  # error_code, partition_index, leader_id
            for _ in range(r.array_len()):  # replica_nodes
                r.int32()
            for _ in range(r.array_len()):  # isr_nodes
                r.int32()
        if error == 0:
            topics.append(name)
    r.done()
    if not brokers:
        raise ProtocolError("Metadata lists no broker")
    return brokers, topics


def probe(host: str, port: int, timeout: float, all_topics: bool):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        versions = api_versions(sock)
        brokers, topics = metadata(sock, all_topics)
    return versions, brokers, topics


def main() -> int:
    ap = argparse.ArgumentParser(description="Exit 0 when a Kafka broker answers ApiVersions and Metadata.")
    ap.add_argument("bootstrap", help="HOST:PORT")
    ap.add_argument("--wait", type=float, default=0.0, help="retry until this many seconds have passed")
    ap.add_argument("--timeout", type=float, default=2.0, help="socket timeout per attempt (seconds)")
    ap.add_argument("--list-topics", action="store_true", help="print the broker's topic names")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    host, sep, port_s = args.bootstrap.rpartition(":")
    if not sep or not host or not port_s.isdigit():
        print(f"kafka_ready: expected HOST:PORT, got {args.bootstrap!r}", file=sys.stderr)
        return 2
    host = host.strip("[]")
    deadline = time.monotonic() + max(args.wait, 0.0)
    last_error: Exception | None = None
    while True:
        try:
            versions, brokers, topics = probe(host, int(port_s), args.timeout, args.list_topics)
        except (OSError, ProtocolError, struct.error) as exc:
            last_error = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
            continue
        if args.verbose:
            print(f"kafka_ready: {args.bootstrap} answers: {len(versions)} APIs, "
                  f"Metadata v{versions[API_METADATA][0]}-{versions[API_METADATA][1]}, "
                  f"brokers {', '.join(f'{n}@{h}:{p}' for n, h, p in brokers)}", file=sys.stderr)
        if args.list_topics:
            for name in sorted(topics):
                print(name)
        return 0
    print(f"kafka_ready: {args.bootstrap} not ready: {type(last_error).__name__}: {last_error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
