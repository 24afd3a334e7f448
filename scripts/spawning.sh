#!/usr/bin/env bash
# The integration tests (tests/**/*.rs) that spawn the herald binary, and why. Issue 18: only
# what is about the process or what a command prints needs the binary; everything else runs
# in-process (docs/development.md says which and why).
#
# A test spawns when its body, or a function it calls (transitively: a helper in its own file,
# in tests/common.rs or in another module it imports with `use crate::…`), names
# `CARGO_BIN_EXE_herald`. Comments and string literals are stripped first (a literal naming the
# binary counts as naming it), functions are found by their braces, and `#[test]` functions —
# inside `proptest!` too — are the tests.
#
# Every spawning test says why with a marker on the line directly above its `#[test]`:
#   // spawns: signals | kill | exit code | terminal output
# (the reason may be followed by ` — ` and a few words). The script prints the count per file and
# per reason, and exits 1 naming each spawning test without a marker, each marker with an
# unknown reason and each marker on a test that does not spawn. `--list` prints only
# `file::test` lines. Tests a macro writes (`both!` in tests/engine.rs: a `sqlite` and a
# `postgres` test per function) are invisible to the scan, which sees the macro's two `#[test]`
# functions once: the output says how many there are (none spawns), so the total is the scan's,
# not cargo's (`cargo test --test integration -- --list`).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import pathlib, re, sys

SPAWN = "CARGO_BIN_EXE_herald"

def strip(src):
    """Source without comments; a string literal becomes "" ("SPAWN" if it names the binary)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i) if "\n" in src[i:] else n
        elif src.startswith("/*", i):
            depth = 0
            while i < n:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        break
                else:
                    i += 1
        elif re.match(r'(b|c)?r#*"', src[i:i + 8]) and not (i and (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'(b|c)?r(#*)"', src[i:])
            close = '"' + m.group(2)
            end = src.find(close, i + m.end())
            end = n if end < 0 else end + len(close)
            out.append('"SPAWN"' if SPAWN in src[i:end] else '""')
            i = end
        elif c == '"' or (c in "bc" and src[i + 1:i + 2] == '"' and not (i and src[i - 1].isalnum())):
            j = i + (1 if c == '"' else 2)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('"SPAWN"' if SPAWN in src[i:j] else '""')
            i = j + 1
        elif c == "'" and (src[i + 1:i + 2] == "\\" or src[i + 2:i + 3] == "'"):
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            out.append("' '")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)

def body_end(src, open_at):
    depth = 0
    for k in range(open_at, len(src)):
        if src[k] == "{":
            depth += 1
        elif src[k] == "}":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(src)

FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")
CALL = re.compile(r"(\.)?((?:\b[A-Za-z_][A-Za-z0-9_]*::)*)\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:::<[^>]*>)?\s*\(")

files = {}  # module path -> (relative file, stripped source)
for path in sorted(pathlib.Path("tests").rglob("*.rs")):
    rel = path.relative_to("tests").with_suffix("")
    parts = [p for p in rel.parts if p not in ("mod", "lib")]
    files["::".join(parts)] = (str(path), strip(path.read_text()))

fns = {}  # (module, name) -> list of (body, is_test, takes_self)
for module, (_, src) in files.items():
    for m in FN.finditer(src):
        brace, semi = src.find("{", m.end()), src.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            continue
        signature = src[m.end():brace]
        before = src[max(0, m.start() - 200):m.start()]
        attrs = before[before.rfind("}") + 1:] if "}" in before else before
        attrs = attrs[attrs.rfind(";") + 1:]
        is_test = "#[test]" in attrs.replace(" ", "")
        fns.setdefault((module, m.group(1)), []).append((src[brace:body_end(src, brace)], is_test, "self" in signature))

def imports(module):
    """Modules a file's functions may call into: itself, what it `use`s from the crate, common."""
    src = files[module][1]
    seen = [module]
    for m in re.finditer(r"\buse\s+(crate|super)::([A-Za-z_][A-Za-z0-9_]*)", src):
        target = m.group(2) if m.group(1) == "crate" else "::".join(module.split("::")[:-2] + [m.group(2)])
        if target in files and target not in seen:
            seen.append(target)
    return seen

