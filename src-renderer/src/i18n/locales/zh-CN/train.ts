import type { train as en } from '../en/train'

export const train: typeof en = {
  title: '训练',
  intro: '在所选数据上训练模型，看它如何学习。切换到其他视图时训练仍会继续。',
  settings: '设置',
  mismatch: {
    inputValues: '模型每张图像接收 {values} 个值，但{data}的图像是 {shape} = {dataValues} 个值：把输入设为 {dataValues}，或设为 {shape} 并在最前面加一个展平层。',
    inputChannels: '模型的输入有 {channels} 个通道，但{data}有 {dataChannels} 个：把输入设为 {dataChannels} 个通道。',
    inputSize: '模型的输入是 {shape}，但{data}的图像是 {dataShape}：把输入设为 {dataShape}。',
    classCount: '模型输出 {classes} 个类别，但{data}有 {dataClasses} 个类别{names}：把最后一层的输出设为 {dataClasses}。',
    names: '（{names}）'
  },
  blocker: {
    presets: '正在载入预设…',
    empty: '“搭建”中的网络是空的：请在那里添加网络层，或选择一个预设。',
    invalid: '“搭建”中的网络无法训练：{error}',
    noData: '请先在“数据”中选择数据集。',
    seeds: {
      notSeed: '随机种子：“{value}”不是种子；请填从 0 开始的整数，用逗号分隔。',
      repeated: '随机种子：{value} 重复了。',
      tooMany: '随机种子：一次最多 {max} 个。'
    }
  },
  seedStep: '第 {index} 个种子，共 {total} 个（种子 {seed}）',
  groupAccuracy: '本组 {n} 个种子的测试准确率：{mean} ± {sd}（均值 ± 标准差）',
  data: '数据',
  change: '更改',
  backend: '后端',
  threads: '线程',
  start: '开始训练',
  cancel: '取消',
  noRun: '尚无运行',
  diverged: '发散：',
  tryLower: '请尝试更小的学习率。',
  curves: '曲线',
  liveNote: '训练时，批量曲线大约每秒更新五次，每个点是自上一个点以来各批量的平均值；运行结束后会载入全部批量。',
  testSet: '测试集',
  testAccuracy: '准确率 {accuracy}',
  testOn: '基于 {count} 张训练中从未见过的图像，{which} · 损失 {loss}',
  testWhole: '即整个测试集',
  testPart: '仅为测试集的前 {n} 张',
  failed: '训练失败：{error}',
  steps: {
    'loading-data': '正在载入数据…',
    'building-model': '正在构建模型…',
    training: '训练中',
    testing: '正在测试集上测试…',
    saving: '正在保存模型…'
  },
  phases: { stopping: '本批量结束后停止…', starting: '正在开始…', completed: '已完成', cancelled: '已取消', failed: '失败', idle: '未开始' },
  form: {
    model: '模型',
    fromBuild: '“搭建”中的当前网络：{name}',
    preset: '预设：{name}',
    optimizer: '优化器',
    learningRate: '学习率',
    batchSize: '批量大小',
    epochs: '迭代周期',
    validation: '验证集比例',
    seeds: '随机种子',
    seedsTitle: '留空：随机种子。一个数：用这个种子。用逗号分隔的多个数（1,2,3）：每个种子依次训练一次，组成一组，用均值 ± 标准差比较。',
    random: '随机',
    limit: '只用前 N 张训练图像',
    limitTitle: '只用前 N 张训练图像训练',
    testLimit: '只测前 N 张',
    testLimitTitle: '只在前 N 张测试图像上测试；留空则用整个测试集',
    all: '全部'
  },
  progress: {
    label: '训练进度',
    epoch: '迭代周期',
    batch: '批量',
    speed: '速度',
    imagesPerSec: '{n} 张图像/秒',
    timeLeft: '剩余时间',
    took: '用时',
    about: '约 {time}',
    loss: '损失（本迭代周期）',
    accuracy: '准确率（本迭代周期）'
  },
  charts: {
    smoothing: '平滑',
    smoothingTitle: '批量曲线的指数移动平均：一个值在迭代周期轴上每前进 1% 时保留的权重',
    logLoss: '损失使用对数坐标',
    loss: '损失',
    accuracy: '准确率',
    lossAxis: '损失（交叉熵）',
    accuracyAxis: '准确率',
    latestLoss: '最新批量损失 {value}',
    latestAccuracy: '最新批量准确率 {value}',
    noneYet: '暂无',
    rawSuffix: '（原始）',
    batchRaw: '批量{what}（原始）',
    batchSmoothed: '批量{what}（平滑）',
    epochSeries: '迭代周期{what}',
    validationSeries: '验证{what}',
    what: { loss: '损失', accuracy: '准确率' },
    epochAxis: '迭代周期',
    by: '{y}随{x}的变化。{description}'
  },
  confusion: {
    label: '混淆矩阵：行是真实类别，列是预测类别',
    corner: '真实 ↓ · 预测 →',
    correct: '正确率',
    correctTitle: '该类别被正确预测的比例',
    cell: '{actual} 被预测为 {predicted}：{count} / {total}',
    classN: '类别 {n}'
  },
  threadCount: {
    count: '{n} 个线程 | {n} 个线程',
    split: { batch: '按批量行', units: '按隐藏单元' },
    withSplit: '{count}（{split}）'
  },
  duration: { s: '{s} 秒', ms: '{m} 分 {s} 秒', hm: '{h} 小时 {m} 分' },
  runLabel: { seed: '种子 {n}', images: '{n} 张图像', epochs: '{n} 个迭代周期', shifts: '平移 ±{k} 像素 {axes}', shiftsZero: '平移 ±{k} 像素 {axes}（补零）', toy: '玩具数据集', folder: '文件夹 {name}', diverged: '已发散', test: '测试 {accuracy}', name: '{model}，数据：{data}' },
  divergence: '损失从 {first} 升到了 {peak}（第 {epoch} 个迭代周期）；权重已保留，但模型没有学到东西'
}
