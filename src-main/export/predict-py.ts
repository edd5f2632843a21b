/**
 * predict.py of a PyTorch export: ConvLab's preprocessing of an image (src-main/data/images.ts)
 * redone with Pillow, then the class probabilities as ConvLab computes them from the network's
 * output. The steps follow sharp/libvips where Pillow differs by default: grey is the luminance
 * of linear-light RGB (libvips' B_W), not Pillow's ITU-R 601 luma, and the fitted size rounds
 * as sharp's does.
 */
import type { OutputKind } from '../shared/shapes'

/** How ConvLab turns each head's output into probabilities (engine/model/head.ts's probabilitiesOf). */
const PROBABILITIES: Record<OutputKind, string> = {
  probabilities: '    return output',
  logits: '    return torch.softmax(output, dim=1)',
  sigmoid: '    p = output.reshape(-1, 1)\n    return torch.cat([1 - p, p], dim=1)',
  'sigmoid-logits': '    p = torch.sigmoid(output.reshape(-1, 1))\n    return torch.cat([1 - p, p], dim=1)'
}

export function predictPy(head: OutputKind): string {
  return `"""Class probabilities for image files, with ConvLab's preprocessing.

    python3 predict.py IMAGE...          # the top class and every class's probability per image
    python3 predict.py --json IMAGE...   # the same as JSON

Needs PyTorch and Pillow (Debian: python3-torch python3-pil). Each image is made grey, fitted
inside the network's input size keeping its aspect, centred on its own border grey, inverted when
that border is light (Fashion-MNIST is light on black) and divided by 255, as ConvLab does.
Pillow's resampling is not libvips', so a resized image's probabilities can differ from ConvLab's
by a little. Grey images already at the input size are read exactly as ConvLab reads them; colour
ones can be a grey level off here and there (libvips rounds through tables).
"""
import argparse
import json
import sys

import torch
from PIL import Image, ImageOps

import model


def srgb_to_linear(v):
    return torch.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    return torch.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def grey(image):
    """8-bit grey as libvips makes it (sharp's greyscale()): the luminance of linear-light RGB,
    encoded back to sRGB. Pillow's convert("L") weighs gamma-encoded values and darkens colours."""
    if image.mode in ("1", "L"):
        return image.convert("L")
    rgb = image.convert("RGB")
    values = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8).reshape(-1, 3).double() / 255
    linear = srgb_to_linear(values) @ torch.tensor([0.2126, 0.7152, 0.0722], dtype=torch.float64)
    levels = (linear_to_srgb(linear) * 255).round().clamp(0, 255).to(torch.uint8)
    return Image.frombytes("L", rgb.size, bytes(levels.tolist()))


def preprocess(path, height, width):
    image = Image.open(path)
    image.seek(0)  # the first frame of a GIF or a multi-page TIFF
    image = ImageOps.exif_transpose(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            # Drawings on a transparent canvas are usually dark strokes: white keeps them visible.
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, rgba).convert("RGB")
        else:
            image = rgba.convert("RGB")
    image = grey(image)
    # Fit inside the input size, sizes rounded as sharp rounds them (half up, at least 1 px).
    shrink = max(image.width / width, image.height / height)
    fitted = (max(1, int(image.width / shrink + 0.5)), max(1, int(image.height / shrink + 0.5)))
    if fitted != image.size:
        # Lanczos 3 after a box reduction to within twice the size, as libvips' resize does.
        image = image.resize(fitted, Image.LANCZOS, reducing_gap=2.0)
    w, h = image.size
    pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).reshape(h, w).float()
    border = torch.cat([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]]) if h > 1 and w > 1 else pixels.flatten()
    background = border.double().mean().item() / 255
    canvas = torch.full((height, width), background, dtype=torch.float32)
    top, left = (height - h) // 2, (width - w) // 2
    canvas[top : top + h, left : left + w] = pixels / 255
    if background > 0.5:
        canvas = 1 - canvas
    return canvas


def probabilities(output):
${PROBABILITIES[head]}


def main():
    parser = argparse.ArgumentParser(description="Class probabilities for image files, preprocessed as ConvLab does.")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--json", action="store_true", help="print JSON: file, class, probabilities per image")
    args = parser.parse_args()
    channels, height, width = model.INPUT_SHAPE
    net = model.load()
    batch = torch.stack([preprocess(path, height, width) for path in args.images]).reshape(-1, channels, height, width)
    with torch.no_grad():
        p = probabilities(net(batch))
    results = []
    for path, row in zip(args.images, p.tolist()):
        top = max(range(len(row)), key=row.__getitem__)
        results.append({"file": path, "predicted": top, "className": model.CLASS_NAMES[top], "probabilities": row})
    if args.json:
        json.dump(results, sys.stdout)
        print()
        return
    for r in results:
        print(f"{r['file']}: {r['className']} ({100 * r['probabilities'][r['predicted']]:.1f}%)")
        for name, value in zip(model.CLASS_NAMES, r["probabilities"]):
            print(f"  {name:<{max(map(len, model.CLASS_NAMES))}}  {100 * value:5.1f}%")


if __name__ == "__main__":
    main()
`
}
