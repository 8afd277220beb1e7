"""The OParl 1.1 interface: a crawl of the whole demo from the System object, every
object (embedded ones too) valid against its type's schema, the specification's rules,
and what is never published."""

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select

from decisions.accounts.models import User
from decisions.clock import from_oslo, now
from decisions.demo.data import load
from decisions.extensions import db
from decisions.meetings import agenda
from decisions.meetings.models import Group, GroupKind, ItemKind, Meeting, MeetingState

SCHEMAS = Path(__file__).parent / "oparl-schemas"
PREFIX = "http://localhost/oparl/1.1/"
TYPE = re.compile(r"^https://schema\.oparl\.org/1\.1/(\w+)$")
MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
JSON_TYPES = {"string": str, "boolean": bool, "integer": int, "object": dict, "array": list}


def schema(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.json").read_text())


def validate(found, kind: str, where: str = "") -> list[dict]:
    """Checks `found` against the schema of `kind` (required fields, types, formats,
    patterns, no null; the embedded objects against theirs; jsonschema is not installed)
    and returns every object met, the embedded ones included."""
    rules = schema(kind)
    assert isinstance(found, dict), where
    for name in rules["required"]:
        assert name in found, f"{where} {kind} lacks {name}"
    met = [found]
    for name, value in found.items():
        assert name in rules["properties"], f"{where} {kind}.{name} is not in the schema"
        met += _check(value, rules["properties"][name], f"{where} {kind}.{name}")
    assert TYPE.match(found["type"]).group(1) == kind
    return met


def _check(value, rule: dict, where: str) -> list[dict]:
    assert value is not None, f"{where} is null"
    if rule.get("type") == "string" and rule.get("references") == "externalList":
        assert isinstance(value, str) and value.startswith(PREFIX), where
        return []
    assert isinstance(value, JSON_TYPES[rule["type"]]), where
    assert not (rule["type"] == "integer" and isinstance(value, bool)), where
    if rule.get("format") == "date-time":
        assert MOMENT.match(value), f"{where}: {value} has no offset"
    if rule.get("format") == "date":
        assert DAY.match(value), where
    if rule.get("format") == "url":
        assert urlsplit(value).scheme in ("http", "https"), where
    if "pattern" in rule:
        assert re.match(rule["pattern"], value), where
    if rule["type"] == "object" and "schema" in rule:
        return validate(value, rule["schema"].removesuffix(".json"), where)
    met = []
    if rule["type"] == "array":
        for element in value:
            met += _check(element, rule["items"], where)
    return met


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Access-Control-Allow-Origin"] == "*", url
    return response


def crawl(client) -> dict[str, dict]:
    """Every object reachable from the System object, by id, each validated; the
    list pages followed by links.next to the last."""
    objects: dict[str, dict] = {}
    pending = [PREFIX]
    seen: set[str] = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        body = get(client, url).get_json()
        if "data" in body and "pagination" in body:
            found = [(o, TYPE.match(o["type"]).group(1)) for o in body["data"]]
            ids = [o["id"] for o, _ in found]
            assert body["pagination"]["currentPage"] < body["pagination"]["totalPages"] \
                or "next" not in body["links"]
            if "next" in body["links"]:
                pending.append(body["links"]["next"])
            assert not body.get("data") or ids == sorted(ids, key=_id_order), url
        else:
            found = [(body, TYPE.match(body["type"]).group(1))]
            assert body["id"] == url, "an object's id is its own address"
        for thing, kind in found:
            for met in validate(thing, kind, url):
                for key in ("created", "modified", "type", "id"):
                    assert key in met, f"{met['id']} lacks {key}"
                if met["id"] in objects:
                    assert objects[met["id"]] == met, f"{met['id']} differs between places"
                objects[met["id"]] = met
                pending += [u for u in _urls(met) if u not in seen]
    return objects


def _id_order(url: str):
    *_, tail = urlsplit(url).path.rstrip("/").split("/")
    return (urlsplit(url).path.rsplit("/", 1)[0], int(tail) if tail.isdigit() else tail)


def _urls(found: dict) -> list[str]:
    """The interface's URLs the object points at (not its embedded objects' own)."""
    urls = []
    for key, value in found.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v.startswith(PREFIX) and not key.endswith("Url"):
                urls.append(v)
    return urls


def test_the_whole_demo_crawled_from_the_system_object_validates_and_every_id_answers(
        app, client):
    load()
    objects = crawl(client)
    for url, found in objects.items():
        assert get(client, url).get_json() == found, f"{url} answers with another object"
    counts: dict[str, int] = {}
    for found in objects.values():
        kind = TYPE.match(found["type"]).group(1)
        counts[kind] = counts.get(kind, 0) + 1
    print("OParl objects served for the demo:", dict(sorted(counts.items())))
    for kind in ("System", "Body", "Organization", "Meeting", "AgendaItem", "File",
                 "Location", "LegislativeTerm", "Paper", "Consultation"):
        assert counts.get(kind), f"no {kind} served"
    assert "Person" not in counts and "Membership" not in counts, \
        "nobody agreed to be published"
    files = [f for f in objects.values() if f["type"].endswith("/File")]
    content = get(client, files[0]["accessUrl"])
    assert "Content-Disposition" not in content.headers
    assert content.mimetype == "application/pdf"
    assert hashlib.sha512(content.data).hexdigest() == files[0]["sha512Checksum"]
