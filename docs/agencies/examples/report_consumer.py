#!/usr/bin/env python3
"""A minimal dashboard consumer of GiamNgheo's report stream v2 (giamngheo.report.v2).

It reads the topic from the beginning, keeps the latest record of every key (`<areaCode>/<year>`) by its `version`,
and prints one line per area and review year: the area, the year, the poor households at the start and the end, the
poverty rates (or "denominator missing"), and the gap to the year's target. Once it has caught up with the end of
every partition it goes on printing a line each time a year changes, unless --until-end is given.

Requires the Kafka client confluent-kafka from PyPI (it bundles librdkafka):

    python3 -m venv venv && venv/bin/pip install confluent-kafka
    venv/bin/python report_consumer.py --brokers 127.0.0.1:9092 [--until-end]

The guide is docs/agencies/dashboards.md; the contract docs/events/README.md and area-year-report.v2.schema.json.
This is an example to read and adapt, not a supported client: it keeps its state in memory and rebuilds it from the
compacted topic at every start.
"""

import argparse
import json
import os
import sys

try:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("report_consumer.py: the confluent-kafka package is missing; pip install confluent-kafka")

TOPIC = "giamngheo.report.v2"
TYPE = "vn.giamngheo.area-year-report.v2"
INFLOWS = ("firstRecorded", "newly", "re", "fromOtherClass", "movedIn", "otherIn")
OUTFLOWS = ("escaped", "toOtherClass", "movedOut", "otherOut")
GROUPS = ("households", "people", "ethnicMinorityHouseholds", "urbanHouseholds", "ruralHouseholds")


def headers_of(message):
    """The record's headers as a dict of text (CloudEvents attributes travel as `ce_*` headers, UTF-8)."""
    return {name: (value.decode("utf-8") if value is not None else None) for name, value in (message.headers() or [])}


def flows_add_up(review):
    """start + inflows − outflows = end for both classes of every group: what `flowsAddUp` says, checked here again."""
    for group in GROUPS:
        for cls in ("poor", "nearPoor"):
            f = review[group][cls]
            if f["start"] + sum(f[k] for k in INFLOWS) - sum(f[k] for k in OUTFLOWS) != f["end"]:
                return False
    return True


def percent(value):
    return f"{value:.2f} %"


def describe(report):
    """One line for an area's review year."""
    review = report["review"]
    poor = review["households"]["poor"]
    name = report.get("areaName", "")
    line = f"{report['areaCode']:<16} {name[:28]:<28} {report['year']}  poor {poor['start']}→{poor['end']}"

    rates = review.get("rates", {})
    if "poorStart" in rates or "poorEnd" in rates:
        start = percent(rates["poorStart"]) if "poorStart" in rates else "?"
        end = percent(rates["poorEnd"]) if "poorEnd" in rates else "?"
        line += f"  rate {start}→{end}"
    if "poorEnd" not in rates:
        # Never compute a rate over the households in the registry: without the statistics office's denominator for
        # every commune of the area there is no rate. Say how many communes have one.
        d = review.get("denominatorAtEnd")
        known = f" ({d['communesKnown']}/{d['communes']} communes)" if d else ""
        line += f"  denominator missing{known}"

    target = review.get("target")
    if target:
        parts = []
        if "poorHouseholdsReduction" in target:
            gap = target["reductionGap"]
            parts.append(f"reduce {target['poorHouseholdsReduction']}, achieved {target['achievedReduction']}, "
                         f"gap {gap:+d}{' (met)' if gap <= 0 else ''}")
        if "poorRatePercent" in target:
            if "poorRateGapPoints" in target:
                gap = target["poorRateGapPoints"]
                parts.append(f"rate {percent(target['poorRatePercent'])}, gap {gap:+.2f} pts{' (met)' if gap <= 0 else ''}")
            else:
                parts.append(f"rate {percent(target['poorRatePercent'])}, gap unknown (no end rate)")
        line += "  target: " + "; ".join(parts)
    else:
        line += "  no target"

    if review["proposed"]["total"]:
        line += f"  [{review['proposed']['total']} awaiting recognition]"
    if not (report["flowsAddUp"] and flows_add_up(review)):
        line += "  FLOWS DO NOT ADD UP"
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092"),
                        help="bootstrap servers (default: $KAFKA_BROKERS or 127.0.0.1:9092)")
    parser.add_argument("--group", default="dashboard-example",
                        help="consumer group (the offsets are not used: every start reads from the beginning)")
    parser.add_argument("--until-end", action="store_true", help="stop once every partition has been read to its end")
    parser.add_argument("--property", action="append", default=[], metavar="NAME=VALUE",
                        help="any librdkafka property, e.g. security.protocol=SASL_SSL (repeatable)")
    args = parser.parse_args(argv)

    config = {
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "enable.auto.commit": False,           # the state is rebuilt from the compacted topic at every start
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,          # to know when the replay has caught up
        "allow.auto.create.topics": False,     # reporting creates the topic
        "session.timeout.ms": 6000,            # a short session makes the group join quick
        "heartbeat.interval.ms": 1000,
    }
    for item in args.property:
        name, _, value = item.partition("=")
        config[name] = value

    latest = {}          # key "<areaCode>/<year>" -> the record with the highest version
    at_end = set()       # partitions read to their end
    assigned = set()
    caught_up = False

    def on_assign(consumer, partitions):
        # Rebuild from the beginning, whatever the group committed: the topic is compacted, so it holds the latest
        # record of every key.
        for p in partitions:
            p.offset = OFFSET_BEGINNING
            assigned.add(p.partition)
        consumer.assign(partitions)

    consumer = Consumer(config)
    consumer.subscribe([TOPIC], on_assign=on_assign)
    try:
        while True:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    if not caught_up and assigned and at_end >= assigned:
                        caught_up = True
                        for key in sorted(latest, key=lambda k: (len(k.split("/")[0]), k)):
                            print(describe(latest[key]))
                        print(f"-- {len(latest)} area-years, caught up", flush=True)
                        if args.until_end:
                            return 0
                    continue
                raise KafkaException(message.error())

            headers = headers_of(message)
            key = message.key().decode("utf-8") if message.key() else ""
            if headers.get("ce_specversion") != "1.0" or headers.get("ce_type") != TYPE:
                print(f"skipped {key!r} at {message.partition()}@{message.offset()}: ce_type {headers.get('ce_type')!r}",
                      file=sys.stderr)
                continue
            if message.value() is None:
                continue  # no tombstone is ever sent; ignore one if it came
            report = json.loads(message.value())
            if key != f"{report['areaCode']}/{report['year']}":
                print(f"skipped {key!r}: the payload says {report['areaCode']}/{report['year']}", file=sys.stderr)
                continue
            held = latest.get(key)
            if held is not None and report["version"] <= held["version"]:
                continue  # a duplicate, a replay or an older record: the held one stands
            latest[key] = report
            if caught_up:
                print(describe(report), flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
