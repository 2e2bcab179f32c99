#!/usr/bin/env python3
"""Checks docs/events/asyncapi.yaml, its examples, and records a running system published, against its own schemas.

    check_asyncapi.py [--asyncapi FILE] [--asyncapi-schema FILE] [--no-topology] [RECORDS.jsonl ...]

What it checks, each check counting once in the closing line `N passed, M failed`:

1. The document against the official AsyncAPI 3.0.0 JSON Schema, when one is given with --asyncapi-schema. No package
   on PyPI ships that schema (searched 2026-12: asyncapi-python-parser-jonaslagoni reads it from a folder its wheel
   does not contain; asyncapi3, asyncapi-python, asyncapi-payload-validator, asyncapi-container and asyncapi-mate ship
   none), and compose/setup installs from PyPI only, so without the option this check is skipped and says so.
2. The document's structure: every local `$ref` resolves; every operation names a channel of the document and only
   messages of that channel; every message has a payload, headers, a Kafka key binding and at least one example, and
   every example has headers and a payload.
3. Every example of every message: its payload against the message's payload schema (the JSON Schema files next to
   the document, with format checking: date, date-time, uuid), its headers against the message's headers schema; and
   the first example's payload equals docs/events/examples/<schemaName>.json, the file the message's payload schema
   is named after, so the document cannot drift from the examples that validate_events.py checks.
4. Unless --no-topology: the channels against the topology table in Shared/EventContracts/Topics.swift (the same
   topics as `Topics.all`: eventTopics, agencyTopics, operationalTopics and the dead-letter topics; per topic its
   CloudEvents type, compaction, co-partition group, producers, consumers and personal data as the channel's
   `x-giamngheo-*` fields, cleanup policy and message say), and every send or receive operation is by a service the
   table lists as producer or consumer of that topic. A topic with a type has exactly one message named
   that type, whose ce_dataclassification is the table's; it may carry other messages (the calendar days eligibility
   writes on giamngheo.classified-household.v1) only if each is named by a type of Topics.swift's EventTypes that is
   no topic's type, fixes ce_source to one of the topic's producing services, and says ce_dataclassification `none`
   or the table's.
5. Each RECORDS.jsonl file: one published record per line, as JSON:

       {"topic": "giamngheo.classified-household.v1",      (required) the topic it was read from
        "partition": 0, "offset": 48217,                     (optional) where, for the messages
        "key": "4399d1cc-0935-59fc-9839-8839715fb936",      (optional) the key as UTF-8 text, or null for none;
                                                             checked against the message's Kafka key binding when given
        "headers": {"ce_id": "…", "ce_type": "…", …},       (required) every Kafka header, name -> UTF-8 text value
        "value": {…}}                                        (required) the record value parsed as JSON; a value that is
                                                             not JSON as its UTF-8 text (a string); null for no value

   The topic's channel gives the message: the only one of the channel, or the one whose `name` is the record's
   `ce_type` header. The value is validated against that message's payload schema, the headers against its headers
   schema, and the key against its key binding. Blank lines are skipped. The Swift system test writes such a file from
   what the services really published.

Prints one line per failure (`where: what: message`) and a last line `N passed, M failed`.
Exit status: 0 when everything passed; 1 when anything failed or could not be read; 2 for usage errors.

Needs PyYAML and jsonschema (compose/setup installs both in .deps/venv):
    .deps/venv/bin/python compose/check_asyncapi.py
    .deps/venv/bin/python compose/check_asyncapi.py published.jsonl
"""

import argparse
import json
import pathlib
import re
import sys

try:
    import yaml
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT7
except ImportError as error:  # pragma: no cover - depends on the environment
    sys.exit(f"check_asyncapi.py: {error.name} is missing; run compose/setup and use .deps/venv/bin/python")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from validate_events import format_checker, json_path  # noqa: E402  (same folder; also needs jsonschema)

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DOCUMENT = ROOT / "docs" / "events" / "asyncapi.yaml"
TOPICS_SWIFT = ROOT / "Shared" / "EventContracts" / "Topics.swift"
SERVICES = ["intake", "eligibility", "loan-referral", "training-match", "reporting"]


class JSONLoader(yaml.SafeLoader):
    """YAML as JSON sees it: timestamps stay strings (a `ce_time` or `surveyDate` must reach the schemas as text)."""


JSONLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self):
        self.passed += 1

    def fail(self, where, what, message):
        print(f"{where}: {what}: {message}")
        self.failed += 1

    def check(self, where, what, problems):
        """One check: passes when `problems` is empty, else prints each."""
        if not problems:
            self.ok()
            return True
        self.failed += 1
        for problem in problems:
            print(f"{where}: {what}: {problem}")
        return False