spawns = {}

def spawning(module, name, stack=()):
    key = (module, name)
    if key in spawns:
        return spawns[key]
    if key in stack:
        return False
    result = False
    scope = imports(module)
    for body, _, _ in fns[key]:
        if '"SPAWN"' in body:
            result = True
            break
        for call in CALL.finditer(body):
            method, path, callee = call.group(1), call.group(2), call.group(3)
            # `crate::m::f(` and `m::f(` name a test module's function; other paths (herald's,
            # std's) are not the tests' helpers.
            path = path.removeprefix("crate::").removesuffix("::")
            if path and path not in files:
                continue
            for m in [path] if path else scope:
                defs = fns.get((m, callee))
                if defs and (not method or any(takes_self for _, _, takes_self in defs)):
                    result = (m, callee) != key and spawning(m, callee, stack + (key,))
                    break
            if result:
                break
        if result:
            break
    spawns[key] = result
    return result

tests = sorted((module, name) for (module, name), defs in fns.items() if any(t for _, t, _ in defs))
by_file = {}
for module, name in tests:
    if spawning(module, name):
        by_file.setdefault(module, []).append(name)

REASONS = ("signals", "kill", "exit code", "terminal output")
MARKER = re.compile(r"^\s*// spawns: (.*)$")

def marker(module, name):
    """The text after `// spawns: ` directly above the `#[test]` of `name`, or None."""
    lines = pathlib.Path(files[module][0]).read_text().splitlines()
    at = next((k for k, l in enumerate(lines) if re.match(rf"\s*(pub(\(\w+\))?\s+)?(async\s+)?fn\s+{name}\b", l)), None)
    k = (at or 0) - 1
    while k >= 0 and lines[k].strip().startswith("#[") and lines[k].strip().replace(" ", "") != "#[test]":
        k -= 1
    if at is None or k < 1 or lines[k].strip().replace(" ", "") != "#[test]":
        return None
    m = MARKER.match(lines[k - 1])
    return m.group(1).strip() if m else None

problems, by_reason = [], {}
for module, name in tests:
    said, spawn = marker(module, name), name in by_file.get(module, [])
    where = f"{files[module][0]}: {name}"
    if spawn and said is None:
        problems.append(f"{where} spawns the binary without a `// spawns: REASON` marker above its #[test]")
    elif not spawn and said is not None:
        problems.append(f"{where} is marked `// spawns: {said}` but does not spawn the binary")
    elif spawn:
        reason = next((r for r in REASONS if said == r or said.startswith(r + " — ")), None)
        if reason is None:
            problems.append(f"{where}: `// spawns: {said}` names no reason herald knows ({', '.join(REASONS)})")
        else:
            by_reason[reason] = by_reason.get(reason, 0) + 1

if "--list" in sys.argv[1:]:
    for module, names in by_file.items():
        for name in names:
            print(f"{module}::{name}")
    sys.exit(0)
total = sum(len(v) for v in by_file.values())
for module, names in by_file.items():
    print(f"{files[module][0]}: {len(names)}")
    for name in names:
        print(f"  {name}")
print(f"{total} of {len(tests)} integration tests spawn the herald binary")
print("by reason: " + ", ".join(f"{r} {by_reason.get(r, 0)}" for r in REASONS))
both = len(re.findall(r"(?m)^both!\(", pathlib.Path("tests/engine.rs").read_text()))
print(f"not seen: the {2 * both} tests both! writes in tests/engine.rs (a sqlite and a postgres test for each of "
      f"{both} functions; the scan sees its template's 2 once); none spawns, they run herald::run in-process")
if problems:
    print(f"scripts/spawning.sh: {len(problems)} test(s) break the marker rule (docs/development.md):", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    sys.exit(1)
PY
