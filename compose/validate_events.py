#!/usr/bin/env python3
"""Validates event payloads against the JSON Schemas in docs/events/.

    validate_events.py [--schemas DIR] FILE...
    validate_events.py [--schemas DIR] --examples [FILE...]

Each FILE is JSON Lines: one object per line, {"type": "<ce_type>", "data": <payload>}. Blank lines are skipped.
The schema of a type is <DIR>/<name>.schema.json, where <name> is the type minus the `vn.giamngheo.` prefix
(EventTypes.schemaName in Shared/EventContracts/Topics.swift), e.g. vn.giamngheo.household.snapshot.v1 ->
household.snapshot.v1.schema.json.

--examples also validates every <DIR>/examples/<name>.json against <name>.schema.json.

Every schema in DIR is first checked to be a valid draft-07 schema. Payloads are validated with Draft7Validator
and format checking (date, and uuid and date-time checked here as well, since draft-07's checker in jsonschema
leaves them out without extra packages).

Prints one line per failure (`file:line: type: $.json.path: message`) and a last line `N passed, M failed`.
Exit status: 0 when everything passed; 1 when a payload failed, a line was not valid JSON or not of the form above,
a type has no schema, or a schema is invalid; 2 for usage errors.

Needs the `jsonschema` package (compose/setup installs it in .deps/venv):
    .deps/venv/bin/python compose/validate_events.py --examples
"""

import argparse
import datetime
import json
import pathlib
import re
import sys

try:
    from jsonschema import Draft7Validator, FormatChecker
    from jsonschema.exceptions import SchemaError
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("validate_events.py: the jsonschema package is missing; run compose/setup and use .deps/venv/bin/python")

TYPE_PREFIX = "vn.giamngheo."
DEFAULT_SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "events"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# RFC 3339 date-time: full-date "T" full-time with a mandatory offset (Z or ±hh:mm); lower-case t/z allowed.
DATE_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$")


def format_checker() -> FormatChecker:
    checker = FormatChecker(formats=list(Draft7Validator.FORMAT_CHECKER.checkers))

    @checker.checks("uuid")
    def is_uuid(value):
        return not isinstance(value, str) or bool(UUID_RE.match(value))

    @checker.checks("date-time")
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        match = DATE_TIME_RE.match(value)
        if not match:
            return False
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        try:
            datetime.date(year, month, day)
        except ValueError:
            return False
        if hour > 23 or minute > 59 or second > 60:  # 60: leap second
            return False
        if match.group(9) is not None and (int(match.group(9)) > 23 or int(match.group(10)) > 59):
            return False
        return True

    return checker


def schema_name(ce_type: str) -> str:
    return ce_type[len(TYPE_PREFIX):] if ce_type.startswith(TYPE_PREFIX) else ce_type


def json_path(path) -> str:
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(part)):
            out += f".{part}"
        else:
            out += "[" + json.dumps(str(part), ensure_ascii=False) + "]"
    return out


class Run:
    def __init__(self, schema_dir: pathlib.Path):
        self.schema_dir = schema_dir
        self.checker = format_checker()
        self.validators = {}
        self.passed = 0
        self.failed = 0
        self.broken_schemas = False

    def report(self, where: str, what: str, message: str):
        print(f"{where}: {what}: {message}")

    def check_all_schemas(self):
        """Every schema file in the folder must be valid draft-07, whether or not a payload uses it."""
        files = sorted(self.schema_dir.glob("*.schema.json"))
        if not files:
            self.report(str(self.schema_dir), "schemas", "no *.schema.json files")
            self.broken_schemas = True
        for path in files:
            self.load(path.name[: -len(".schema.json")], path)

    def load(self, name: str, path: pathlib.Path = None):
        if name in self.validators:
            return self.validators[name]
        path = path or self.schema_dir / f"{name}.schema.json"
        validator = None
        if not path.is_file():
            pass
        else:
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
                Draft7Validator.check_schema(schema)
                if schema.get("$schema") not in ("http://json-schema.org/draft-07/schema#",
                                                 "http://json-schema.org/draft-07/schema"):
                    raise SchemaError(f"$schema is {schema.get('$schema')!r}, not draft-07")
                expected_id = f"https://giamngheo.vn/schemas/{name}.schema.json"
                if schema.get("$id") != expected_id:
                    raise SchemaError(f"$id is {schema.get('$id')!r}, expected {expected_id}")
                validator = Draft7Validator(schema, format_checker=self.checker)
            except (ValueError, SchemaError) as error:
                message = error.message if isinstance(error, SchemaError) else str(error)
                self.report(str(path), "schema", f"invalid: {message}")
                self.broken_schemas = True
        self.validators[name] = validator
        return validator

    def validate(self, where: str, ce_type: str, name: str, data):
        validator = self.load(name)
        if validator is None:
            path = self.schema_dir / f"{name}.schema.json"
            reason = "has an invalid schema" if path.is_file() else f"has no schema ({path} not found)"
            self.report(where, ce_type, f"$: type {reason}")
            self.failed += 1
            return
        errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        if not errors:
            self.passed += 1
            return
        self.failed += 1
        for error in errors:
            self.report(where, ce_type, f"{json_path(error.absolute_path)}: {error.message}")

    def validate_lines(self, path: pathlib.Path):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            self.report(str(path), "file", f"cannot be read: {error}")
            self.failed += 1
            return
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except ValueError as error:
                self.report(where, "line", f"not valid JSON: {error}")
                self.failed += 1
                continue
            if not isinstance(record, dict) or not isinstance(record.get("type"), str) or "data" not in record:
                self.report(where, "line", 'not an object {"type": "<ce_type>", "data": <payload>}')
                self.failed += 1
                continue
            ce_type = record["type"]
            if not ce_type.startswith(TYPE_PREFIX):
                self.report(where, ce_type, f"$: type does not start with {TYPE_PREFIX}, so it has no schema")
                self.failed += 1
                continue
            self.validate(where, ce_type, schema_name(ce_type), record["data"])

    def validate_examples(self):
        folder = self.schema_dir / "examples"
        files = sorted(folder.glob("*.json"))
        if not files:
            self.report(str(folder), "examples", "no *.json files")
            self.failed += 1
        for path in files:
            name = path.name[: -len(".json")]
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                self.report(str(path), TYPE_PREFIX + name, f"not valid JSON: {error}")
                self.failed += 1
                continue
            self.validate(str(path), TYPE_PREFIX + name, name, data)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Validate GiamNgheo event payloads (JSON Lines of {type, data}) against docs/events schemas.")
    parser.add_argument("--schemas", type=pathlib.Path, default=DEFAULT_SCHEMAS,
                        help=f"folder of <name>.schema.json files (default: {DEFAULT_SCHEMAS})")
    parser.add_argument("--examples", action="store_true",
                        help="also validate every <schemas>/examples/<name>.json against <name>.schema.json")
    parser.add_argument("files", nargs="*", type=pathlib.Path, metavar="FILE", help="JSON Lines file")
    args = parser.parse_args(argv)
    if not args.files and not args.examples:
        parser.error("give at least one FILE, or --examples")
    if not args.schemas.is_dir():
        parser.error(f"--schemas {args.schemas}: not a folder")

    run = Run(args.schemas)
    run.check_all_schemas()
    if args.examples:
        run.validate_examples()
    for path in args.files:
        run.validate_lines(path)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed or run.broken_schemas else 0


if __name__ == "__main__":
    sys.exit(main())
