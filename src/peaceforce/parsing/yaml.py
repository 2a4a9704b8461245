"""YAML as plain data with the line of every node, within a budget a hostile file cannot escape.

The document is built straight from the parser's events, so nothing but this
module decides what a node becomes:

- only plain scalars (null, bool, int, float, str, timestamp), lists and
  mappings; an explicit tag (``!!python/object``, ``!!set``, ``!!binary``) or a
  merge key (``<<``) is a problem, as is a key that is not a plain scalar;
- a key written twice in one mapping is a problem naming both lines (YAML
  libraries otherwise keep the later value without a word);
- anchors and aliases are kept (the built-in pledges share caveats that way)
  but an alias is a reference, never a copy, and it is counted as the nodes it
  stands for: a document may become at most ``YAML_ALIAS_FACTOR`` times the
  nodes written so far and ``MAX_YAML_NODES`` nodes in all, which stops a
  "billion laughs" file at its first oversized alias; an alias inside its own
  anchor (a recursive document) is a problem, not a recursion without end;
- nesting, aliased content included, stops at ``MAX_YAML_DEPTH`` levels;
- one document per file, of at most ``MAX_YAML_BYTES``.

Every fault raises :class:`~peaceforce.errors.InputError` with one
:class:`~peaceforce.errors.Problem` at ``line L, column C``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from peaceforce.errors import InputError, Problem
from peaceforce.parsing.files import BOM, check_size, decode_text
from peaceforce.parsing.limits import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    YAML_ALIAS_FACTOR,
)

#: A node's place in a document: mapping keys and list indices from the top.
YamlPath = tuple[str | int, ...]

#: libyaml's parser where PyYAML was built with it (about 10x faster), else pure Python.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _TAG + kind for kind in ("null", "bool", "int", "float", "str", "timestamp")
)
_COLLECTION_TAGS = {yaml.SequenceStartEvent: _TAG + "seq", yaml.MappingStartEvent: _TAG + "map"}
_KEY_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class YamlDocument:
    """A parsed document: its data and the line (1-based) of every node written in it.

    An aliased node has the line of its alias; the nodes inside it have none
    of their own, so :meth:`locate` gives them the alias's.
    """

    data: Any
    lines: Mapping[YamlPath, int] = field(repr=False)

    def locate(self, path: Sequence[str | int]) -> tuple[int, YamlPath]:
        """The line of the deepest written node along ``path`` and the part of ``path`` it covers.

        Parts that name no node (a validator's union tag, say) are skipped.
        """
        found: YamlPath = ()
        for part in path:
            if (*found, part) in self.lines:
                found = (*found, part)
        return self.lines.get(found, 1), found


def format_path(path: Sequence[str | int]) -> str:
    """``('clauses', 2, 'width_km')`` as ``clauses[2].width_km``, as a person reads it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class _Anchor:
    value: Any
    size: int  # nodes it stands for, its own aliases expanded
    height: int  # levels of nesting, 0 for a scalar
    line: int


_NO_KEY = object()


@dataclass
class _Open:
    """A list or mapping whose end event has not come yet."""

    value: list[Any] | dict[Any, Any]
    path: YamlPath
    anchor: str | None
    built_before: int
    height: int = 1
    key: Any = _NO_KEY  # a mapping's key waiting for its value
    keys: dict[Any, int] = field(default_factory=dict)  # each key and its line


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _short_tag(tag: str | None) -> str:
    return str(tag).replace(_TAG, "!!", 1)


class _Builder:
    """Builds plain data from parser events, counting nodes and checking keys on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        # PyYAML's resolver and constructors are untyped; they only see scalar nodes here
        self.loader: Any = _LOADER("")
        self.root: Any = None
        self.lines: dict[YamlPath, int] = {}
        self.anchors: dict[str, _Anchor] = {}
        self.stack: list[_Open] = []
        self.written = 0
        self.built = 0
        self.documents = 0
        self.handlers: dict[type[yaml.Event], Callable[[Any], None]] = {
            yaml.ScalarEvent: self.scalar,
            yaml.SequenceStartEvent: self.start,
            yaml.MappingStartEvent: self.start,
            yaml.SequenceEndEvent: self.end,
            yaml.MappingEndEvent: self.end,
            yaml.AliasEvent: self.alias,
            yaml.DocumentStartEvent: self.document,
        }

    def fault(self, mark: Any, value: str, expected: str) -> NoReturn:
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        raise InputError([Problem(self.file, where, value, expected)])

    # Handlers take Any: PyYAML's stubs make marks optional, but a parser always sets them.
    def feed(self, event: yaml.Event) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(event)

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            self.fault(event.start_mark, "a second document", "one YAML document per file")

    def count(self, size: int, mark: Any) -> None:
        self.written += 1
        self.built += size
        if self.built > MAX_YAML_NODES:
            self.fault(
                mark, f"more than {MAX_YAML_NODES:,} nodes", f"at most {MAX_YAML_NODES:,} nodes"
            )

    def check_anchor(self, name: str, mark: Any) -> None:
        first = self.anchors.get(name)
        if first is not None or any(o.anchor == name for o in self.stack):
            where = f" (first at line {first.line})" if first is not None else ""
            self.fault(mark, f"anchor &{name} again{where}", "each anchor once in a document")

    def expects_key(self) -> bool:
        return (
            bool(self.stack)
            and isinstance(self.stack[-1].value, dict)
            and (self.stack[-1].key is _NO_KEY)
        )

    def place(self, value: Any, mark: Any, height: int) -> None:
        """Put a finished node where the document is, or take it as the key it stands for."""
        if self.expects_key():
            self.take_key(self.stack[-1], value, mark)
        else:
            self.attach(value, mark, height)

    def attach(self, value: Any, mark: Any, height: int) -> YamlPath:
        """Put a node (a collection just opened, or a finished node) where the document is."""
        path: YamlPath = ()
        if not self.stack:
            self.root = value
        else:
            top = self.stack[-1]
            top.height = max(top.height, height + 1)
            if isinstance(top.value, list):
                path = (*top.path, len(top.value))
                top.value.append(value)
            else:
                key, top.key = top.key, _NO_KEY
                path = (*top.path, key if isinstance(key, str | int) else str(key))
                top.value[key] = value
        self.lines[path] = mark.line + 1
        return path

    def take_key(self, top: _Open, key: Any, mark: Any) -> None:
        if not isinstance(key, _KEY_TYPES):
            kind = "seq" if isinstance(key, list) else "map" if isinstance(key, dict) else None
            kind = kind or type(key).__name__
            self.fault(mark, f"a {kind} as a key", "a plain scalar as a mapping key")
        first = top.keys.get(key)
        if first is not None:
            self.fault(
                mark, f"{_show(key)} again (first at line {first})", "each key once in a mapping"
            )
        top.keys[key] = mark.line + 1
        top.key = key

    def scalar(self, event: Any) -> None:
        mark = event.start_mark
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _TAG + "merge":
            self.fault(mark, "'<<'", "a plain key (merge keys are not read: write the fields)")
        if tag not in _SCALAR_TAGS:
            self.fault(
                mark, f"{_show(event.value)} tagged {_short_tag(tag)}", "a value with no tag"
            )
        node = yaml.ScalarNode(tag, event.value, mark, event.end_mark, style=event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            self.fault(mark, _show(event.value), f"a valid {tag.removeprefix(_TAG)}")
        self.count(1, mark)
        if event.anchor is not None:
            self.check_anchor(event.anchor, mark)
            self.anchors[event.anchor] = _Anchor(value, 1, 0, mark.line + 1)
        self.place(value, mark, 0)

    def start(self, event: Any) -> None:
        mark = event.start_mark
        is_list = isinstance(event, yaml.SequenceStartEvent)
        if self.expects_key():
            kind = "seq" if is_list else "map"
            self.fault(mark, f"a {kind} as a key", "a plain scalar as a mapping key")
        if event.tag not in (None, "!", _COLLECTION_TAGS[type(event)]):
            self.fault(mark, f"a collection tagged {_short_tag(event.tag)}", "a list or mapping")
        if len(self.stack) >= MAX_YAML_DEPTH:
            self.fault(
                mark,
                f"nesting deeper than {MAX_YAML_DEPTH} levels",
                f"YAML nested at most {MAX_YAML_DEPTH} levels deep",
            )
        if event.anchor is not None:
            self.check_anchor(event.anchor, mark)
        built_before = self.built
        self.count(1, mark)
        value: list[Any] | dict[Any, Any] = [] if is_list else {}
        path = self.attach(value, mark, 1)
        self.stack.append(_Open(value, path, event.anchor, built_before))

    def end(self, event: Any) -> None:
        done = self.stack.pop()
        if self.stack:
            self.stack[-1].height = max(self.stack[-1].height, done.height + 1)
        if done.anchor is not None:
            size = self.built - done.built_before
            line = self.lines.get(done.path, event.start_mark.line + 1)
            self.anchors[done.anchor] = _Anchor(done.value, size, done.height, line)

    def alias(self, event: Any) -> None:
        mark, name = event.start_mark, event.anchor
        if any(o.anchor == name for o in self.stack):
            self.fault(mark, f"*{name} inside &{name}", "an alias to a node that does not hold it")
        anchor = self.anchors.get(name)
        if anchor is None:
            self.fault(mark, f"*{name}", f"an anchor &{name} defined before its alias")
        if len(self.stack) + anchor.height > MAX_YAML_DEPTH:
            self.fault(
                mark,
                f"*{name} nests deeper than {MAX_YAML_DEPTH} levels",
                f"YAML nested at most {MAX_YAML_DEPTH} levels deep",
            )
        self.count(anchor.size, mark)
        if self.built > YAML_ALIAS_FACTOR * self.written:
            self.fault(
                mark,
                f"*{name} makes {self.built:,} nodes of {self.written:,} written",
                f"aliases that at most multiply the nodes written by {YAML_ALIAS_FACTOR}",
            )
        self.place(anchor.value, mark, anchor.height)


def _check_encodable(text: str, file: str) -> None:
    """A text handed over as ``str`` may hold lone surrogates, which no parser reads."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        value = f"character U+{ord(text[exc.start]):04X}"
        raise InputError([Problem(file, f"line {line}", value, "valid Unicode text")]) from None


def parse_yaml(source: bytes | str, file: str) -> YamlDocument:
    """Parse one YAML document (UTF-8 bytes or text) into plain data with a line for every node.

    ``file`` names the source in problems.

    Raises
    ------
    InputError
        One problem at the first fault: not UTF-8, too large, not well-formed,
        a duplicate key, a tag, an alias over budget or recursive, too deep.
    """
    check_size(source, file, MAX_YAML_BYTES, "a YAML file")
    text = decode_text(source, file) if isinstance(source, bytes) else source.removeprefix(BOM)
    _check_encodable(text, file)
    builder = _Builder(file)
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "top level"
        problem = str(exc.problem or exc.context)
        raise InputError([Problem(file, where, problem, "well-formed YAML")]) from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes of the UTF-8 text
        line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        value = f"character U+{exc.character:04X}" if isinstance(exc.character, int) else "text"
        raise InputError(
            [Problem(file, f"line {line}", value, f"well-formed YAML: {exc.reason}")]
        ) from None
    return YamlDocument(builder.root, builder.lines)
