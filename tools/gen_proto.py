"""Regenerate the committed protobuf modules (needs the `test` extra: grpcio-tools).

python tools/gen_proto.py          # write them
python tools/gen_proto.py --check  # exit 1 if a committed module is stale
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = (
    Path("avatar_player/protocol/message.proto"),
    Path("tests/public_schema/avatarkit_public.proto"),
)


def generate(out_dir: Path) -> None:
    """Compile every schema into `out_dir`, keeping the repository-relative layout."""
    for schema in SCHEMAS:
        args = ["protoc", f"-I{ROOT}", f"--python_out={out_dir}", f"--pyi_out={out_dir}"]
        if protoc.main([*args, str(ROOT / schema)]) != 0:
            raise SystemExit(f"protoc failed on {schema}")


def stale_modules() -> list[Path]:
    """Committed generated files that differ from a fresh compile."""
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        stale = []
        for schema in SCHEMAS:
            for suffix in ("_pb2.py", "_pb2.pyi"):
                rel = schema.with_name(schema.stem + suffix)
                fresh = (Path(tmp) / rel).read_text()
                committed = ROOT / rel
                if not committed.exists() or committed.read_text() != fresh:
                    stale.append(rel)
        return stale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    if parser.parse_args().check:
        stale = stale_modules()
        for rel in stale:
            print(f"stale: {rel}")
        sys.exit(1 if stale else 0)
    generate(ROOT)


if __name__ == "__main__":
    main()
