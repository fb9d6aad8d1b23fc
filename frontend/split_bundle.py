#!/usr/bin/env python3
"""Cuts the release build in dist/ into a main module and one chunk per lazily loaded screen.

Runs after `trunk build --release=true --features split` (scripts/build-spa.sh). Trunk
builds the WASM with relocations (frontend/build.rs), writes index.html, the CSS and the
other assets, and its own unsplit module; this step replaces that module:

1. wasm-split-cli cuts cargo's output at the `#[lazy_route]` split points into the main
   module, one `split_*` module per screen, `chunk_*` modules with code that several
   screens share, and the loader `__wasm_split.js`;
2. wasm-bindgen (the pinned CLI) generates the JS glue for the main module, keeping the
   exports the chunks link against (`--keep-lld-exports`);
3. wasm-opt -Oz shrinks every module, as Trunk does for the unsplit one;
4. every file gets a content hash in its name (`name-<16 hex>`, the pattern the server
   and nginx cache as immutable), the references between them are rewritten, and
   index.html points at the new glue and main module (with fresh integrity hashes).

Nothing is downloaded: the three tools are local binaries found on PATH.
"""

import argparse
import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LINK_MODULE = "__wasm_split.js"


def run(*command: str) -> None:
    print("  $", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def content_hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:16]


def integrity(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, type=Path, help="cargo's .wasm (with relocations)")
    parser.add_argument("--dist", required=True, type=Path, help="Trunk's output directory")
    parser.add_argument("--name", default="bms-web", help="the module name Trunk used")
    args = parser.parse_args()
    dist: Path = args.dist
    name: str = args.name

    index_path = dist / "index.html"
    index = index_path.read_text()
    # Trunk's unsplit glue and module, to be replaced.
    old_js = re.search(rf'data-js="/({re.escape(name)}-[0-9a-f]+\.js)"', index)
    old_wasm = re.search(rf'data-wasm="/({re.escape(name)}-[0-9a-f]+_bg\.wasm)"', index)
    if not old_js or not old_wasm:
        print(f"split_bundle: {index_path} names no {name} glue and module", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="bms-split-") as temp:
        work = Path(temp)
        split_dir = work / "split"
        bindgen_dir = work / "bindgen"
        run("wasm-split-cli", "--target", "web", "--out-name", name, str(args.input), str(split_dir))
        run(
            "wasm-bindgen", "--target", "web", "--no-typescript", "--keep-lld-exports", "--no-demangle",
            "--out-name", name, "--out-dir", str(bindgen_dir), str(split_dir / f"{name}.wasm"),
        )
        main_wasm = bindgen_dir / f"{name}_bg.wasm"
        chunks = sorted(path for path in split_dir.glob("*.wasm") if path.name != f"{name}.wasm")
        for module in [main_wasm, *chunks]:
            run("wasm-opt", "-Oz", f"--output={module}", str(module))

        # Chunks first: the loader names them, nothing else does.
        loader = (split_dir / LINK_MODULE).read_text()
        outputs: dict[str, bytes] = {}
        for chunk in chunks:
            data = chunk.read_bytes()
            hashed = f"{chunk.stem}-{content_hash(data)}.wasm"
            loader = loader.replace(f'"./{chunk.name}"', f'"./{hashed}"')
            outputs[hashed] = data
        glue = (bindgen_dir / f"{name}.js").read_text()
        main_data = main_wasm.read_bytes()
        # The glue and the loader import each other, so they share one hash (of both and
        # of the main module).
        shared = content_hash(main_data, glue.encode(), loader.encode())
        new_js = f"{name}-{shared}.js"
        new_wasm = f"{name}-{shared}_bg.wasm"
        new_loader = f"{Path(LINK_MODULE).stem}-{shared}.js"
        loader = loader.replace(f'"./{name}.js"', f'"./{new_js}"')
        # Only the `import … from` statements (one per loader function) name the file:
        # the main module's imports keep the loader's original module name as their key.
        glue, imports = re.subn(rf"""(from\s*['"])\./{re.escape(LINK_MODULE)}(['"])""", rf"\g<1>./{new_loader}\g<2>", glue)
        if imports == 0:
            print("split_bundle: the glue does not import the chunk loader", file=sys.stderr)
            return 1
        glue = glue.replace(f"'{name}_bg.wasm'", f"'{new_wasm}'")
        outputs[new_js] = glue.encode()
        outputs[new_wasm] = main_data
        outputs[new_loader] = loader.encode()

        for stale in [old_js.group(1), old_wasm.group(1)]:
            (dist / stale).unlink(missing_ok=True)
        for stale in dist.glob("split_*.wasm"):
            stale.unlink()
        for stale in dist.glob("chunk_*.wasm"):
            stale.unlink()
        for stale in dist.glob(f"{Path(LINK_MODULE).stem}-*.js"):
            stale.unlink()
        for file_name, data in outputs.items():
            (dist / file_name).write_bytes(data)

    # index.html: the new names, and the integrity of every preloaded file recomputed.
    index = index.replace(old_js.group(1), new_js).replace(old_wasm.group(1), new_wasm)

    def fresh_integrity(tag: re.Match[str]) -> str:
        text = tag.group(0)
        href = re.search(r'href="/([^"]+)"', text)
        if not href or not (dist / href.group(1)).is_file():
            return text
        return re.sub(r'integrity="[^"]*"', f'integrity="{integrity((dist / href.group(1)).read_bytes())}"', text)

    index = re.sub(r"<link\b[^>]*\bintegrity=\"[^\"]*\"[^>]*>", fresh_integrity, index)
    # The loader is needed at start (the glue imports it): preload it with the glue.
    preload = f'<link rel="modulepreload" href="/{new_loader}" crossorigin="anonymous" integrity="{integrity(outputs[new_loader])}">'
    index = index.replace("</head>", f"{preload}</head>", 1)
    index_path.write_text(index)

    chunk_count = len([file for file in outputs if file.endswith(".wasm")]) - 1
    print(f"split_bundle: main module {new_wasm}, {chunk_count} lazily loaded chunks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
