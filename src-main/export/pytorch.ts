/**
 * `export --format pytorch`: a folder that runs without ConvLab. model.py builds the same
 * network as `nn.Sequential` (PyTorch's layer names, in order) and loads weights.safetensors,
 * written here in PyTorch's layouts: conv [out, in, kh, kw], linear [out, in] with the first one
 * after Flatten in NCHW order (ConvLab's own flatten order), BatchNorm with its running statistics.
 */
import type { LayerWeights } from '../engine/process/protocol'
import type { ModelSpec } from '../shared/layers'
import { describeHead, type OutputKind } from '../shared/shapes'
import { predictPy } from './predict-py'
import { encodeSafetensors, type SafeTensor } from './safetensors'
import { planTorchModules, type HelperModule, type TorchPlan } from './torch-modules'
import { ExportError } from './torch-modules'
import { trainPy, type TrainRecipe } from './train-py'

export interface PytorchSource {
  spec: ModelSpec
  classNames: string[]
  /** Trained weights; without them only the code is exported (a stack from Build). */
  weights?: LayerWeights[]
  /** A Fashion-MNIST run's recipe, for train.py; other runs and bare stacks get none. */
  recipe?: TrainRecipe
  /** Where the model came from, for the files' headers. */
  origin: string
  convlabVersion: string
}

const HELPERS: Record<HelperModule, string> = {
  BlurPool2d: `class BlurPool2d(nn.Module):
    """Zhang 2019's anti-aliased max pooling, as ConvLab computes it: the max over \`pool\` at
    stride 1, then a fixed binomial blur of \`blur\` taps, reflection padded, every \`stride\` px."""

    def __init__(self, channels, pool=2, blur=3, stride=2):
        super().__init__()
        self.pool, self.stride, self.channels = pool, stride, channels
        taps = torch.tensor({2: [1.0, 1.0], 3: [1.0, 2.0, 1.0], 5: [1.0, 4.0, 6.0, 4.0, 1.0]}[blur])
        taps = taps / taps.sum()
        kernel = (taps[:, None] * taps[None, :]).expand(channels, 1, blur, blur).contiguous()
        # Fixed, not learned: kept out of the state_dict, as ConvLab has no weights for it.
        self.register_buffer("kernel", kernel, persistent=False)
        self.pads = ((blur - 1) // 2, blur // 2)

    def forward(self, x):
        x = F.max_pool2d(x, self.pool, stride=1)
        before, after = self.pads
        x = F.pad(x, (before, after, before, after), mode="reflect")
        return F.conv2d(x, self.kernel, stride=self.stride, groups=self.channels)
`,
  AvgPool2dSame: `class AvgPool2dSame(nn.Module):
    """Average pooling with TensorFlow's 'same' padding: the padded cells are left out of the
    average (PyTorch's AvgPool2d can do that only for padding equal on both sides)."""

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        total = F.avg_pool2d(F.pad(x, self.padding), self.kernel_size, self.stride)
        count = F.avg_pool2d(F.pad(torch.ones_like(x[:1, :1]), self.padding), self.kernel_size, self.stride)
        return total / count
`
}

const READER = `def read_safetensors(path):
    """The tensors of a .safetensors file: with the safetensors package when it is installed,
    else read here (8 bytes of header length, a JSON header, then the raw little-endian data)."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        pass
    else:
        return load_file(path)
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = bytearray(data[8 + length + start : 8 + length + end])
        tensors[name] = torch.frombuffer(raw, dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return tensors
`

function pyString(text: string): string {
  return JSON.stringify(text)
}

export function modelPy(source: PytorchSource, plan: TorchPlan): string {
  const { spec } = source
  const layers = plan.modules.map((m) => `        ${m.code},`).join('\n')
  const helpers = plan.helpers.map((h) => `\n\n${HELPERS[h]}`).join('')
  const loadBody = source.weights
    ? `    model = build()
    model.load_state_dict(read_safetensors(path))
    return model.eval()`
    : `    raise FileNotFoundError(
        "This export holds the network without weights (it came from an untrained layer stack): "
        "train it with train.py or your own loop."
    )`
  return `"""${spec.name}, exported from ConvLab ${source.convlabVersion} (${source.origin}).

build() returns the network as nn.Sequential, with PyTorch's layers in ConvLab's order;
load() returns it with the trained weights of weights.safetensors, in eval mode.
Input: float32 [N, ${spec.inputShape.join(', ')}]${spec.inputShape.length === 3 ? ', pixels / 255 (0..1), light on dark as Fashion-MNIST' : ''}.
Output: ${spec.layers.at(-1)?.type === 'softmax' ? 'class probabilities' : 'logits (apply softmax for probabilities)'}, one per class of CLASS_NAMES.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SHAPE = (${spec.inputShape.join(', ')}${spec.inputShape.length === 1 ? ',' : ''})
CLASS_NAMES = [${source.classNames.map(pyString).join(', ')}]
WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.safetensors")${helpers}


def build():
    return nn.Sequential(
${layers}
    )


${READER}

def load(path=WEIGHTS):
${loadBody}


if __name__ == "__main__":
    print(build())
`
}