class Document:
    def __init__(self, path: pathlib.Path):
        self.path = path
        self.uri = path.resolve().as_uri()
        self.data = yaml.load(path.read_text(encoding="utf-8"), Loader=JSONLoader)
        if not isinstance(self.data, dict):
            raise ValueError("not a YAML mapping")
        resources = [(self.uri, Resource.from_contents(self.data, default_specification=DRAFT7))]
        self.schema_files = {}
        for schema_path in sorted(path.parent.glob("*.schema.json")):
            contents = json.loads(schema_path.read_text(encoding="utf-8"))
            resource = Resource.from_contents(contents, default_specification=DRAFT7)
            resources.append((schema_path.resolve().as_uri(), resource))
            if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
                resources.append((contents["$id"], resource))
            self.schema_files[schema_path.name] = contents
        self.registry = Registry().with_resources(resources).crawl()
        self.checker = format_checker()
        self.validators = {}

    def pointer(self, ref: str):
        """The object a local `#/…` reference names, or raises KeyError."""
        if not ref.startswith("#/"):
            raise KeyError(ref)
        node = self.data
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise KeyError(ref)
        return node

    def deref(self, node, pointer: str):
        """Follows local `$ref`s: (pointer, object) of what `node` (found at `pointer`) stands for."""
        seen = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            if node["$ref"] in seen:
                raise KeyError(f"{node['$ref']} (a cycle)")
            seen.add(node["$ref"])
            pointer = node["$ref"]
            node = self.pointer(pointer)
        return pointer, node

    def validator(self, pointer: str):
        """A draft-07 validator for the schema at `pointer` in the document (its references resolved)."""
        if pointer not in self.validators:
            self.validators[pointer] = Draft7Validator(
                {"$ref": f"{self.uri}{pointer}"}, registry=self.registry, format_checker=self.checker)
        return self.validators[pointer]

    def errors(self, pointer: str, instance):
        try:
            found = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        except Unresolvable as error:
            return [f"schema {pointer} cannot be resolved: {error}"]
        return [f"{json_path(e.absolute_path)}: {e.message}" for e in found]

    def messages(self):
        return (self.data.get("components") or {}).get("messages") or {}

    def channel_messages(self, channel_name):
        """(message pointer, message) of every message of a channel."""
        channel = self.data["channels"][channel_name]
        out = []
        for key, node in (channel.get("messages") or {}).items():
            out.append(self.deref(node, f"#/channels/{channel_name}/messages/{key}"))
        return out


