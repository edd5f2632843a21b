import type { predict as en } from '../en/predict'

export const predict: typeof en = {
  title: '预测',
  intro: '把你自己的图片拖到窗口中的任意位置。每张图片都会被转换成 Fashion-MNIST 模型所期望的样子——一张黑底浅色物体的小灰度图像——由你选择的运行来判断它看到了什么。',
  settings: '预测设置',
  runLabel: '用于预测的运行',
  choose: '选择图像…',
  clear: '全部清除',
  count: '{n} 张图像 | {n} 张图像',
  done: '已完成 {n} 张',
  unreadable: '{n} 张无法读取',
  noRun: '还没有训练好的运行，因此图像只会被解码。请在',
  noRunLink: '训练',
  noRunEnd: '中训练一个模型以查看预测。',
  emptyTitle: '把图像拖到窗口中的任意位置',
  emptyFormats: 'PNG、JPEG、WebP、BMP 或 GIF，可一次多张；也可以用“选择图像…”。',
  emptyTip: '纯色背景上的服饰照片效果最好。',
  tooLarge: '{name} 太大：{size} MB 超过了图像 {max} MB 的上限。',
  card: {
    remove: '移除 {name}',
    asDropped: '拖入的 {name}',
    original: '原图 · {size}',
    asModelSees: '模型眼中的 {name}',
    modelSees: '模型看到的 · {size}',
    preprocessing: '预处理：',
    noneNeeded: '无需处理',
    decoding: '正在解码…',
    predicting: '正在预测…'
  },
  faults: {
    empty: '{name} 是空文件。',
    tooManyBytes: '{name} 太大：{mb} MB 超过了图像 {limit} MB 的上限。',
    tooManyPixels: '{name} 太大：{size} 超过了 {limit} 百万像素。',
    unsupported: '{name} 不是支持的图像格式；ConvLab 可读取 PNG、JPEG、WebP、GIF、TIFF 和 BMP。',
    undecodable: '{name} 无法作为 {format} 图像解码。'
  },
  steps: {
    grey: '转为灰度',
    firstFrame: '取 {n} 帧中的第一帧',
    rotate: '旋转（EXIF 方向 {n}）',
    flatten: '把透明部分铺到白色上',
    resize: '缩放 {from} → {to}',
    centre: '居中放到 {size} 上，用背景灰度填充',
    invert: '反色（浅色背景）'
  },
  runs: {
    none: '无',
    noTrained: '没有训练好的运行',
    leftOutOne: '有 1 个训练好的运行未在此列出（{name}）',
    leftOutMany: '有 {n} 个训练好的运行未在此列出',
    leftOut: '{what}：{reasons}。',
    toyPredict: '它在玩具数据集上训练，对图片一无所知',
    notFashion: '它不是在 Fashion-MNIST 上训练的，而“研究”视图要在其测试集上评分',
    wrongInput: '它的输入是 {shape}，不是 Fashion-MNIST 的 1×28×28',
    unknown: '未知'
  }
}