/** The state_dict as safetensors entries, checked against the plan so no tensor lands wrong. */
export function stateDict(plan: TorchPlan, weights: readonly LayerWeights[]): SafeTensor[] {
  const tensors: SafeTensor[] = []
  for (const [moduleIndex, module] of plan.modules.entries()) {
    if (!module.weightsOf) continue
    const { specIndex, kind } = module.weightsOf
    const layer = weights.find((w) => w.index === specIndex)
    if (!layer) throw new ExportError(`Layer ${specIndex + 1} has no trained weights in this run.`)
    for (const t of layer.tensors) {
      tensors.push({ name: `${moduleIndex}.${t.name}`, dtype: 'F32', shape: t.shape, data: t.values })
    }
    if (kind === 'batchnorm') tensors.push({ name: `${moduleIndex}.num_batches_tracked`, dtype: 'I64', shape: [], data: new BigInt64Array([0n]) })
  }
  return tensors
}

export function readmeMd(source: PytorchSource, hasWeights: boolean, hasPredict: boolean): string {
  return `# ${source.spec.name} for PyTorch

Exported from ConvLab ${source.convlabVersion} (${source.origin}).

| File | What it is |
| --- | --- |
| \`model.py\` | \`build()\`: the network as \`nn.Sequential\`; \`load()\`: the same with the trained weights, in eval mode. \`python3 model.py\` prints the network. |
${hasWeights ? '| `weights.safetensors` | The weights in PyTorch\'s layouts (the state_dict of `build()`). Read with the `safetensors` package when it is installed, else by `model.py` itself. |\n' : ''}${source.recipe ? '| `train.py` | The run\'s recipe on Fashion-MNIST (optimizer, learning rate, batch, epochs, seed, shift augmentation), as one process or under `torchrun`; writes `weights.safetensors`. |\n' : ''}${hasPredict ? '| `predict.py` | `python3 predict.py IMAGE...`: each image preprocessed as ConvLab does (grey, fitted, a light background inverted, /255) and its class probabilities; `--json` for JSON. Needs Pillow (Debian: `python3-pil`). |\n' : ''}
Needs PyTorch (1.13 or newer). In Python, from this folder:

\`\`\`python
import torch
import model

net = model.load()
x = torch.zeros(1, *model.INPUT_SHAPE)   # your images, preprocessed as ConvLab does
print(model.CLASS_NAMES[net(x).argmax(1).item()])
\`\`\`
${source.recipe ? `
Train again, on this machine's cores or on GPUs (Fashion-MNIST's IDX files are looked for in
\`~/.convlab/fashion-mnist\` and \`/usr/share/datasets/fashion-mnist\`, or give \`--data DIR\`):

\`\`\`sh
python3 train.py --epochs 2                          # one process
torchrun --standalone --nproc_per_node 4 train.py    # four processes (DistributedDataParallel)
python3 train.py --resume --epochs 1                 # more epochs from weights.safetensors
\`\`\`

Debian's PyTorch 1.13 on Python 3.11 has a torchrun that fails before starting ("'NoneType'
object has no attribute 'get'"); add \`--redirects 1 --tee 1\` to its options there.
` : ''}`
}

export interface ExportFiles {
  [name: string]: string | Uint8Array
}

/** predict.py reads grey images into a trained classifier: it needs weights and a 1xHxW input. */
function predictable(source: PytorchSource): OutputKind | undefined {
  const [channels, ...rest] = source.spec.inputShape
  if (!source.weights || channels !== 1 || rest.length !== 2) return undefined
  const head = describeHead(source.spec)
  return head.ok ? head.kind : undefined
}

export function pytorchExport(source: PytorchSource): ExportFiles {
  const plan = planTorchModules(source.spec)
  const kind = predictable(source)
  const files: ExportFiles = { 'model.py': modelPy(source, plan), 'README.md': readmeMd(source, !!source.weights, !!kind) }
  if (source.recipe) files['train.py'] = trainPy(source.recipe)
  if (kind) files['predict.py'] = predictPy(kind)
  if (source.weights) {
    files['weights.safetensors'] = encodeSafetensors(stateDict(plan, source.weights), {
      format: 'pt',
      convlab: source.convlabVersion,
      model: source.spec.name
    })
  }
  return files
}