def check_official_schema(run, document, schema_file):
    if schema_file is None:
        print("asyncapi schema: skipped: no PyPI package ships the official AsyncAPI 3.0.0 JSON Schema; "
              "pass --asyncapi-schema FILE to validate against a copy of it")
        return
    try:
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        registry = Registry().with_resource(schema.get("$id", schema_file.resolve().as_uri()), resource).crawl()
        validator = Draft7Validator(schema, registry=registry)
        errors = [f"{json_path(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document.data)]
    except (OSError, ValueError, Unresolvable) as error:
        errors = [f"cannot use {schema_file}: {error}"]
    run.check(str(document.path), "AsyncAPI 3.0.0 schema", errors[:50])


def check_structure(run, document):
    where = str(document.path)
    problems = []
    if document.data.get("asyncapi") != "3.0.0":
        problems.append(f"asyncapi is {document.data.get('asyncapi')!r}, expected '3.0.0'")

    def walk(node, at):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref.startswith("#/"):
                    try:
                        document.pointer(ref)
                    except (KeyError, ValueError, IndexError):
                        problems.append(f"{at}: $ref {ref} does not resolve")
                elif not ref.startswith("http"):
                    target = (document.path.parent / ref.split("#")[0]).resolve()
                    if not target.is_file():
                        problems.append(f"{at}: $ref {ref}: no file {target}")
            for key, value in node.items():
                walk(value, f"{at}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{at}/{index}")

    walk(document.data, "#")
    run.check(where, "references", problems)

    problems = []
    channels = document.data.get("channels") or {}
    for name, operation in (document.data.get("operations") or {}).items():
        channel_ref = (operation.get("channel") or {}).get("$ref", "")
        if not channel_ref.startswith("#/channels/") or channel_ref.count("/") != 2 or channel_ref.split("/")[2] not in channels:
            problems.append(f"operation {name}: channel {channel_ref!r} is not a channel of this document")
            continue
        if operation.get("action") not in ("send", "receive"):
            problems.append(f"operation {name}: action {operation.get('action')!r}")
        for message in operation.get("messages") or []:
            ref = message.get("$ref", "")
            if not ref.startswith(channel_ref + "/messages/"):
                problems.append(f"operation {name}: message {ref!r} is not a message of {channel_ref}")
        if not operation.get("messages"):
            problems.append(f"operation {name}: no messages")
    run.check(where, "operations", problems)

    problems = []
    for name in channels:
        if not (channels[name].get("bindings") or {}).get("kafka"):
            problems.append(f"channel {name}: no Kafka binding")
        if not channels[name].get("messages"):
            problems.append(f"channel {name}: no messages")
    for name, message in document.messages().items():
        for field in ("payload", "headers", "examples"):
            if not message.get(field):
                problems.append(f"message {name}: no {field}")
        if "key" not in ((message.get("bindings") or {}).get("kafka") or {}):
            problems.append(f"message {name}: no Kafka key binding")
        for index, example in enumerate(message.get("examples") or []):
            for field in ("headers", "payload"):
                if field not in example:
                    problems.append(f"message {name}: example {example.get('name', index)} has no {field}")
    run.check(where, "channels and messages", problems)


def check_examples(run, document):
    for name, message in document.messages().items():
        pointer = f"#/components/messages/{name}"
        for index, example in enumerate(message.get("examples") or []):
            where = f"{document.path}: {pointer}/examples/{index} ({example.get('name', '')})"
            if "payload" in example:
                run.check(where, "payload", document.errors(f"{pointer}/payload", example["payload"]))
            if "headers" in example:
                run.check(where, "headers", document.errors(f"{pointer}/headers", example["headers"]))
        payload_ref = (message.get("payload") or {}).get("$ref", "")
        match = re.match(r"^\./(.+)\.schema\.json$", payload_ref)
        examples = message.get("examples") or []
        if match and examples and "payload" in examples[0]:
            file = document.path.parent / "examples" / f"{match.group(1)}.json"
            try:
                expected = json.loads(file.read_text(encoding="utf-8"))
                problems = [] if examples[0]["payload"] == expected else [f"differs from {file}"]
            except (OSError, ValueError) as error:
                problems = [f"cannot read {file}: {error}"]
            run.check(f"{document.path}: {pointer}/examples/0", "payload is the examples file", problems)


def parse_topics_swift(path: pathlib.Path):
    """The topology table of Topics.swift: address -> {type, compacted, group, producers, consumers, personal}."""
    text = path.read_text(encoding="utf-8")
    strings = dict(re.findall(r'static let (\w+) = "([^"]*)"', text))

    def names(list_text):
        return re.findall(r'"([^"]*)"', list_text or "")

    def fields(args):
        type_match = re.search(r"\btype: EventTypes\.(\w+)", args)
        group = re.search(r"\bcopartitionGroup: (\w+|\"[^\"]*\")", args)
        group_value = None
        if group:
            group_value = group.group(1).strip('"') if group.group(1).startswith('"') else strings.get(group.group(1))
            if group_value is None:
                raise ValueError(f"unknown co-partition group {group.group(1)}")
        compacted = re.search(r"\bcompacted: (true|false)", args)
        if not compacted:
            raise ValueError(f"no compacted: in {args[:80]}…")
        retention = re.search(r"\bretentionMs: ([\d_]+)", args)
        return {
            "type": strings.get(type_match.group(1)) if type_match else None,
            "compacted": compacted.group(1) == "true",
            "retention": int(retention.group(1).replace("_", "")) if retention else None,
            "group": group_value,
            "producers": names((re.search(r"\bproducers: \[([^\]]*)\]", args) or [None, ""])[1]),
            "consumers": names((re.search(r"\bconsumers: \[([^\]]*)\]", args) or [None, ""])[1]),
            "personal": bool(re.search(r"\bpersonal: true", args)),
        }

    definitions = {}
    for var, address, args in re.findall(r'static let (\w+) = TopicDefinition\(\s*"([^"]+)",(.*?)\)\s*\n', text, re.S):
        definitions[var] = (address, fields(args))
    dead = re.search(r'func deadLetter\(_ service: String\) -> TopicDefinition \{\s*TopicDefinition\(\s*"([^"]+)",(.*?)\)\s*\n', text, re.S)
    services = re.search(r"static let consumingServices = \[([^\]]*)\]", text)
    event_topics = re.search(r"static var eventTopics: \[TopicDefinition\] \{\s*\[([^\]]*)\]", text)
    agency_topics = re.search(r"static var agencyTopics: \[TopicDefinition\] \{\s*\[([^\]]*)\]\s*\}", text)
    operational_topics = re.search(r"static var operationalTopics: \[TopicDefinition\] \{\s*\[([^\]]*)\]\s*\}", text)
    if not (dead and services and event_topics and agency_topics and operational_topics and definitions):
        raise ValueError("the table's shape is not the one this script reads (TopicDefinition lets, deadLetter, "
                         "consumingServices, eventTopics, agencyTopics, operationalTopics)")
    table = {}
    listed = [re.findall(r"\w+", found.group(1)) for found in (event_topics, agency_topics, operational_topics)]
    listed = [var for group in listed for var in group]
    for var in listed:
        if var not in definitions:
            raise ValueError(f"topic {var} is listed but not defined")
        address, row = definitions[var]
        table[address] = row
    for service in names(services.group(1)):
        row = fields(dead.group(2).replace("service", f'"{service}"'))
        table[dead.group(1).replace("\\(service)", service)] = row
    return table


def parse_event_types(path: pathlib.Path):
    """The CloudEvents types Topics.swift declares in `enum EventTypes`."""
    block = re.search(r"enum EventTypes \{(.*?)\n\}", path.read_text(encoding="utf-8"), re.S)
    if not block:
        raise ValueError("no enum EventTypes")
    return set(re.findall(r'static let \w+ = "([^"]+)"', block.group(1)))


def check_topology(run, document, topics_swift: pathlib.Path):
    where = f"{document.path} vs {topics_swift}"
    try:
        table = parse_topics_swift(topics_swift)
        event_types = parse_event_types(topics_swift)
    except (OSError, ValueError) as error:
        run.fail(where, "topology", f"cannot read the table: {error}")
        return
    topic_types = {row["type"] for row in table.values() if row["type"] is not None}
    channels = document.data.get("channels") or {}
    by_address = {channel.get("address"): name for name, channel in channels.items()}
    problems = []
    for address in sorted(set(table) - set(by_address)):
        problems.append(f"topic {address} has no channel")
    for address in sorted(set(by_address) - set(table)):
        problems.append(f"channel {by_address[address]} ({address}) is not in the table")
    for address, row in sorted(table.items()):
        if address not in by_address:
            continue
        name = by_address[address]
        channel = channels[name]
        said = {
            "compacted": channel.get("x-giamngheo-compacted"),
            "group": channel.get("x-giamngheo-copartition-group"),
            "producers": sorted(channel.get("x-giamngheo-producers") or []),
            "consumers": sorted(channel.get("x-giamngheo-consumers") or []),
            "personal": channel.get("x-giamngheo-personal"),
        }
        for field in said:
            want = sorted(row[field]) if isinstance(row[field], list) else row[field]
            if said[field] != want:
                problems.append(f"channel {name}: x-giamngheo-{'copartition-group' if field == 'group' else field} is {said[field]!r}, the table says {want!r}")
        configuration = ((channel.get("bindings") or {}).get("kafka") or {}).get("topicConfiguration") or {}
        policy = configuration.get("cleanup.policy")
        want_policy = (["compact", "delete"] if row["retention"] is not None else ["compact"]) if row["compacted"] else ["delete"]
        if policy != want_policy:
            problems.append(f"channel {name}: cleanup.policy {policy!r} but the table says {want_policy!r}")
        if row["retention"] is not None and configuration.get("retention.ms") != row["retention"]:
            problems.append(f"channel {name}: retention.ms {configuration.get('retention.ms')!r} but the table says {row['retention']}")
        messages = document.channel_messages(name)
        if row["type"] is not None:
            named = [pointer for pointer, message in messages if message.get("name") == row["type"]]
            if len(named) != 1:
                problems.append(f"channel {name}: {len(named)} messages are named {row['type']}, the table's type; expected exactly one")
        for pointer, message in messages:
            if row["type"] is None:
                continue
            main = message.get("name") == row["type"]
            header_consts = {}
            for part in (message.get("headers") or {}).get("allOf") or []:
                for header, spec in ((part.get("properties") or {}).items()):
                    if isinstance(spec, dict) and "const" in spec:
                        header_consts[header] = spec["const"]
            # Another message beside the topic's type: a type Topics.swift declares that is no topic's own, written by
            # one of the topic's producing services.
            sources = {f"/giamngheo/{service}" for service in row["producers"] if service in SERVICES}
            if not main and (message.get("name") not in event_types or message.get("name") in topic_types
                             or header_consts.get("ce_source") not in sources):
                problems.append(f"channel {name}: message {pointer} is named {message.get('name')!r}, the table's type is {row['type']} "
                                "(another message must be named by an EventTypes type that is no topic's type, and have "
                                f"a ce_source const among {sorted(sources)})")
            if set(row["producers"]) & set(SERVICES):
                classification = header_consts.get("ce_dataclassification")
                want = "personal" if row["personal"] else "none"
                # The topic's own message says what the table says; another may carry less (`none`), never more.
                if classification != want and (main or classification != "none"):
                    problems.append(f"channel {name}: message {pointer} says ce_dataclassification {classification!r}, the table says {want}")
    for op_name, operation in (document.data.get("operations") or {}).items():
        channel_name = ((operation.get("channel") or {}).get("$ref") or "").split("/")[-1]
        address = (channels.get(channel_name) or {}).get("address")
        services = [tag.get("name") for tag in operation.get("tags") or [] if tag.get("name") in SERVICES]
        if len(services) != 1:
            problems.append(f"operation {op_name}: tag it with exactly one service, not {services}")
            continue
        if address in table:
            role = "producers" if operation.get("action") == "send" else "consumers"
            if services[0] not in table[address][role]:
                problems.append(f"operation {op_name}: {services[0]} is not among the {role} of {address} in the table")
    for address, row in sorted(table.items()):
        name = by_address.get(address)
        for service in row["producers"]:
            if service in SERVICES and name and not any(
                    op.get("action") == "send" and ((op.get("channel") or {}).get("$ref") == f"#/channels/{name}")
                    and service in [t.get("name") for t in op.get("tags") or []]
                    for op in (document.data.get("operations") or {}).values()):
                problems.append(f"{service} produces {address} (table) but has no send operation on channel {name}")
    run.check(where, "topology", problems)


def check_records(run, document, path: pathlib.Path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        run.fail(str(path), "file", f"cannot be read: {error}")
        return
    channels = document.data.get("channels") or {}
    by_address = {channel.get("address"): name for name, channel in channels.items()}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except ValueError as error:
            run.fail(where, "line", f"not valid JSON: {error}")
            continue
        if (not isinstance(record, dict) or not isinstance(record.get("topic"), str)
                or not isinstance(record.get("headers"), dict) or "value" not in record):
            run.fail(where, "line", 'not an object {"topic": …, "headers": {…}, "value": …}')
            continue
        topic, headers = record["topic"], record["headers"]
        what = f"{topic} {headers.get('ce_type', '(no ce_type)')}"
        if "partition" in record or "offset" in record:
            what += f" [{record.get('partition', '?')}@{record.get('offset', '?')}]"
        if topic not in by_address:
            run.fail(where, what, "no channel of the document has this address")
            continue
        candidates = document.channel_messages(by_address[topic])
        if len(candidates) != 1:
            candidates = [(p, m) for p, m in candidates if m.get("name") == headers.get("ce_type")]
        if len(candidates) != 1:
            run.fail(where, what, f"no single message of channel {by_address[topic]} has the name {headers.get('ce_type')!r}")
            continue
        pointer, message = candidates[0]
        problems = [f"value {p}" for p in document.errors(f"{pointer}/payload", record["value"])]
        problems += [f"headers {p}" for p in document.errors(f"{pointer}/headers", headers)]
        if "key" in record and "key" in ((message.get("bindings") or {}).get("kafka") or {}):
            problems += [f"key {p}" for p in document.errors(f"{pointer}/bindings/kafka/key", record["key"])]
        run.check(where, what, problems)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check the AsyncAPI document, its examples and published records.")
    parser.add_argument("--asyncapi", type=pathlib.Path, default=DEFAULT_DOCUMENT, help=f"the document (default: {DEFAULT_DOCUMENT})")
    parser.add_argument("--asyncapi-schema", type=pathlib.Path, metavar="FILE",
                        help="a copy of the official AsyncAPI 3.0.0 JSON Schema to validate the document against")
    parser.add_argument("--no-topology", action="store_true", help="do not compare the channels with Topics.swift")
    parser.add_argument("records", nargs="*", type=pathlib.Path, metavar="RECORDS.jsonl", help="published records, one JSON object per line")
    args = parser.parse_args(argv)
    if not args.asyncapi.is_file():
        parser.error(f"--asyncapi {args.asyncapi}: no such file")

    run = Run()
    try:
        document = Document(args.asyncapi)
    except (OSError, ValueError, yaml.YAMLError) as error:
        run.fail(str(args.asyncapi), "document", f"cannot be read: {error}")
        print(f"{run.passed} passed, {run.failed} failed")
        return 1
    check_official_schema(run, document, args.asyncapi_schema)
    check_structure(run, document)
    check_examples(run, document)
    if not args.no_topology:
        check_topology(run, document, TOPICS_SWIFT)
    for path in args.records:
        check_records(run, document, path)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
