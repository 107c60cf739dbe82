#!/usr/bin/python3
"""Random JSON Schemas (2020-12) and instances, each judged by Debian's
python3-jsonschema (Draft202012Validator): written in the test-suite format
of t/unit/schema.c, so that the module's validator must give the same
verdict.  t/schema_unit.t runs it (skipped without python3-jsonschema).

    schema_differential.py [SEED [COUNT [draft7]]] > cases.json

Left out on purpose, where the two validators are meant to differ:
multipleOf with a divisor that is not a power of two fraction (the module
decides on decimals, 0.3 is a multiple of 0.1; Python divides doubles),
"format" (an annotation in both by default anyway), and patterns beyond
the common subset of ECMA-262 and Python's re.
"""

import json
import random
import sys

import jsonschema

KEYS = ["a", "b", "c", "x-1", "é"]
STRINGS = ["", "a", "ab", "abc", "b1", "x-1", "é", "\U0001F600\U0001F600",
           "aaa", "A"]
NUMBERS = [0, 1, 2, 3, -1, 10, 0.5, 1.0, 2.5, -3.25, 100, 4]
PATTERNS = ["^a", "b", "^[a-c]+$", "\\d", "^$", "^.{2}$", "x-"]
TYPES = ["null", "boolean", "object", "array", "number", "string",
         "integer"]


def instance(r, depth=0):
    k = r.randrange(7 if depth < 3 else 4)
    if k == 0:
        return r.choice([None, True, False])
    if k in (1, 4):
        return r.choice(NUMBERS)
    if k in (2, 5):
        return r.choice(STRINGS)
    if k == 3 or k == 6 and r.random() < 0.5:
        return [instance(r, depth + 1) for _ in range(r.randrange(4))]
    return {key: instance(r, depth + 1)
            for key in r.sample(KEYS, r.randrange(4))}


def schema(r, depth, defs):
    if depth > 2 or r.random() < 0.1:
        return r.choice([True, False, {}, {"type": r.choice(TYPES)}])
    s = {}
    for _ in range(r.randrange(1, 4)):
        kw = r.choice([
            "type", "enum", "const", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
            "minLength", "maxLength", "pattern", "items", "prefixItems",
            "minItems", "maxItems", "uniqueItems", "contains", "properties",
            "required", "additionalProperties", "patternProperties",
            "propertyNames", "minProperties", "maxProperties",
            "dependentRequired", "dependentSchemas", "allOf", "anyOf",
            "oneOf", "not", "if", "unevaluatedProperties",
            "unevaluatedItems", "$ref"])
        sub = lambda: schema(r, depth + 1, defs)
        if kw == "type":
            s[kw] = (r.choice(TYPES) if r.random() < 0.7
                     else r.sample(TYPES, 2))
        elif kw == "enum":
            s[kw] = [instance(r, 2) for _ in range(r.randrange(1, 4))]
        elif kw == "const":
            s[kw] = instance(r, 2)
        elif kw in ("minimum", "maximum", "exclusiveMinimum",
                    "exclusiveMaximum"):
            s[kw] = r.choice(NUMBERS)
        elif kw == "multipleOf":
            s[kw] = r.choice([1, 2, 3, 0.5, 0.25, 1.5])
        elif kw in ("minLength", "maxLength", "minItems", "maxItems",
                    "minProperties", "maxProperties"):
            s[kw] = r.randrange(4)
        elif kw == "pattern":
            s[kw] = r.choice(PATTERNS)
        elif kw in ("items", "contains", "additionalProperties",
                    "propertyNames", "not", "unevaluatedProperties",
                    "unevaluatedItems"):
            s[kw] = sub()
            if kw == "contains" and r.random() < 0.4:
                s["minContains"] = r.randrange(3)
                if r.random() < 0.5:
                    s["maxContains"] = r.randrange(3)
        elif kw == "prefixItems":
            s[kw] = [sub() for _ in range(r.randrange(1, 3))]
        elif kw == "uniqueItems":
            s[kw] = r.random() < 0.8
        elif kw == "properties":
            s[kw] = {key: sub() for key in r.sample(KEYS, r.randrange(1, 3))}
        elif kw == "required":
            s[kw] = r.sample(KEYS, r.randrange(1, 3))
        elif kw == "patternProperties":
            s[kw] = {p: sub() for p in r.sample(PATTERNS, 1)}
        elif kw == "dependentRequired":
            s[kw] = {r.choice(KEYS): r.sample(KEYS, r.randrange(1, 3))}
        elif kw == "dependentSchemas":
            s[kw] = {r.choice(KEYS): sub()}
        elif kw in ("allOf", "anyOf", "oneOf"):
            s[kw] = [sub() for _ in range(r.randrange(1, 4))]
        elif kw == "if":
            s["if"] = sub()
            if r.random() < 0.8:
                s["then"] = sub()
            if r.random() < 0.8:
                s["else"] = sub()
        elif kw == "$ref":
            name = "d%d" % r.randrange(3)
            if name in defs and defs[name] is None:
                # a cycle that does not consume the instance never ends:
                # the module stops at its work limit, Python may stop at
                # an earlier keyword; not compared
                continue
            if name not in defs:
                defs[name] = None
                defs[name] = schema(r, depth + 1, defs)
            s[kw] = "#/$defs/" + name
    return s


