"""Splitting a TCP stream into CoT events, as TAK clients send them, and TAK protocol 1.

XML clients send events back to back (each may start with an XML declaration);
an event ends after ``</event>``, wherever the TCP segments fall. TAK protocol
version 1 ("streaming") sends each event as ``0xbf``, a varint length and a
protobuf ``TakMessage`` (the ``takproto`` package's schema). Both are told
apart by their first byte, so a client that switches after negotiating is read
either way. Every event is held to ``max_bytes``: a larger one is dropped,
with the reason, and reading goes on with the next.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import DecodeError
from takproto.proto import TakMessage

from peaceforce.server.cot.events import (
    LABEL_ELEMENT,
    EventError,
    cot_time,
    parse_event,
    parse_time,
)

#: The largest event read or sent, in bytes (a drawing of a few hundred vertices fits).
MAX_EVENT_BYTES = 256 * 1024
PROTO_MAGIC = 0xBF
_END = b"</event>"
_BLANK = b" \t\r\n\x00"
_MAX_VARINT = 10


@dataclass(frozen=True)
class Frame:
    """One event as received: ``xml`` or ``proto`` (the protobuf payload, no header)."""

    kind: str
    data: bytes


@dataclass(frozen=True)
class FrameError:
    """Bytes dropped from the stream, and why."""

    reason: str


class StreamSplitter:
    """Feed it bytes as they arrive; it gives back whole events and what it had to drop."""

    def __init__(self, max_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer already searched for </event>
        self._skip = 0  # bytes of an oversized protobuf frame still to drop
        self._discarding = False  # inside an oversized XML event, dropping to its end

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        """The events (and errors) completed by ``data``, in order."""
        self._buffer += data
        out: list[Frame | FrameError] = []
        while self._step(out):
            pass
        return out

    def _step(self, out: list[Frame | FrameError]) -> bool:
        """Take one thing off the buffer; whether to go on."""
        buffer = self._buffer
        if self._skip:
            dropped = min(self._skip, len(buffer))
            del buffer[:dropped]
            self._skip -= dropped
            return bool(buffer) and not self._skip
        if self._discarding:
            end = buffer.find(_END, max(0, self._scanned - len(_END)))
            if end < 0:
                keep = len(_END) - 1
                del buffer[: max(0, len(buffer) - keep)]
                self._scanned = len(buffer)
                return False
            del buffer[: end + len(_END)]
            self._discarding, self._scanned = False, 0
            return True
        start = 0
        while start < len(buffer) and buffer[start] in _BLANK:
            start += 1
        if start:
            del buffer[:start]
            self._scanned = max(0, self._scanned - start)
        if not buffer:
            return False
        if buffer[0] == PROTO_MAGIC:
            return self._proto(out)
        if buffer[0] == ord("<"):
            return self._xml(out)
        following = [i for i in (buffer.find(b"<"), buffer.find(bytes([PROTO_MAGIC]))) if i > 0]
        cut = min(following) if following else len(buffer)
        out.append(FrameError(f"{cut} byte(s) that are neither an XML event nor TAK protocol 1"))
        del buffer[:cut]
        self._scanned = 0
        return True

    def _xml(self, out: list[Frame | FrameError]) -> bool:
        buffer = self._buffer
        end = buffer.find(_END, max(0, self._scanned - len(_END)))
        if end < 0:
            self._scanned = len(buffer)
            if len(buffer) > self.max_bytes:
                out.append(FrameError(f"an event over {self.max_bytes} bytes (dropped)"))
                self._discarding = True
                return True
            return False
        size = end + len(_END)
        if size > self.max_bytes:
            out.append(FrameError(f"an event of {size} bytes, over {self.max_bytes} (dropped)"))
        else:
            out.append(Frame("xml", bytes(buffer[:size])))
        del buffer[:size]
        self._scanned = 0
        return True

    def _proto(self, out: list[Frame | FrameError]) -> bool:
        buffer = self._buffer
        length, shift, position = 0, 0, 1
        while True:
            if position >= len(buffer):
                if position > _MAX_VARINT:
                    break
                return False  # the length is not all here yet
            byte = buffer[position]
            length |= (byte & 0x7F) << shift
            position += 1
            if not byte & 0x80:
                break
            shift += 7
            if position > _MAX_VARINT:
                break
        else:  # pragma: no cover (the loop only leaves by break or return)
            return False
        if position > _MAX_VARINT or length == 0:
            out.append(FrameError("a TAK protocol 1 header with no valid length"))
            del buffer[:1]
            return True
        if length > self.max_bytes:
            out.append(
                FrameError(f"a TAK protocol 1 event of {length} bytes, over {self.max_bytes}")
            )
            del buffer[:position]
            self._skip = length
            return True
        if len(buffer) < position + length:
            return False
        out.append(Frame("proto", bytes(buffer[position : position + length])))
        del buffer[: position + length]
        return True


# --- TAK protocol version 1 --------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _millis(text: str | None, name: str) -> int:
    return int(parse_time(text, name).timestamp() * 1000)


def _from_millis(value: int) -> str:
    return cot_time(datetime.fromtimestamp(value / 1000, UTC))


def to_proto(event: ET.Element) -> bytes:
    """An event as a TAK protocol 1 stream frame: ``0xbf``, varint length, ``TakMessage``."""
    message = TakMessage()
    cot = message.cotEvent
    for name in ("type", "access", "qos", "opex", "uid", "how"):
        value = event.get(name)
        if value:
            setattr(cot, name, value)
    cot.sendTime = _millis(event.get("time"), "time")
    cot.startTime = _millis(event.get("start") or event.get("time"), "start")
    cot.staleTime = _millis(event.get("stale"), "stale")
    point = event.find("point")
    if point is not None:
        for name in ("lat", "lon", "hae", "ce", "le"):
            setattr(cot, name, float(point.get(name, "0")))
    detail = event.find("detail")
    if detail is not None:
        rest = []
        for child in detail:
            if child.tag == "contact" and child.get("callsign"):
                cot.detail.contact.callsign = child.get("callsign", "")
                if child.get("endpoint"):
                    cot.detail.contact.endpoint = child.get("endpoint", "")
            else:
                rest.append(ET.tostring(child, encoding="unicode"))
        label = {k: v for k, v in event.attrib.items() if k in ("caveat", "releasableTo")}
        if label and detail.find(LABEL_ELEMENT) is None:
            rest.append(ET.tostring(ET.Element(LABEL_ELEMENT, label), encoding="unicode"))
        cot.detail.xmlDetail = "".join(rest)
    payload: bytes = message.SerializeToString()
    return bytes([PROTO_MAGIC]) + _varint(len(payload)) + payload


def from_proto(payload: bytes) -> ET.Element:
    """The CoT event a TAK protocol 1 payload holds, as XML; ``EventError`` says why not.

    The free-form detail is parsed with the same hardening as an XML event.
    """
    message = TakMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        raise EventError("not a TAK protocol 1 TakMessage") from None
    if not message.HasField("cotEvent"):
        raise EventError("a TakMessage without a cotEvent")
    cot = message.cotEvent
    attributes = {
        "version": "2.0",
        "uid": cot.uid,
        "type": cot.type,
        "how": cot.how,
        "time": _from_millis(cot.sendTime),
        "start": _from_millis(cot.startTime or cot.sendTime),
        "stale": _from_millis(cot.staleTime),
    }
    for name in ("access", "qos", "opex"):
        if getattr(cot, name):
            attributes[name] = getattr(cot, name)
    event = ET.Element("event", {k: v for k, v in attributes.items() if v})
    ET.SubElement(
        event,
        "point",
        {name: repr(float(getattr(cot, name))) for name in ("lat", "lon", "hae", "ce", "le")},
    )
    detail_text = cot.detail.xmlDetail if cot.HasField("detail") else ""
    wrapped = f"<event uid='x' type='x'><detail>{detail_text}</detail></event>".encode()
    if len(wrapped) > MAX_EVENT_BYTES:
        raise EventError(f"an xmlDetail over {MAX_EVENT_BYTES} bytes")
    parsed = parse_event(wrapped).find("detail")
    detail = parsed if parsed is not None else ET.Element("detail")
    if cot.HasField("detail") and cot.detail.HasField("contact"):
        detail.insert(0, ET.Element("contact", {"callsign": cot.detail.contact.callsign}))
    event.append(detail)
    for name in ("uid", "type"):
        if not event.get(name):
            raise EventError(f"@{name}: missing, expected a CoT event {name}")
    return event
