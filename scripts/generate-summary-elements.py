#!/usr/bin/env python3
"""Writes conformance/structure/summary-elements.json: for every concrete FHIR R4 resource
type, the snapshot element paths marked `isSummary: true` and those with `min >= 1`. Vesta
uses them for the `_summary` and `_elements` search parameters
(https://hl7.org/fhir/R4/search.html#summary).

SOURCE is either a directory holding the R4 `*.profile.json` StructureDefinitions, or a git
directory of a repository that has them at its root (the R4 website build in
`fhir-ru/fhir-ru.github.io`); for a git directory, `--commit` picks the revision.

    scripts/generate-summary-elements.py /path/to/fhir-ru.github.io.git \\
        --commit 73deef6284d1692879ccfbac8390a4e965e6d215

Python 3 standard library only.
"""
import argparse
import json
import pathlib
import subprocess
import sys

FHIR_VERSION = "4.0.1"
CONCRETE_RESOURCE_TYPES = 146
PROFILE_SUFFIX = ".profile.json"
BASE_URL = "http://hl7.org/fhir/StructureDefinition/"


def git_profiles(git_dir, commit):
    """Yields the parsed `*.profile.json` files at the root of `commit` in `git_dir`."""
    def git(*args):
        return subprocess.run(["git", "--git-dir", str(git_dir), *args],
                              check=True, capture_output=True).stdout
    names = git("ls-tree", "--name-only", commit).decode().splitlines()
    for name in sorted(n for n in names if n.endswith(PROFILE_SUFFIX)):
        yield json.loads(git("show", f"{commit}:{name}"))


def directory_profiles(directory):
    """Yields the parsed `*.profile.json` files in `directory`."""
    for path in sorted(directory.glob("*" + PROFILE_SUFFIX)):
        yield json.loads(path.read_text(encoding="utf-8"))


def is_git_directory(path):
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def is_concrete_resource(definition):
    """The base definition of a concrete resource type, not a profile or an abstract type."""
    return (definition.get("resourceType") == "StructureDefinition"
            and definition.get("kind") == "resource"
            and definition.get("abstract") is False
            and definition.get("derivation") == "specialization"
            and definition.get("url") == BASE_URL + definition.get("type", ""))


def projection_entry(definition):
    """The summary and mandatory element paths of one type, sorted; the root is left out."""
    summary, mandatory = [], []
    for element in definition["snapshot"]["element"]:
        path = element["path"]
        if "." not in path:
            continue
        if element.get("isSummary") is True:
            summary.append(path)
        if element.get("min", 0) >= 1:
            mandatory.append(path)
    return {"summary": sorted(summary), "mandatory": sorted(mandatory)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=pathlib.Path,
                        help="directory of *.profile.json files, or a git directory")
    parser.add_argument("--commit", default="HEAD", help="revision to read from a git directory")
    parser.add_argument("--output", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent
                        / "conformance/structure/summary-elements.json")
    arguments = parser.parse_args()

    if is_git_directory(arguments.source):
        profiles = git_profiles(arguments.source, arguments.commit)
    elif (arguments.source / ".git").is_dir():
        profiles = git_profiles(arguments.source / ".git", arguments.commit)
    else:
        profiles = directory_profiles(arguments.source)

    types = {}
    for definition in profiles:
        if not is_concrete_resource(definition):
            continue
        if definition.get("fhirVersion") != FHIR_VERSION:
            sys.exit(f"{definition['type']} is FHIR {definition.get('fhirVersion')}, not {FHIR_VERSION}")
        types[definition["type"]] = projection_entry(definition)
    if len(types) != CONCRETE_RESOURCE_TYPES:
        sys.exit(f"found {len(types)} concrete resource types, expected {CONCRETE_RESOURCE_TYPES}")

    def compact(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    lines = [f"{compact(name)}:{compact(types[name])}" for name in sorted(types)]
    text = ('{"fhirVersion":' + compact(FHIR_VERSION) + ',"types":{\n'
            + ",\n".join(lines) + "\n}}\n")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(text, encoding="utf-8")
    print(f"wrote {arguments.output}: {len(types)} resource types")


if __name__ == "__main__":
    main()