def draft7(s):
    """2020-12 keywords to their draft-07 spelling; what draft-07 lacks
    (unevaluated*, minContains, maxContains) dropped."""
    if isinstance(s, list):
        return [draft7(v) for v in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k in ("unevaluatedProperties", "unevaluatedItems", "minContains",
                 "maxContains"):
            continue
        if k in ("enum", "const"):
            out[k] = v
        elif k == "prefixItems":
            out["items"] = draft7(v)
            if "items" in s:
                out["additionalItems"] = draft7(s["items"])
        elif k == "items" and "prefixItems" in s:
            continue
        elif k in ("dependentRequired", "dependentSchemas"):
            out.setdefault("dependencies", {}).update(draft7(v))
        elif k == "$defs":
            out["definitions"] = draft7(v)
        elif k == "$ref":
            out[k] = v.replace("#/$defs/", "#/definitions/")
        elif k in ("properties", "patternProperties"):
            out[k] = {n: draft7(x) for n, x in v.items()}
        else:
            out[k] = draft7(v)
    return out


def walk(s, found):
    if isinstance(s, dict):
        found.update(s.keys())
        for v in s.values():
            walk(v, found)
    elif isinstance(s, list):
        for v in s:
            walk(v, found)


def drop(s, key):
    if isinstance(s, dict):
        s.pop(key, None)
        for v in s.values():
            drop(v, key)
    elif isinstance(s, list):
        for v in s:
            drop(v, key)


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    d7 = len(sys.argv) > 3 and sys.argv[3] == "draft7"
    r = random.Random(seed)
    groups = []

    for n in range(count):
        defs = {}
        s = schema(r, 0, defs)
        if isinstance(s, dict) and defs:
            s["$defs"] = {k: (v if v is not None else True)
                          for k, v in defs.items()}
        # 4.10.3 does not count what additionalProperties evaluated for
        # unevaluatedProperties (the JSON-Schema-Test-Suite's
        # "unevaluatedProperties with adjacent additionalProperties"):
        # never both in one case
        found = set()
        walk(s, found)
        if "additionalProperties" in found:
            drop(s, "unevaluatedProperties")
        if d7:
            s = draft7(s)
            if isinstance(s, dict):
                s["$schema"] = "http://json-schema.org/draft-07/schema#"
            v = jsonschema.Draft7Validator(s)
        else:
            v = jsonschema.Draft202012Validator(s)
        tests = []
        for i in range(8):
            data = instance(r)
            try:
                valid = v.is_valid(data)
            except RecursionError:
                # a "$ref" cycle that never reaches a keyword: Python
                # recurses, the module stops at its work limit
                continue
            except TypeError:
                # 4.10.3 sorts mixed items for unevaluatedItems' message
                continue
            tests.append({"description": "instance %d: %s"
                          % (i, json.dumps(data, ensure_ascii=True)[:60]),
                          "data": data, "valid": valid})
        groups.append({"description": "%sseed %d case %d: %s"
                       % ("draft-07 " if d7 else "", seed, n,
                          json.dumps(s, ensure_ascii=True)[:100]),
                       "schema": s, "tests": tests,
                       "dialect": "draft7" if d7 else "2020-12"})

    json.dump(groups, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
