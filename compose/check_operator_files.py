#!/usr/bin/env python3
"""Checks the operator files, compose/prometheus/alerts.yml and compose/grafana/giamngheo.json, against docs/operations.md.

    check_operator_files.py [--alerts FILE] [--dashboard FILE] [--operations FILE]

docs/operations.md ("Metrics") names these files as the example alert rules and Grafana dashboard of the services'
metrics. Nothing else reads them, so a metric renamed in the code and the doc, or a rule edited by hand, would leave
them silently broken: an alert on a series that does not exist never fires, and a panel on one shows nothing. What it
checks, each check counting once in the closing line `N passed, M failed`:

1. The rule file parses with PyYAML into `groups:`, each with a `name` and `rules:`, and every rule has `alert`, a
   non-empty `expr`, a `for` duration (`1m`, `0m`, `1h30m` …), `labels.severity` and `annotations.summary` and
   `annotations.description`; no alert name is used twice.
2. The dashboard parses as JSON, declares the `DS_PROMETHEUS` data source in `__inputs` (so it can be imported) and
   the `job` and `instance` variables; every panel (those inside rows included, rows themselves excepted) has a title
   in the form "Vietnamese / English" and at least one target with an `expr`.
3. Every expr of both files uses only metrics of the table of docs/operations.md's "## Metrics" section (its lines
   starting with "| `giamngheo_"), plus `up`: each `giamngheo_…` name found in an expr, with the suffix `_bucket`,
   `_sum` or `_count` stripped for a histogram of the table, must be a metric of the table; a histogram must be used
   through one of those suffixes, and only a histogram may carry one. A selector's labels (`metric{label=…}`) must be
   the metric's labels in the table, `job`, `instance`, or `le` on a `_bucket`.
4. Every expr's parentheses, braces and brackets balance and nest (ignoring those inside quoted strings).

This is no PromQL parser: run `promtool check rules compose/prometheus/alerts.yml` as well where promtool is installed.

Prints one line per failure (`file: rule or panel: problem`) and a last line `N passed, M failed`.
Exit status: 0 when everything passed; 1 when anything failed or could not be read; 2 for usage errors.

Needs PyYAML (compose/setup installs it in .deps/venv):
    .deps/venv/bin/python compose/check_operator_files.py
"""

import argparse
import json
import pathlib
import re
import sys

try:
    import yaml
except ImportError as error:  # pragma: no cover - depends on the environment
    sys.exit(f"check_operator_files.py: {error.name} is missing; run compose/setup and use .deps/venv/bin/python")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_ALERTS = ROOT / "compose" / "prometheus" / "alerts.yml"
DEFAULT_DASHBOARD = ROOT / "compose" / "grafana" / "giamngheo.json"
DEFAULT_OPERATIONS = ROOT / "docs" / "operations.md"

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
TARGET_LABELS = {"job", "instance"}
METRIC_NAME = re.compile(r"\bgiamngheo_[a-z0-9_]+")
SELECTOR = re.compile(r"\b(giamngheo_[a-z0-9_]+)\s*\{([^}]*)\}")
MATCHER_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
DURATION = re.compile(r"^(?:\d+(?:ms|[smhdwy]))+$")


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def fail(self, where, what, message):
        print(f"{where}: {what}: {message}")
        self.failed += 1

    def check(self, where, what, problems):
        """One check: passes when `problems` is empty, else prints each."""
        if not problems:
            self.passed += 1
            return True
        self.failed += 1
        for problem in problems:
            print(f"{where}: {what}: {problem}")
        return False


