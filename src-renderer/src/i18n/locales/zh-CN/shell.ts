import type { shell as en } from '../en/shell'

export const shell: typeof en = {
  skipToView: '跳到视图内容',
  brandLabel: 'ConvLab，转到“搭建”',
  viewsLabel: '视图',
  routes: {
    build: { title: '搭建', hint: '堆叠各层，查看它们的形状' },
    data: { title: '数据', hint: '选择并浏览数据集' },
    train: { title: '训练', hint: '训练当前的网络，看它如何学习' },
    runs: { title: '运行记录', hint: '打开并比较以往的训练运行' },
    shift: { title: '平移', hint: '图像平移时预测如何变化' },
    study: { title: '研究', hint: '在测试集上比较不同运行对平移的稳健性' },
    predict: { title: '预测', hint: '拖入一张图像，得到预测' },
    learn: { title: '学习', hint: '一步一步看卷积，再手算验证一个 CNN' }
  },
  webMode: '网页模式',
  webModeHint: '由本机的 npm run web 提供，数据不会离开本机',
  desktop: '桌面版',
  desktopHint: '桌面应用',
  language: '语言',
  notices: '通知',
  dismiss: '关闭',
  restartEngine: '重启引擎',
  restartFailed: '无法重启引擎：{error}',
  dropTitle: '拖放图像以进行预测',
  dropFormats: 'PNG、JPEG、WebP、BMP 或 GIF · 可一次拖入多张',
  openedFilesFailed: '无法打开交给 ConvLab 的图像：{error}',
  interfaceFailed: '界面出错（{info}）：{error}',
  viewFailed: '无法打开该视图：{error}',
  somethingFailed: '出错了：{error}',
  status: {
    label: '状态',
    backend: '后端：',
    backendUnavailable: '后端：不可用',
    startingEngine: '正在启动引擎…',
    backends: '计算后端',
    tryAgain: '重试',
    whyBackend: '为何选用此后端',
    inUse: '正在使用',
    availableNotChosen: '可用，未选用',
    notAvailable: '不可用',
    backendLabels: {
      'tensorflow-gpu': 'TensorFlow 原生，CUDA GPU',
      tensorflow: 'TensorFlow 原生，CPU',
      wasm: 'WebAssembly',
      cpu: '纯 JavaScript，CPU'
    },
    fashionMnist: 'Fashion-MNIST：',
    fashionMnistMissing: '未找到 Fashion-MNIST ·',
    howToGetIt: '如何获取',
    lookingForData: '正在查找 Fashion-MNIST…',
    reasons: { notInstalled: '未安装 {pkg}', notNeeded: '无需使用：已优先选用 {chosen}', notTried: '未尝试：后端被指定为 {forced}' }
  }
}
