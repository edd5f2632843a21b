/**
 * train.py of a PyTorch export: the run's recipe (data, optimizer, learning rate, batch, epochs,
 * seed, shift augmentation) as a script that runs as one process, and unchanged under torchrun
 * with DistributedDataParallel: a DistributedSampler reshuffled by set_epoch, gloo on CPUs and
 * nccl on GPUs, and printing and saving on rank 0 only.
 */
import type { AugmentConfig, TrainConfig } from '../shared/contract'
import type { LossName } from '../shared/shapes'

/** A Fashion-MNIST run's recipe; train.py reads Fashion-MNIST's IDX files (10 classes). */
export interface TrainRecipe {
  config: Pick<TrainConfig, 'optimizer' | 'learningRate' | 'batchSize' | 'epochs' | 'seed' | 'limit' | 'testLimit'> & { augment?: AugmentConfig }
  loss: LossName
}

const LOSSES: Record<LossName, string> = {
  'softmax-crossentropy': 'nn.CrossEntropyLoss()',
  'categorical-crossentropy': 'lambda out, y: F.nll_loss(torch.log(out.clamp(1e-7, 1)), y)',
  'binary-crossentropy': 'lambda out, y: F.binary_cross_entropy(out.reshape(-1).clamp(1e-7, 1 - 1e-7), y.float())',
  'binary-crossentropy-logits': 'lambda out, y: F.binary_cross_entropy_with_logits(out.reshape(-1), y.float())'
}

export function trainPy(recipe: TrainRecipe): string {
  const { config } = recipe
  const json = JSON.stringify(
    {
      optimizer: config.optimizer,
      learning_rate: config.learningRate,
      batch_size: config.batchSize,
      epochs: config.epochs,
      seed: config.seed ?? 0,
      limit: config.limit ?? null,
      test_limit: config.testLimit ?? null,
      augment: config.augment ? { max_shift: config.augment.maxShift, axes: config.augment.axes, mode: config.augment.mode } : null
    },
    null,
    4
  )
  return `"""Trains the exported network with the recipe of its ConvLab run.

One process:        python3 train.py [--epochs N] [--limit N] [--test-limit N] [--data DIR] [--out FILE]
Several processes:  torchrun --nproc_per_node 2 train.py ...
Several machines:   torchrun --nnodes 2 --nproc_per_node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29500 train.py ...

Under torchrun each process trains on its share of every epoch (DistributedSampler) and
DistributedDataParallel averages the gradients: gloo on CPUs, nccl on GPUs. The batch size is
the run's, over all processes together. Rank 0 prints and saves weights.safetensors.
"""
import argparse
import gzip
import json
import os
import struct

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import model

RECIPE = json.loads("""
${json}
""")
LOSS = ${LOSSES[recipe.loss]}
FASHION_MNIST_PLACES = [
    os.path.join(os.environ.get("CONVLAB_HOME", os.path.expanduser("~/.convlab")), "fashion-mnist"),
    "/usr/share/datasets/fashion-mnist",
]
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def find_file(folder, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    return None


def fashion_mnist(folder, split, limit):
    folders = [folder] if folder else FASHION_MNIST_PLACES
    for place in folders:
        images, labels = (find_file(place, name) for name in FILES[split])
        if images and labels:
            x = read_idx(images)[:limit].float().div(255).unsqueeze(1)
            return TensorDataset(x, read_idx(labels)[:limit].long())
    raise SystemExit(f"Fashion-MNIST's {split} files are not in {', '.join(folders)}: give --data DIR.")


def shifted(x, generator):
    """Every image moved by its own random -k..k pixels, as ConvLab's --augment-shift does."""
    augment = RECIPE["augment"]
    if not augment or augment["max_shift"] == 0:
        return x
    k = augment["max_shift"]
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        dy = int(torch.randint(-k, k + 1, (1,), generator=generator)) if "y" in augment["axes"] else 0
        dx = int(torch.randint(-k, k + 1, (1,), generator=generator)) if "x" in augment["axes"] else 0
        image = torch.roll(x[i], shifts=(dy, dx), dims=(-2, -1))
        if augment["mode"] == "zero":
            h, w = image.shape[-2:]
            rows = torch.arange(h).unsqueeze(1) - dy
            cols = torch.arange(w).unsqueeze(0) - dx
            image = image * ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w))
        out[i] = image
    return out


def save_safetensors(state, path):
    """model.py's reader reads this back; so does the safetensors package."""
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        blob = tensor.detach().cpu().contiguous().numpy().tobytes()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[tensor.dtype]
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header)
    text += " " * (-(8 + len(text)) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs))
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the folder of Fashion-MNIST's IDX files (searched for when absent)")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--limit", type=int, default=RECIPE["limit"], help="train on the first N images")
    parser.add_argument("--test-limit", type=int, default=RECIPE["test_limit"], help="test on the first N test images (all when absent)")
    parser.add_argument("--lr", type=float, default=RECIPE["learning_rate"])
    parser.add_argument("--seed", type=int, default=RECIPE["seed"])
    parser.add_argument("--resume", action="store_true", help="start from weights.safetensors instead of fresh weights")
    parser.add_argument("--out", default=model.WEIGHTS)
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)

    torch.manual_seed(args.seed)
    net = (model.load() if args.resume else model.build()).to(device)
    trained = DistributedDataParallel(net, device_ids=[local_rank] if device.type == "cuda" else None) if distributed else net
    train = fashion_mnist(args.data, "train", args.limit)
    test = fashion_mnist(args.data, "test", args.test_limit)
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=args.seed) if distributed else None
    batch = max(1, RECIPE["batch_size"] // world)
    loader = DataLoader(train, batch_size=batch, shuffle=sampler is None, sampler=sampler, generator=torch.Generator().manual_seed(args.seed))
    make = torch.optim.Adam if RECIPE["optimizer"] == "adam" else torch.optim.SGD
    optimizer = make(trained.parameters(), lr=args.lr)
    shifts = torch.Generator().manual_seed(args.seed + rank)

    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        trained.train()
        total, count = torch.zeros(2, device=device), 0
        for x, y in loader:
            x, y = shifted(x, shifts).to(device), y.to(device)
            optimizer.zero_grad()
            loss = LOSS(trained(x), y)
            loss.backward()
            optimizer.step()
            total[0] += loss.detach() * len(y)
            total[1] += len(y)
        if distributed:
            dist.all_reduce(total)
        if rank == 0:
            accuracy = evaluate(net, test, device)
            print(f"epoch {epoch + 1}/{args.epochs}: loss {(total[0] / total[1]).item():.4f}, test accuracy {accuracy:.2%} ({world} process{'es' if world > 1 else ''})", flush=True)
    if rank == 0:
        save_safetensors(net.state_dict(), args.out)
        print(f"saved {args.out}")
    if distributed:
        dist.destroy_process_group()


@torch.no_grad()
def evaluate(net, data, device):
    net.eval()
    correct = 0
    for x, y in DataLoader(data, batch_size=256):
        correct += (net(x.to(device)).argmax(1).cpu() == y).sum().item()
    return correct / len(data)


if __name__ == "__main__":
    main()
`
}
