#!/usr/bin/env bash
# What a command writes, as a user relies on it: every destination checked
# before the work, outputs that appear together, seeds that can be reproduced
# (-1 draws one and says which), generation parameters inside every PNG and in
# sample --json, the tiles of an image of whole tiles, and no silent no-ops.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/cli_test_lib.sh"
run="$source_dir/tests/fixtures/run_before_conditioning/unet"  # an 8x8 grey U-Net, T = 100
digits="$source_dir/docs/images/digits.png"
quick=(--num 4 --sampler ddim --steps 3 --quiet)

expect_usage_error() {  # what, part, args...: exit status 2 and one error line naming part
  local what=$1 part=$2; shift 2
  local status=0
  "$DIFFUSE" "$@" >out.txt 2>err.txt || status=$?
  [ "$status" -eq 2 ] || { fail "$what: exit status $status, expected 2"; cat err.txt; }
  grep -q "^diffuse: error: .*$part" err.txt || { fail "$what: expected a usage error naming '$part'"; cat err.txt; }
}

# Destinations are checked before any work: the error names the option, and
# nothing is sampled (no progress, no "wrote").
expect_error "unwritable --out" "--out /proc/x.png: cannot write to /proc" sample --run "$run" "${quick[@]}" --out /proc/x.png
expect_error "unwritable --trajectory" "--trajectory /proc/t.png: cannot write to /proc" \
  sample --run "$run" "${quick[@]}" --out ok.png --trajectory /proc/t.png
expect_error "unwritable --json" "--json /proc/s.json: cannot write to /proc" sample --run "$run" "${quick[@]}" --out ok.png --json /proc/s.json
mkdir folder.png
expect_error "a folder as --out" "--out folder.png: is a folder" denoise --run "$run" --input "$digits" --sigma 20 --out folder.png --quiet
expect_error "unwritable --compare" "--compare /proc/c.png: cannot write to /proc" \
  denoise --run "$run" --input "$digits" --sigma 20 --out ok.png --compare /proc/c.png --quiet
[ ! -e ok.png ] || fail "a failed command left its first output behind"

# Seeds: -1 draws one, prints it and records it; out of range is a usage error.
"$DIFFUSE" sample --run "$run" "${quick[@]}" --seed -1 --out random.png --json random.json 2>seed.txt >/dev/null ||
  fail "sample --seed -1"
drawn=$(sed -n 's/^seed: \([0-9]*\) (--seed -1)$/\1/p' seed.txt)
[ -n "$drawn" ] || { fail "--seed -1 prints the seed it drew"; cat seed.txt; }
"$DIFFUSE" sample --run "$run" "${quick[@]}" --seed "$drawn" --out again.png >/dev/null || fail "sample with the printed seed"
cmp -s random.png again.png || fail "the printed seed makes the same picture again"
expect_usage_error "seed 2^64 - 1" "--seed: expected a whole number from 0 to 9007199254740991" \
  sample --run "$run" "${quick[@]}" --seed 18446744073709551615 --out x.png
expect_usage_error "negative seed" "--seed" sample --run "$run" "${quick[@]}" --seed -5 --out x.png
expect_usage_error "seed in words" "not 'one'" noise --input "$digits" --seed one --out x.png

# Every PNG carries its generation parameters as text chunks (with valid
# CRCs), and sample --json records them with the files written.
"$DIFFUSE" sample --run "$run" "${quick[@]}" --seed 7 --temperature 0.9 --out grid.png --trajectory traj.png \
  --json grid.json >/dev/null || fail "sample with --trajectory and --json"
"$DIFFUSE" denoise --run "$run" --input "$digits" --sigma 30 --out clean.png --compare compare.png --quiet >/dev/null ||
  fail "denoise with --compare"
python3 - "$drawn" <<'PY' || fail "generation parameters in the PNGs and the JSON"
import json, struct, sys, zlib

def text_chunks(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    at, text = 8, {}
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        crc, = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body), (path, kind)
        if kind == b"tEXt":
            key, value = body.split(b"\0", 1)
            text[key.decode()] = value.decode("latin-1")
        at += 12 + length
    return text

for path in ("grid.png", "traj.png"):
    t = text_chunks(path)
    assert t["command"] == "sample" and t["sampler"] == "ddim" and t["steps"] == "3", t
    assert t["seed"] == "7" and float(t["temperature"]) == 0.9 and t["run"].endswith("unet"), t
    assert t["Software"].startswith("Diffuse "), t