def parse_metric_table(path: pathlib.Path):
    """The metric table of the "## Metrics" section: name -> {"labels": set, "histogram": bool}."""
    section = re.search(r"^## Metrics\s*$(.*?)(?=^## |\Z)", path.read_text(encoding="utf-8"), re.M | re.S)
    if not section:
        raise ValueError("no '## Metrics' section")
    table = {}
    for line in section.group(1).splitlines():
        if not line.startswith("| `giamngheo_"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.match(r"^`(giamngheo_[a-z0-9_]+)(?:\{([^}]*)\})?`$", cells[0])
        if not match or len(cells) < 3:
            raise ValueError(f"a table line this script cannot read: {line[:100]}")
        labels = {label.strip() for label in (match.group(2) or "").split(",") if label.strip()}
        table[match.group(1)] = {"labels": labels, "histogram": cells[1].startswith("histogram")}
    if not table:
        raise ValueError("the '## Metrics' section has no line starting with \"| `giamngheo_\"")
    return table


def strip_strings(expr: str):
    """The expr with the contents of its quoted strings ("…", '…', `…`) blanked out, so that a regex's `(` is not
    counted, and the quote of a string left open at its end (None when none is)."""
    out, quote, escaped = [], None, False
    for char in expr:
        if quote is None:
            if char in "\"'`":
                quote = char
            out.append(char)
        elif escaped:
            escaped = False
            out.append(" ")
        elif char == "\\" and quote != "`":
            escaped = True
            out.append(" ")
        elif char == quote:
            quote = None
            out.append(char)
        else:
            out.append(" ")
    return "".join(out), quote


def balance(expr: str):
    """Problems with the nesting of (), {} and [] in an expr, outside quoted strings."""
    pairs = {")": "(", "}": "{", "]": "["}
    text, open_quote = strip_strings(expr)
    problems = [f"unterminated {open_quote} string"] if open_quote else []
    stack = []
    for position, char in enumerate(text):
        if char in "({[":
            stack.append((char, position))
        elif char in ")}]":
            if not stack:
                problems.append(f"unbalanced: {char!r} at {position} closes nothing")
                continue
            opened, at = stack.pop()
            if opened != pairs[char]:
                problems.append(f"unbalanced: {char!r} at {position} closes {opened!r} of {at}")
    for char, position in stack:
        problems.append(f"unbalanced: {char!r} at {position} is never closed")
    return problems


def metric_problems(expr: str, table):
    """Problems with the metric names and selector labels an expr uses, against the doc's table."""
    problems = []
    for name in sorted(set(METRIC_NAME.findall(expr))):
        if name in table:
            if table[name]["histogram"]:
                problems.append(f"{name} is a histogram: use {name}_bucket, _sum or _count")
            continue
        base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s)), None)
        if base in table and table[base]["histogram"]:
            continue
        if base in table:
            problems.append(f"{name}: {base} is no histogram in the table of docs/operations.md, so it has no {name[len(base):]}")
        else:
            problems.append(f"metric {name} is not in the table of docs/operations.md (## Metrics)")
    for name, matchers in SELECTOR.findall(strip_strings(expr)[0]):
        base = name
        if name not in table:
            base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s)), name)
        if base not in table:
            continue  # already reported above
        allowed = table[base]["labels"] | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        for label in MATCHER_LABEL.findall(matchers):
            if label not in allowed:
                problems.append(f"{name} has no label {label} (the table gives {sorted(table[base]['labels']) or 'none'}, plus job and instance)")
    return problems


def check_alerts(run, path: pathlib.Path, table):
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        run.fail(where, "rule file", f"cannot be read: {error}")
        return
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not groups:
        run.fail(where, "rule file", "no `groups:` list")
        return
    seen = {}
    for group_index, group in enumerate(groups):
        group_name = group.get("name") if isinstance(group, dict) else None
        rules = group.get("rules") if isinstance(group, dict) else None
        group_where = f"group {group_name or group_index}"
        run.check(where, group_where, ([] if group_name else ["no name"]) +
                  ([] if isinstance(rules, list) and rules else ["no `rules:` list"]))
        if not isinstance(rules, list):
            continue
        for rule_index, rule in enumerate(rules):
            if not isinstance(rule, dict):
                run.fail(where, f"{group_where} rule {rule_index}", "not a mapping")
                continue
            what = f"rule {rule.get('alert') or rule.get('record') or f'{group_name}[{rule_index}]'}"
            problems = []
            if not isinstance(rule.get("alert"), str) or not rule["alert"]:
                problems.append("no `alert` name")
            elif rule["alert"] in seen:
                problems.append(f"alert name also used in group {seen[rule['alert']]}")
            else:
                seen[rule["alert"]] = group_name
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append("no `expr`")
            if "for" not in rule:
                problems.append("no `for`")
            elif not DURATION.match(str(rule["for"])):
                problems.append(f"`for` {rule['for']!r} is not a duration such as 1m")
            labels = rule.get("labels") if isinstance(rule.get("labels"), dict) else {}
            if not labels.get("severity"):
                problems.append("no `labels.severity`")
            annotations = rule.get("annotations") if isinstance(rule.get("annotations"), dict) else {}
            for field in ("summary", "description"):
                if not isinstance(annotations.get(field), str) or not annotations[field].strip():
                    problems.append(f"no `annotations.{field}`")
            run.check(where, what, problems)
            if isinstance(expr, str) and expr.strip():
                run.check(where, what, [f"expr: {p}" for p in metric_problems(expr, table)])
                run.check(where, what, [f"expr: {p}" for p in balance(expr)])


