#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: small valid files of each format,
made from their specifications (the JPEGs through libjpeg-turbo's `cjpeg`,
Debian's libjpeg-turbo-progs, where it is installed; the XYZ files as QM9 ships them). Run from anywhere; writes fuzz/corpus/. The config
seeds are config.json files that `diffuse train` wrote, copied by hand."""
import gzip
import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata, checksum):
    """tensors: name -> (dtype, shape, raw bytes). With checksum, as Diffuse writes files."""
    header, offset, blobs = {}, 0, []
    if metadata or checksum:
        header["__metadata__"] = dict(metadata, **({"diffuse_crc32": "0" * 8} if checksum else {}))
    for name, (dtype, shape, raw) in sorted(tensors.items()):
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    data = struct.pack("<Q", len(text)) + text + b"".join(blobs)
    if checksum:
        field = b'"diffuse_crc32":"'
        at = data.find(field) + len(field)
        data = data[:at] + b"%08x" % (zlib.crc32(data) & 0xFFFFFFFF) + data[at + 8:]
    return data


def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def png(width, height, colour_type, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bmp(width, height, pixels_bgr):
    row = (width * 3 + 3) // 4 * 4
    body = b"".join(pixels_bgr[y * width * 3:(y + 1) * width * 3].ljust(row, b"\x00") for y in range(height))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(body), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(body), 0, 0, 14 + len(info)) + info + body


def tga(width, height, pixels_bgr):
    return struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, width, height, 24, 0) + pixels_bgr


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 0.0, 3.25, -0.125)
    write("safetensors", "diffuse_written.safetensors",
          safetensors({"w": ("F32", [2, 3], f32), "step": ("I64", [], struct.pack("<q", 7))}, {"step": "7"}, True))
    write("safetensors", "plain.safetensors", safetensors({"b": ("BF16", [2], b"\x80\x3f\x00\x40")}, {}, False))
    write("safetensors", "several_dtypes.safetensors", safetensors({
        "f64": ("F64", [1], struct.pack("<d", 1.5)), "u8": ("U8", [3], b"\x01\x02\x03"),
        "bool": ("BOOL", [2], b"\x01\x00"), "empty": ("F32", [0, 4], b""), "i32": ("I32", [1, 1], struct.pack("<i", -3)),
        "f16": ("F16", [1], b"\x00\x3c")}, {"format": "test"}, True))

    images = idx([2, 3, 4], bytes(range(24)))
    labels = idx([2], b"\x05\x00")
    write("idx", "images-idx3-ubyte", images)
    write("idx", "labels-idx1-ubyte", labels)
    write("idx", "images-idx3-ubyte.gz", gzip.compress(images, mtime=0))
    write("idx", "labels-idx1-ubyte.gz", gzip.compress(labels, mtime=0))

    rgb = bytes((x * 40 + y * 7 + c * 90) % 256 for y in range(5) for x in range(6) for c in range(3))
    write("image", "rgb.png", png(6, 5, 2, [rgb[y * 18:(y + 1) * 18] for y in range(5)]))
    write("image", "grey.png", png(4, 3, 0, [bytes((x * 60 + y * 20) % 256 for x in range(4)) for y in range(3)]))
    write("image", "rgba.png", png(2, 2, 6, [b"\xff\x00\x00\x80\x00\xff\x00\xff", b"\x00\x00\xff\x10\xff\xff\xff\x00"]))
    write("image", "rgb.ppm", b"P6\n6 5\n255\n" + rgb)
    write("image", "grey.pgm", b"P5\n4 3\n255\n" + bytes(range(0, 240, 20)))
    write("image", "rgb.bmp", bmp(6, 5, rgb))
    write("image", "rgb.tga", tga(6, 5, rgb))
    # The smallest GIF: 1x1, a two-colour table, one LZW-coded pixel.
    write("image", "dot.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
                              b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    cjpeg = shutil.which("cjpeg")
    if cjpeg:
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "in.ppm")
            with open(source, "wb") as f:
                f.write(b"P6\n6 5\n255\n" + rgb)
            for name, options in (("rgb.jpg", []), ("progressive.jpg", ["-progressive"]), ("grey.jpg", ["-grayscale"])):
                jpeg = subprocess.run([cjpeg, *options, source], check=True, capture_output=True).stdout
                write("image", name, jpeg)

    # XYZ as QM9 ships it (methane, then water with a tab and CRLF), and gzipped.
    methane = (b"5\ngdb 1\tmethane\nC -0.0127 1.0858 0.0080\nH 0.0022 -0.0060 0.0020\n"
               b"H 1.0117 1.4638 0.0003\nH -0.5408 1.4475 -0.8766\nH -0.5238 1.4379 0.9064\n")
    water = b"3\r\nwater\r\nO\t0.0 0.0 0.1173\r\nh 0.0 0.7572 -0.4692\r\n1 0.0 -0.7572 -0.4692\r\n"
    write("xyz", "methane_water.xyz", methane + water)
    write("xyz", "methane.xyz.gz", gzip.compress(methane, mtime=0))


if __name__ == "__main__":
    main()
