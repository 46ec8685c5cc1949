#!/usr/bin/env python3
"""Who owns the wasm (issue 13): twiggy-style attribution of every KB to a crate.

Reads a WebAssembly module with the standard library only: the size of each function body
in the code section, the function names of the "name" custom section, and the other
sections' sizes. Each name is demangled just far enough to find its crate (the leading path
segment: `leptos`, `app`, `serde_json`, `core`, `alloc`, `std`, `wasm_bindgen`...), from
Rust legacy (`_ZN...E`) or v0 (`_R...`) symbols, or from names the linker already demangled
(`<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop`). Generic code is owned by the
crate that defines it (`core::ptr::drop_in_place<app::X>` is core's), as twiggy would say.

The module read is the linked but not yet optimised one
(target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm, where cargo-leptos builds it): wasm-bindgen and wasm-opt drop
the names from what is shipped. The shares are those of that module; wasm-opt shrinks all
crates roughly alike. The shipped files (target/site/pkg, possibly split into chunks) are
counted separately.

    python3 scripts/wasm_owners.py [module.wasm] [--top 15] [--json]
"""
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# cargo-leptos 0.3 builds the wasm in target/front; a plain cargo build puts it in target/.
LINKED_CANDIDATES = [os.path.join(ROOT, "target", *front, "wasm32-unknown-unknown", "wasm-release", "frontend.wasm")
                     for front in (("front",), ())]


def linked():
    """The newest linked module of a release build (the first candidate if there is none)."""
    found = [path for path in LINKED_CANDIDATES if os.path.exists(path)]
    return max(found, key=os.path.getmtime) if found else LINKED_CANDIDATES[0]


PKG = os.path.join(ROOT, "target", "site", "pkg")

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag",
}


class WasmError(Exception):
    pass


