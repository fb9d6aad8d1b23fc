#!/usr/bin/env python3
"""Checks the SPA's message catalogs (frontend/i18n/*.json):

* English and Japanese have exactly the same keys, none empty;
* every key literal used in frontend/src exists;
* every value of every wire enum, every API error code and every 3-2-1-1-0 reason code
  the server can send has a label (those keys are built at run time, so no literal shows
  them).
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
catalogs = {lang: json.loads((ROOT / "frontend/i18n" / f"{lang}.json").read_text()) for lang in ("en", "ja")}
problems = []

en, ja = set(catalogs["en"]), set(catalogs["ja"])
problems += [f"only in en.json: {key}" for key in sorted(en - ja)]
problems += [f"only in ja.json: {key}" for key in sorted(ja - en)]
for lang, catalog in catalogs.items():
    problems += [f"empty in {lang}.json: {key}" for key, text in catalog.items() if not text.strip()]

namespaces = {key.split(".")[0] for key in en}
used = set()
for source in (ROOT / "frontend/src").rglob("*.rs"):
    for key in re.findall(r'"([a-z][a-z0-9_]*\.[a-z0-9_.]+)"', source.read_text()):
        if key.split(".")[0] in namespaces:
            used.add(key)
problems += [f"used in frontend/src but missing: {key}" for key in sorted(used - en)]

# Run-time keys: enum labels, error codes, reason codes.
types = ROOT / "crates/types/src"
kinds = {
    "JobType": "job_type", "BackupTool": "tool", "CopyType": "copy_type", "MediaType": "media",
    "JobStateDto": "state", "ComplianceStatusDto": "compliance", "RuleOutcomeDto": "outcome",
    "ExecutionResult": "result", "ExecutionSource": "source",
}
for source in ("jobs.rs", "executions.rs"):
    text = (types / source).read_text()
    for name, body in re.findall(r"wire_enum! \{\s*(\w+) \{(.*?)\}\s*\}", text, re.S):
        for value in re.findall(r'=> "([a-z_]+)"', body):
            if name in kinds:
                used_key = f"enum.{kinds[name]}.{value}"
                if used_key not in en:
                    problems.append(f"missing enum label: {used_key}")
for name, kind, source in (("Role", "role", "users.rs"), ("ApiKeyScope", "scope", "api_keys.rs")):
    for value in re.findall(r'=> "([a-z_]+)"', (types / source).read_text()):
        if f"enum.{kind}.{value}" not in en:
            problems.append(f"missing enum label: enum.{kind}.{value}")
for code in re.findall(r'=> "([a-z_]+)"', (types / "error.rs").read_text()):
    if f"error.{code}" not in en:
        problems.append(f"missing error message: error.{code}")
engine = (ROOT / "crates/server/src/compliance/engine.rs").read_text().split("#[cfg(test)]")[0]
for line in engine.splitlines():
    if "Self::" in line and "=>" in line:
        continue
    for reason in re.findall(r'"([a-z][a-z_]+)"', line):
        if f"reason.{reason}" not in en:
            problems.append(f"missing reason text: reason.{reason}")
for rule in ("copies", "media_types", "offsite", "offline_or_immutable", "zero_errors"):
    if f"rule3210.{rule}" not in en:
        problems.append(f"missing rule title: rule3210.{rule}")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"i18n catalogs complete: {len(en)} keys in en and ja, {len(used)} used literally")
