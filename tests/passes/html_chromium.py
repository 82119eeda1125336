#!/usr/bin/env python3
"""The HTML dump of model_gpt_block renders in headless Chromium: the page's script draws one node
per instruction of the dumped module (counted in the DOM after the scripts ran, and matched by
name against the text dump of the same module), and a screenshot of it is a real picture.

usage: html_chromium.py HLOC CASES_DIR
Chromium missing: exit 77 (skipped), or a failure when CI=true, where bootstrap.sh installs it."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTH, HEIGHT = 1600, 1200


def fail(msg):
    print(f"html_chromium: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def instr_names(text):
    """Names of every instruction of every computation of an HLO text dump."""
    names = []
    for line in text.splitlines():
        m = re.match(r"^\s+(?:ROOT\s+)?%?([^\s=]+)\s+=\s", line)
        if m:
            names.append(m.group(1))
    return names


def png_pixels(data):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG: (width, height, channels, rows of bytes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("screenshot is not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if not ihdr:
        fail("PNG without IHDR")
    w, h, depth, color, _, _, interlace = ihdr
    if depth != 8 or color not in (2, 6) or interlace:
        fail(f"unexpected PNG format (depth {depth}, color type {color}, interlace {interlace})")
    ch = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * ch, [], bytearray(w * ch)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - ch] if x >= ch else 0
            b = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def check_screenshot(path):
    data = open(path, "rb").read()
    w, h, ch, rows = png_pixels(data)
    if (w, h) != (WIDTH, HEIGHT):
        fail(f"screenshot is {w}x{h}, asked for {WIDTH}x{HEIGHT}")
    counts = {}
    for row in rows[::4]:
        for x in range(0, w * ch, 4 * ch):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    # A drawn graph has node fills, borders, edges and text: many colours, and a good part of the
    # page not background. A blank or error page has one or two colours.
    if len(counts) < 8 or total - background < total // 100:
        fail(f"screenshot looks empty: {len(counts)} colours, {total - background} of {total} "
             "sampled pixels differ from the background")
    return len(counts), len(data)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    hloc, cases = sys.argv[1], sys.argv[2]
    chromium = find_chromium()
    if not chromium:
        if os.environ.get("CI") == "true":
            fail("chromium is not installed (scripts/bootstrap.sh installs it)")
        print("html_chromium: chromium not installed: skipped")
        return 77
    model = os.path.join(cases, "model_gpt_block", "model.hlo")
    with tempfile.TemporaryDirectory(prefix="hloc-html-") as tmp:
        dump = os.path.join(tmp, "dump")
        r = subprocess.run([hloc, "opt", model, "--dump-dir", dump, "--dump-format", "html,text"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"hloc opt failed: {r.stderr}")
        html = [f for f in os.listdir(dump) if f.endswith(".after_optimizations.html")]
        if len(html) != 1:
            fail(f"expected one after_optimizations.html dump in {sorted(os.listdir(dump))}")
        page = os.path.join(dump, html[0])
        text = open(page[:-len(".html")] + ".txt").read()
        names = instr_names(text)
        if len(names) < 50:
            fail(f"only {len(names)} instructions in the text dump")

        # A profile of our own, so runs neither share state nor touch $HOME.
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--user-data-dir={os.path.join(tmp, 'profile')}", f"--window-size={WIDTH},{HEIGHT}"]
        url = "file://" + os.path.abspath(page)
        shot = os.path.join(tmp, "graph.png")
        r = subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, text=True,
                           timeout=180)
        if r.returncode != 0 or not os.path.exists(shot):
            fail(f"chromium --screenshot failed ({r.returncode}): {r.stderr[-2000:]}")
        colours, size = check_screenshot(shot)

        r = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            fail(f"chromium --dump-dom failed ({r.returncode}): {r.stderr[-2000:]}")
        dom = r.stdout
        drawn = re.findall(r'<g [^>]*\bdata-instr="([^"]*)"', dom)
        drawn = [n.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                 for n in drawn]
        if len(drawn) != len(names):
            fail(f"the page draws {len(drawn)} nodes, the module has {len(names)} instructions")
        if sorted(drawn) != sorted(names):
            missing = sorted(set(names) - set(drawn))[:10]
            fail(f"drawn nodes differ from the module's instructions, e.g. missing {missing}")
        if len(re.findall(r'<path [^>]*class="edge"', dom)) == 0:
            fail("the page draws no edges")
        print(f"html_chromium: {len(drawn)} nodes for {len(names)} instructions; screenshot "
              f"{size} bytes, {colours} colours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
