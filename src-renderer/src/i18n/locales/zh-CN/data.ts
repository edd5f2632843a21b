import type { data as en } from '../en/data'

export const data: typeof en = {
  title: '数据',
  intro: '选择模型从什么数据中学习，并先看一看：图像、它们的标签，以及每个类别各有多少张。',
  balance: '类别分布 · {split}',
  samples: '样本',
  split: '数据划分',
  splits: { train: '训练集', test: '测试集' },
  splitNames: { train: '训练集', test: '测试集' },
  fileSeparator: '、',
  skipped: '此文件夹中有 1 个文件不是可读的图像，将被跳过（既不用于训练也不用于测试）： | 此文件夹中有 {n} 个文件不是可读的图像，将被跳过（既不用于训练也不用于测试）：',
  importFaults: {
    notDataset: '{name} 不是 Fashion-MNIST 的 IDX 文件，或者已损坏；未导入。',
    duplicate: '{name} 和 {other} 是数据集的同一部分；只保留了第一个。',
    countMismatch: '{name} 有 {count} 项，而 {other} 有 {otherCount} 项；图像和标签必须一一对应，所以 {name} 未导入。',
    saveFailed: '{name} 无法保存到 {dir}。'
  },
  refusals: {
    missing: '{dir} 不存在。',
    notFolder: '{dir} 是一个文件，不是文件夹。',
    noFiles: '{dir} 中没有 Fashion-MNIST 的四个文件（{files}，原始或 .gz 格式均可）中的任何一个。',
    lacks: '{dir} 缺少 {files}。'
  },
  noFashionMnist: '没有可显示的 Fashion-MNIST：获取方法见“数据集”一栏。',
  typeFolder: '输入一个文件夹的路径（每个类别一个子文件夹），然后点“使用”。',
  loading: '正在载入样本…',
  pages: '样本分页',
  firstPage: '第一页',
  previous: '‹ 上一页',
  page: '第',
  pageNumber: '页码',
  ofPages: '页，共 {n} 页',
  next: '下一页 ›',
  lastPage: '最后一页',
  range: '第 {from}–{to} 个，共 {total} 个',
  sample: '样本 {n}：{name}',
  nameSplit: '（{split}）',
  nameFirst: '（{split}，前 {n} 张）',
  label: {
    none: '尚未选择数据',
    toy: '玩具数据集',
    folder: '文件夹 {dir}',
    fashionIn: '{dir} 中的 Fashion-MNIST',
    fashion: 'Fashion-MNIST'
  },
  source: {
    legend: '数据集',
    fashionAbout: '70,000 张 28×28 的灰度服饰照片，共 10 个类别',
    looking: '正在查找…',
    foundIn: '位于',
    fashionFolder: 'Fashion-MNIST 文件夹',
    otherFolder: '其他文件夹（可选）',
    dropFiles: '请拖入 Fashion-MNIST 的 .gz 或 -ubyte 文件，或存放它们的文件夹。',
    toy: '玩具数据集',
    toyAbout: '教程中的小矩阵，用来手算验证一个小 CNN',
    folder: '图像文件夹',
    folderAbout: '你自己的图像：每个类别一个子文件夹（cats/、dogs/ …），解码为灰度'
  },
  folderField: {
    use: '使用',
    noPath: '浏览器没有告知拖入的文件夹位于何处；请输入或粘贴它的路径。',
    hint: '输入或粘贴路径，或把文件夹拖到这里。'
  },
  idx: {
    importing: '正在导入…',
    import: '导入 IDX 文件…',
    dropHint: '或把 .gz / -ubyte 文件拖到这里',
    roles: { 'train-images': '训练图像', 'train-labels': '训练标签', 'test-images': '测试图像', 'test-labels': '测试标签' },
    notIdx: '{name} 不是 Fashion-MNIST 文件：文件名应以 .gz、.idx 或 -ubyte 结尾。',
    tooLarge: '{name} 太大：{size} MB 超过了 IDX 文件 {max} MB 的上限。'
  },
  missingHelp:
    '未找到 Fashion-MNIST。查找过：{searched}。\n获取方法：\n- Debian 或 Ubuntu：sudo apt install dataset-fashion-mnist\n- 或者从 {url} 下载四个 .gz 文件，放入 ConvLab 数据文件夹下的 fashion-mnist/，或在下方选择存放它们的文件夹。'
}