def dashboard_panels(panels, prefix=""):
    """(where, panel) of every panel that is not a row, those inside collapsed rows included."""
    for index, panel in enumerate(panels or []):
        if not isinstance(panel, dict):
            yield f"{prefix}panels[{index}]", panel
            continue
        if panel.get("type") == "row":
            yield from dashboard_panels(panel.get("panels"), f"{prefix}row {panel.get('title', index)!r}: ")
            continue
        name = panel.get("title") or f"panels[{index}] (id {panel.get('id')})"
        yield f"{prefix}panel {name!r}", panel


def check_dashboard(run, path: pathlib.Path, table):
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        run.fail(where, "dashboard", f"cannot be read: {error}")
        return
    if not isinstance(data, dict):
        run.fail(where, "dashboard", "not a JSON object")
        return
    problems = []
    inputs = data.get("__inputs") or []
    if not any(isinstance(i, dict) and i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus" for i in inputs):
        problems.append("no `__inputs` entry DS_PROMETHEUS of the prometheus plugin (it could not be imported)")
    variables = {v.get("name") for v in ((data.get("templating") or {}).get("list") or []) if isinstance(v, dict)}
    for name in ("job", "instance"):
        if name not in variables:
            problems.append(f"no templating variable {name}")
    if not data.get("panels"):
        problems.append("no panels")
    if not data.get("title"):
        problems.append("no title")
    run.check(where, "dashboard", problems)
    titles = {}
    for what, panel in dashboard_panels(data.get("panels")):
        if not isinstance(panel, dict):
            run.fail(where, what, "not an object")
            continue
        problems = []
        title = panel.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append("no title")
        elif not re.match(r"^\S.* / \S.*$", title):
            problems.append("the title is not 'Vietnamese / English'")
        elif title in titles:
            problems.append(f"the same title as {titles[title]}")
        else:
            titles[title] = what
        targets = [t for t in panel.get("targets") or [] if isinstance(t, dict)]
        exprs = [t["expr"] for t in targets if isinstance(t.get("expr"), str) and t["expr"].strip()]
        if not exprs:
            problems.append("no target with an expr")
        run.check(where, what, problems)
        if exprs:
            found = []
            for target in targets:
                expr = target.get("expr")
                if isinstance(expr, str) and expr.strip():
                    found += [f"target {target.get('refId', '?')}: {p}" for p in metric_problems(expr, table)]
            run.check(where, what, found)
            found = []
            for target in targets:
                expr = target.get("expr")
                if isinstance(expr, str) and expr.strip():
                    found += [f"target {target.get('refId', '?')}: {p}" for p in balance(expr)]
            run.check(where, what, found)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check the Prometheus rules and the Grafana dashboard against docs/operations.md.")
    parser.add_argument("--alerts", type=pathlib.Path, default=DEFAULT_ALERTS, metavar="FILE", help=f"the rule file (default: {DEFAULT_ALERTS})")
    parser.add_argument("--dashboard", type=pathlib.Path, default=DEFAULT_DASHBOARD, metavar="FILE", help=f"the dashboard (default: {DEFAULT_DASHBOARD})")
    parser.add_argument("--operations", type=pathlib.Path, default=DEFAULT_OPERATIONS, metavar="FILE", help=f"the metric table's document (default: {DEFAULT_OPERATIONS})")
    args = parser.parse_args(argv)
    for option, path in (("--alerts", args.alerts), ("--dashboard", args.dashboard), ("--operations", args.operations)):
        if not path.is_file():
            parser.error(f"{option} {path}: no such file")

    run = Run()
    try:
        table = parse_metric_table(args.operations)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        run.fail(str(args.operations), "metric table", f"cannot be read: {error}")
        print(f"{run.passed} passed, {run.failed} failed")
        return 1
    check_alerts(run, args.alerts, table)
    check_dashboard(run, args.dashboard, table)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