for path in ("clean.png", "compare.png"):
    t = text_chunks(path)
    assert t["command"] == "denoise" and float(t["sigma"]) == 30 and t["method"] == "posterior", t
assert text_chunks("random.png")["seed"] == sys.argv[1]
record = json.load(open("grid.json"))
assert record["seed"] == 7 and record["steps"] == 3 and record["sampler"] == "ddim", record
assert record["outputs"] == ["grid.png", "traj.png"], record
assert json.load(open("random.json"))["seed"] == int(sys.argv[1])
PY

# A value that only looks like a number stays the string it was.
cp -r "$run" 123
"$DIFFUSE" sample --run 123 "${quick[@]}" --out digits123.png --json digits123.json >/dev/null || fail "sample from a run named 123"
python3 -c "import json; r = json.load(open('digits123.json')); assert r['run'] == '123' and r['seed'] == 0, r" ||
  fail "a run named 123 is recorded as the string '123'"

# An image of whole tiles is cut exactly into tiles by default (no tile
# straddles two digits): the default is the same as --overlap 0.
"$DIFFUSE" img2img --run "$run" --input "$digits" --strength 0.5 --steps 4 --seed 3 --out default.png --quiet >/dev/null ||
  fail "img2img with the default tiles"
"$DIFFUSE" img2img --run "$run" --input "$digits" --strength 0.5 --steps 4 --seed 3 --overlap 0 --out aligned.png --quiet \
  >/dev/null || fail "img2img --overlap 0"
cmp -s default.png aligned.png || fail "img2img's default tiles are the image's own grid"

# Defaults are visible: train --help lists each preset's steps and batch size.
"$DIFFUSE" train --help > train_help.txt
grep -Eq "^  mnist-small +8000 +64 " train_help.txt || { fail "train --help shows mnist-small's defaults"; cat train_help.txt; }

# No silent no-ops.
expect_error "--flip on points" "--flip mirrors images; toy2d:moons is not image data" \
  train --data toy2d:moons --out flipped --flip --steps 2
[ ! -e flipped ] || fail "a refused train left a run directory"
printf 'P5\n8 8\n255\n' > mask.pgm; head -c 64 /dev/zero | tr '\0' '\377' >> mask.pgm
expect_error "RePaint jumps that never happen" "leaves nowhere to jump back from" \
  inpaint --run "$run" --input "$digits" --mask mask.pgm --steps 10 --jump 10 --resample 5 --out never.png
"$DIFFUSE" noise --input "$digits" --sigma 500 --out loud.png 2>note.txt >/dev/null || fail "noise --sigma 500"
grep -q "wider than the 0-255 range" note.txt || fail "noise --sigma 500 says the image is swamped"

# Images with transparency are refused, not silently flattened; opaque alpha is fine.
python3 - <<'PY'
import struct, zlib
def png(path, pixels, colour_type, channels):
    rows = b"".join(b"\0" + bytes(row) for row in pixels)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 8, 8, 8, colour_type, 0, 0, 0)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
png("transparent.png", [[v for x in range(8) for v in (x * 30, 0, 0, 128)] for y in range(8)], 6, 4)
png("opaque.png", [[v for x in range(8) for v in (x * 30, x * 30, x * 30, 255)] for y in range(8)], 6, 4)
# A chunk whose name is an escape sequence and whose length runs past the end.
data = open("opaque.png", "rb").read()
open("hostile.png", "wb").write(data[:33] + struct.pack(">I", 1 << 30) + b"\x1b[2J" + b"x" * 8)
PY
expect_error "RGBA with transparency" "transparent.png: has transparent pixels (RGBA)" \
  denoise --run "$run" --input transparent.png --sigma 20 --out never.png
"$DIFFUSE" denoise --run "$run" --input opaque.png --sigma 20 --out opaque_clean.png --quiet >/dev/null ||
  fail "an opaque RGBA image of grey content is read"
expect_error "a binary chunk name" 'chunk .\\x1b\[2J. claims' denoise --run "$run" --input hostile.png --sigma 20 --out never.png
if grep -q $'\x1b' err.txt; then fail "a chunk name reached the terminal raw"; fi

finish outputs
