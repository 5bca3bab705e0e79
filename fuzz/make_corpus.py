"""Write every fuzz target's seeds (its `seeds()`) to fuzz/corpus/<target>/, replacing the old.

Each seed is one file named by its SHA-1. Run it again when the schema or a decoder changes.

    python fuzz/make_corpus.py
"""

from __future__ import annotations

import hashlib
import importlib

from fuzz_common import corpus_dir, target_names


def main() -> None:
    for target in target_names():
        seeds = importlib.import_module(f"fuzz_{target}").seeds()
        folder = corpus_dir(target)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for seed in seeds:
            (folder / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        print(f"{target}: {len(seeds)} seeds in {folder}")


if __name__ == "__main__":
    main()
