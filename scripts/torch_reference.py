#!/usr/bin/env python3
"""PyTorch reference for ConvLab's benchmarks and numbers (never a runtime dependency).

  python3 scripts/torch_reference.py bench [--seconds 10] [--batch 32] [--threads 2]
      images/s for the tutorial's seed-mlp and seed-cnn, training and inference, as JSON.
  python3 scripts/torch_reference.py tutorial [--data /usr/share/datasets/fashion-mnist] [--epochs 5]
      the tutorial's MLP experiment: train, test accuracy, and the shift rows for index 24150.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def seed_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 1000), nn.ReLU(), nn.Linear(1000, 10))


def seed_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 64, 3), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(64, 128, 3), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(3200, 256), nn.ReLU(), nn.Linear(256, 10))


MODELS = {
    # The tutorial trains the MLP with SGD and the CNN with Adam; both at batch 32.
    'seed-mlp': (seed_mlp, lambda p: torch.optim.SGD(p, lr=1e-2)),
    'seed-cnn': (seed_cnn, lambda p: torch.optim.Adam(p, lr=1e-3)),
}


WARM_UP_SECONDS = 1.0  # as src-main/engine/bench.ts: caches, allocators and JITs settle first


def timed(step, seconds, batch):
    start = time.perf_counter()
    while time.perf_counter() - start < WARM_UP_SECONDS:
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return n * batch / (time.perf_counter() - start)


def bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = []
    for name, (make, make_opt) in MODELS.items():
        model = make()
        opt = make_opt(model.parameters())
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(args.batch, 1, 28, 28)
        y = torch.randint(0, 10, (args.batch,))

        def train_step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

        xi = torch.rand(args.infer_batch, 1, 28, 28)

        def infer_step():
            with torch.no_grad():
                model(xi)

        results.append({
            'model': name,
            'train_images_per_sec': timed(train_step, args.seconds, args.batch),
            'infer_images_per_sec': timed(infer_step, args.seconds, args.infer_batch),
        })
    print(json.dumps({'engine': 'pytorch', 'version': torch.__version__, 'threads': args.threads,
                      'batch': args.batch, 'infer_batch': args.infer_batch, 'results': results}))


def read_idx(path):
    with gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb') as f:
        data = f.read()
    _, _, dtype, ndim = struct.unpack('>BBBB', data[:4])
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def tutorial(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def load(prefix):
        x = read_idx(os.path.join(args.data, prefix + '-images-idx3-ubyte.gz'))
        y = read_idx(os.path.join(args.data, prefix + '-labels-idx1-ubyte.gz'))
        return torch.tensor(x / 255., dtype=torch.float32), torch.tensor(y, dtype=torch.long)

    tr_x, tr_y = load('train')
    te_x, te_y = load('t10k')
    model = seed_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(tr_x))
        start = time.perf_counter()
        for i in range(0, len(tr_x), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss_fn(model(tr_x[idx]), tr_y[idx]).backward()
            opt.step()
        with torch.no_grad():
            acc = (model(te_x).argmax(1) == te_y).float().mean().item()
        print(json.dumps({'epoch': epoch + 1, 'seconds': time.perf_counter() - start, 'test_accuracy': acc}),
              file=sys.stderr)
    img = tr_x[24150].numpy()
    rows = []
    with torch.no_grad():
        for px in range(-5, 6):
            logits = model(torch.tensor(np.roll(img, px, axis=1)).view(1, 784))
            rows.append(torch.softmax(logits, 1)[0].tolist())
    print(json.dumps({'test_accuracy': acc, 'label': int(tr_y[24150]), 'shifts': list(range(-5, 6)),
                      'probabilities': rows}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    b = sub.add_parser('bench')
    b.add_argument('--seconds', type=float, default=10)
    b.add_argument('--batch', type=int, default=32)
    b.add_argument('--infer-batch', type=int, default=256)
    b.add_argument('--threads', type=int, default=2)
    t = sub.add_parser('tutorial')
    t.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    t.add_argument('--epochs', type=int, default=5)
    t.add_argument('--threads', type=int, default=2)
    t.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    bench(args) if args.command == 'bench' else tutorial(args)


if __name__ == '__main__':
    main()
