#!/usr/bin/python3
"""Test helper: validates the multi-document kubeadm config on stdin against
kubeadm-v1beta4.schema.json (python3-jsonschema, Draft 2020-12, formats checked).
Prints one line per problem and exits 1 when there is any; no kubeadm binary is involved."""
import json
import os
import sys

import jsonschema
import yaml

here = os.path.dirname(os.path.realpath(__file__))
with open(os.path.join(here, "kubeadm-v1beta4.schema.json")) as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
docs = [d for d in yaml.safe_load_all(sys.stdin) if d is not None]
problems = 0
if not docs:
    print("no documents")
    sys.exit(1)
for i, doc in enumerate(docs):
    kind = doc.get("kind", "?") if isinstance(doc, dict) else "?"
    sub = schema["$defs"].get(kind)
    # Report against the kind's own definition: oneOf errors say little.
    v = jsonschema.Draft202012Validator({**sub, "$defs": schema["$defs"]}, format_checker=validator.format_checker) if sub else validator
    for err in sorted(v.iter_errors(doc), key=lambda e: list(e.path)):
        problems += 1
        print("document %d (%s) at %s: %s" % (i + 1, kind, "/".join(map(str, err.path)) or "/", err.message))
    if sub is None:
        problems += 1
        print("document %d: kind %s is not one this schema knows" % (i + 1, kind))
    elif not problems and not validator.is_valid(doc):
        problems += 1
        print("document %d (%s) does not match exactly one kind" % (i + 1, kind))
sys.exit(1 if problems else 0)