def _uleb(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WasmError("truncated LEB128 number")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _name(data, pos):
    length, pos = _uleb(data, pos)
    return data[pos:pos + length].decode("utf-8", "replace"), pos + length


def _skip_limits(data, pos):
    flags = data[pos]
    pos += 1
    _, pos = _uleb(data, pos)
    if flags & 1:
        _, pos = _uleb(data, pos)
    return pos


def parse(data):
    """{'total', 'sections': [(id, name, size)], 'bodies': [(function index, size)],
    'names': {index: name}, 'imported_functions': n}."""
    if data[:4] != b"\0asm":
        raise WasmError("not a WebAssembly module")
    if data[4:8] != b"\x01\0\0\0":
        raise WasmError("not a core module (a component?)")
    pos = 8
    sections, bodies, names = [], [], {}
    imported = 0
    while pos < len(data):
        section_id = data[pos]
        size, start = _uleb(data, pos + 1)
        end = start + size
        header = start - pos
        label = SECTION_NAMES.get(section_id, f"section {section_id}")
        if section_id == 0:
            custom, body = _name(data, start)
            label = f"custom '{custom}'"
            if custom == "name":
                names = _function_names(data, body, end)
        elif section_id == 2:
            count, p = _uleb(data, start)
            for _ in range(count):
                _, p = _name(data, p)
                _, p = _name(data, p)
                kind = data[p]
                p += 1
                if kind == 0:  # function: type index
                    _, p = _uleb(data, p)
                    imported += 1
                elif kind == 1:  # table: reference type, limits
                    p = _skip_limits(data, p + 1)
                elif kind == 2:  # memory
                    p = _skip_limits(data, p)
                elif kind == 3:  # global: value type, mutability
                    p += 2
                elif kind == 4:  # tag
                    p += 1
                    _, p = _uleb(data, p)
                else:
                    raise WasmError(f"unknown import kind {kind}")
        elif section_id == 10:
            count, p = _uleb(data, start)
            for i in range(count):
                body_size, body_start = _uleb(data, p)
                # The body's own length prefix belongs to it, as in twiggy.
                bodies.append((imported + i, body_start + body_size - p))
                p = body_start + body_size
        sections.append((section_id, label, size + header))
        pos = end
    return {"total": len(data), "sections": sections, "bodies": bodies, "names": names,
            "imported_functions": imported}


def _function_names(data, pos, end):
    names = {}
    while pos < end:
        sub = data[pos]
        size, start = _uleb(data, pos + 1)
        if sub == 1:
            count, p = _uleb(data, start)
            for _ in range(count):
                index, p = _uleb(data, p)
                name, p = _name(data, p)
                names[index] = name
        pos = start + size
    return names


# --- demangling, only as far as the crate -------------------------------------------------

PRIMITIVES = {"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16",
              "i32", "i64", "i128", "isize", "f32", "f64", "!", "_", "T", "fn", "impl", "unsafe",
              "extern", "dyn", "mut", "const", "Self"}
LEGACY_ESCAPES = {"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _unescape_legacy(segment):
    def escape(match):
        code = match.group(1)
        if code in LEGACY_ESCAPES:
            return LEGACY_ESCAPES[code]
        if code.startswith("u"):
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return match.group(0)
        return match.group(0)
    if segment.startswith("_$"):
        segment = segment[1:]
    if "$" in segment or ".." in segment:
        segment = re.sub(r"\$([A-Za-z0-9]+)\$", escape, segment).replace("..", "::")
    return segment


def _legacy_path(symbol):
    """`_ZN4core3fmt5write17h...E` -> 'core::fmt::write::h...'."""
    pos, parts = 3, []
    while pos < len(symbol) and symbol[pos] != "E":
        match = re.match(r"\d+", symbol[pos:])
        if not match:
            break
        length = int(match.group(0))
        pos += len(match.group(0))
        parts.append(_unescape_legacy(symbol[pos:pos + length]))
        pos += length
    return "::".join(parts)


class _V0:
    """Just enough of the v0 grammar (RFC 2603) to find the crate a path starts in."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self):
        c = self.peek()
        if not c:
            raise WasmError("v0: unexpected end")
        self.i += 1
        return c

    def b62(self):
        if self.peek() == "_":
            self.i += 1
            return 0
        value = 0
        while True:
            c = self.take()
            if c == "_":
                return value + 1
            if c.isdigit():
                digit = ord(c) - 48
            elif c.islower():
                digit = ord(c) - 97 + 10
            elif c.isupper():
                digit = ord(c) - 65 + 36
            else:
                raise WasmError("v0: bad base-62 digit")
            value = value * 62 + digit

    def disambiguator(self):
        if self.peek() == "s":
            self.i += 1
            self.b62()

    def undisambiguated(self):
        if self.peek() == "u":
            self.i += 1
        match = re.match(r"\d+", self.s[self.i:])
        if not match:
            raise WasmError("v0: identifier without length")
        self.i += len(match.group(0))
        length = int(match.group(0))
        if self.peek() == "_":
            self.i += 1
        name = self.s[self.i:self.i + length]
        self.i += length
        return name

    def ident(self):
        self.disambiguator()
        return self.undisambiguated()

    def backref(self, parse):
        target = self.b62()
        saved = self.i
        self.i = target
        result = parse()
        self.i = saved
        return result

    def path(self):
        c = self.take()
        if c == "C":
            return self.ident()
        if c == "N":
            self.take()  # namespace
            crate = self.path()
            self.ident()
            return crate
        if c == "M":
            self.disambiguator()
            crate = self.path()
            self.type()
            return crate
        if c == "X":
            self.disambiguator()
            crate = self.path()
            self.type()
            self.path()
            return crate
        if c == "Y":
            self.type()
            return self.path()
        if c == "I":
            crate = self.path()
            while self.peek() != "E":
                self.generic_arg()
            self.i += 1
            return crate
        if c == "B":
            return self.backref(self.path)
        raise WasmError(f"v0: unexpected {c!r} in a path")

    def generic_arg(self):
        if self.peek() == "L":
            self.i += 1
            self.b62()
        elif self.peek() == "K":
            self.i += 1
            self.const()
        else:
            self.type()

    def const(self):
        c = self.peek()
        if c == "p":
            self.i += 1
        elif c == "B":
            self.i += 1
            self.backref(self.const)
        else:
            self.type()
            if self.peek() == "n":
                self.i += 1
            while self.take() != "_":
                pass

    def binder(self):
        if self.peek() == "G":
            self.i += 1
            self.b62()

    def type(self):
        c = self.peek()
        if c and c.islower():
            self.i += 1
            return
        self.i += 1
        if c == "A":
            self.type()
            self.const()
        elif c in "SPO":
            self.type()
        elif c == "T":
            while self.peek() != "E":
                self.type()
            self.i += 1
        elif c in "RQ":
            if self.peek() == "L":
                self.i += 1
                self.b62()
            self.type()
        elif c == "F":
            self.binder()
            if self.peek() == "U":
                self.i += 1
            if self.peek() == "K":
                self.i += 1
                if self.peek() == "C":
                    self.i += 1
                else:
                    self.undisambiguated()
            while self.peek() != "E":
                self.type()
            self.i += 1
            self.type()
        elif c == "D":
            self.binder()
            while self.peek() != "E":
                self.path()
                while self.peek() == "p":
                    self.i += 1
                    self.undisambiguated()
                    self.type()
            self.i += 1
            self.take()  # lifetime
            self.b62()
        elif c == "B":
            self.backref(self.type)
        elif c in "CNMXYI":
            self.i -= 1
            self.path()
        else:
            raise WasmError(f"v0: unexpected {c!r} in a type")


def _v0_crate(symbol):
    body = symbol[2:]
    parser = _V0(body)
    if parser.peek().isdigit():  # encoding version
        while parser.peek().isdigit():
            parser.i += 1
    # Back references count from the character after "_R".
    try:
        return parser.path()
    except (WasmError, IndexError, ValueError):
        match = re.search(r"C(?:s[0-9A-Za-z]*_)?u?\d+_?", body)
        if match:
            try:
                return _V0(match.group(0)).path()
            except (WasmError, IndexError, ValueError):
                pass
        return None


def _type_crate(text):
    """The crate of a type written out: `&mut alloc::vec::Vec<u8>` -> 'alloc', `[u8]` -> None."""
    text = text.strip()
    while True:
        for prefix in ("&", "*const ", "*mut ", "mut ", "dyn ", "impl ", "unsafe ", "(", "[", " "):
            if text.startswith(prefix):
                text = text[len(prefix):]
                break
        else:
            break
    if text.startswith("<"):
        return _text_crate(text)
    match = IDENT.match(text)
    if not match or match.group(0) in PRIMITIVES:
        return None
    if not text[match.end():].startswith("::"):
        return None
    return match.group(0)


def _split_qualified(text):
    """'<A as B>::rest' -> ('A', 'B'); '<A>::rest' -> ('A', None)."""
    depth, i, as_at = 0, 0, None
    while i < len(text):
        c = text[i]
        if c == "<":
            depth += 1
        elif c == ">" and not text[i - 1:i] == "-":
            depth -= 1
            if depth == 0:
                inner = text[1:i]
                if as_at is None:
                    return inner, None
                return text[1:as_at], text[as_at + 4:i]
        elif depth == 1 and as_at is None and text.startswith(" as ", i):
            as_at = i
        i += 1
    return text[1:], None


def _text_crate(text):
    text = _unescape_legacy(text.strip())
    if text.startswith("<"):
        own, trait = _split_qualified(text)
        crate = _type_crate(own)
        if crate is None and trait is not None:
            crate = _type_crate(trait + "::")
        return crate
    match = IDENT.match(text)
    if match and text[match.end():].startswith("::"):
        return match.group(0)
    return None


def crate_of(name):
    """The crate owning a function, from its name as the name section has it."""
    if name is None:
        return "(unnamed)"
    crate = None
    if name.startswith("_ZN"):
        crate = _text_crate(_legacy_path(name))
    elif name.startswith("_R"):
        crate = _v0_crate(name)
    else:
        crate = _text_crate(name)
    if crate:
        return crate
    bare = name.lstrip("_")
    if name.startswith(("__wbindgen", "__wbg", "__externref")):
        return "wasm_bindgen"
    if name.startswith("__rust_"):
        return "std"
    if bare.startswith(("mem", "str")) or name.startswith("__"):
        return "compiler_builtins"
    if name.startswith("dl") or "malloc" in name:
        return "dlmalloc"
    return "(other symbols)"


def attribute(path, top=15):
    with open(path, "rb") as f:
        data = f.read()
    module = parse(data)
    by_crate = {}
    for index, size in module["bodies"]:
        crate = crate_of(module["names"].get(index)) if module["names"] else "(unnamed)"
        by_crate[crate] = by_crate.get(crate, 0) + size
    code = sum(size for _, size in module["bodies"])
    data_bytes = sum(size for sid, _, size in module["sections"] if sid == 11)
    code_section = sum(size for sid, _, size in module["sections"] if sid == 10)
    # Custom sections (names, relocations, linking, wasm-bindgen's own) never ship: the
    # shares are of the rest.
    custom = {label: size for sid, label, size in module["sections"] if sid == 0}
    base = module["total"] - sum(custom.values())
    other = base - code - data_bytes
    ranked = sorted(by_crate.items(), key=lambda item: -item[1])
    rows = [{"owner": crate, "bytes": size} for crate, size in ranked[:top]]
    rest = ranked[top:]
    if rest:
        rows.append({"owner": f"({len(rest)} more crates)", "bytes": sum(s for _, s in rest)})
    rows.append({"owner": "data section (constants, strings)", "bytes": data_bytes})
    rows.append({"owner": "other sections (exports, imports, tables...)", "bytes": other})
    for row in rows:
        row["share"] = row["bytes"] / base if base else 0.0
    return {
        "module": os.path.relpath(path, ROOT),
        "bytes": module["total"],
        "bytes_without_custom_sections": base,
        "custom_sections": custom,
        "functions": len(module["bodies"]),
        "named_functions": len(module["names"]),
        "code_bytes": code,
        "code_section_bytes": code_section,
        "data_bytes": data_bytes,
        "crates": dict(ranked),
        "rows": rows,
        "has_names": bool(module["names"]),
    }


def shipped(pkg=PKG):
    """The wasm files the site serves (the split build makes many chunks)."""
    files = sorted(glob.glob(os.path.join(pkg, "**", "*.wasm"), recursive=True))
    sizes = [os.path.getsize(f) for f in files]
    brotli = [os.path.getsize(f + ".br") for f in files if os.path.exists(f + ".br")]
    other = {}
    for kind in ("js", "css"):
        found = glob.glob(os.path.join(pkg, "**", f"*.{kind}"), recursive=True)
        other[kind] = {"files": len(found), "bytes": sum(os.path.getsize(f) for f in found)}
    return {
        "dir": os.path.relpath(pkg, ROOT),
        "wasm_files": len(files),
        "wasm_bytes": sum(sizes),
        "largest_wasm": max(sizes) if sizes else 0,
        "wasm_br_bytes": sum(brotli) if len(brotli) == len(files) and files else None,
        **{f"{k}_files": v["files"] for k, v in other.items()},
        **{f"{k}_bytes": v["bytes"] for k, v in other.items()},
    }


def report(path=None, top=15):
    """Attribution of the first module that has names, and the shipped files, as a dict:
    {'attribution': ... or None, 'note': str, 'shipped': ...}."""
    candidates = [path] if path else [linked()] + sorted(glob.glob(os.path.join(PKG, "**", "*.wasm"), recursive=True))
    notes = []
    result = None
    for candidate in candidates:
        if not os.path.exists(candidate):
            notes.append(f"{os.path.relpath(candidate, ROOT)} is missing")
            continue
        try:
            attributed = attribute(candidate, top)
        except (WasmError, OSError) as error:
            notes.append(f"{os.path.relpath(candidate, ROOT)}: {error}")
            continue
        if attributed["has_names"]:
            result = attributed
            break
        notes.append(f"{os.path.relpath(candidate, ROOT)} has no name section")
        if result is None:
            result = attributed  # sizes without owners, better than nothing
    if result is not None and not result["has_names"]:
        notes.append("no module with function names: every function is '(unnamed)'")
    return {"attribution": result, "notes": notes, "shipped": shipped()}


def kib(n):
    return f"{n / 1024:,.0f}"


def format_report(found):
    lines = []
    attributed = found["attribution"]
    for note in found["notes"]:
        lines.append(f"note: {note}")
    if attributed:
        custom = attributed["custom_sections"]
        lines.append(
            f"{attributed['module']}: {kib(attributed['bytes_without_custom_sections'])} KB without custom sections "
            f"(+{kib(sum(custom.values()))} KB of custom sections that do not ship), "
            f"{attributed['functions']:,} functions, {kib(attributed['code_bytes'])} KB code")
        lines.append(f"  {'owner':<46} {'KB':>7} {'share':>6}")
        for row in attributed["rows"]:
            lines.append(f"  {row['owner']:<46} {kib(row['bytes']):>7} {row['share'] * 100:5.1f}%")
    ship = found["shipped"]
    if ship["wasm_files"]:
        br = f", {kib(ship['wasm_br_bytes'])} KB as .br files" if ship["wasm_br_bytes"] is not None else ", no .br files"
        lines.append(
            f"shipped {ship['dir']}: {ship['wasm_files']} .wasm file(s), {kib(ship['wasm_bytes'])} KB raw "
            f"(largest {kib(ship['largest_wasm'])} KB){br}; {ship['js_files']} .js {kib(ship['js_bytes'])} KB, "
            f"{ship['css_files']} .css {kib(ship['css_bytes'])} KB")
    else:
        lines.append(f"shipped {ship['dir']}: no .wasm files (run a release build)")
    return "\n".join(lines)


def main(argv):
    top = 15
    path = None
    as_json = False
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--top":
            top = int(args.pop(0))
        elif arg == "--json":
            as_json = True
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            path = arg
    found = report(path, top)
    print(json.dumps(found, indent=1) if as_json else format_report(found))
    return 0 if found["attribution"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
