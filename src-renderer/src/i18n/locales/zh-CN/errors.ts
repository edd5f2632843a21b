import type { errors as en } from '../en/errors'

export const errors: typeof en = {
  codes: {
    'invalid-payload': '请求被拒绝：输入无效。',
    'unknown-method': '应用请求了此版本不认识的操作。',
    'not-found': '所请求的对象不存在。',
    busy: '正忙于另一项任务，请在它结束后重试。',
    data: '数据有误，无法使用。',
    engine: '引擎出错。',
    unauthorized: '尚未登录：请打开网页模式打印出的带令牌的地址。',
    forbidden: '只能使用你在应用中选择过的文件夹。',
    permission: '无法读取或写入某个文件或文件夹：权限被拒绝。',
    io: '磁盘读写失败。',
    internal: 'ConvLab 内部出错。'
  },
  reasons: {
    fsMissing: '{path} 不存在。',
    fsNotFolder: '{path} 不是文件夹（路径中的某一部分是文件）。',
    fsIsFolder: '{path} 是文件夹，不是文件。',
    fsDenied: '无法访问 {path}：权限被拒绝。',
    fsNotPermitted: '无法更改 {path}：不允许该操作。',
    fsReadOnly: '{path} 位于只读文件系统上。',
    fsFull: '无法写入 {path}：磁盘已满。',
    fsIo: '无法读写 {path}：磁盘报告了 I/O 错误。',
    invalidField: '无效：{field}。',
    runMissing: '不存在运行 {run}。',
    runTraining: '运行 {run} 仍在训练中。',
    runFailedNoModel: '运行 {run} 失败了，没有训练好的模型。',
    runNoModel: '运行 {run} 没有训练好的模型。',
    trainingBusy: '已有一个运行在训练；请等待它结束或取消它。',
    recipeBusy: '研究视图的一键配方正在训练；请等待它结束或取消它。',
    stackMissing: '没有名为 {name} 的已保存网络结构。',
    runAlreadyDone: '运行 {run} 已训练完计划的全部迭代周期，无需恢复；请改用“继续训练”。',
    runNotCompleted: '运行 {run} 尚未完成：请先恢复训练。',
    runNoEpoch: '运行 {run} 没有保存任何完成的迭代周期，无法接着训练：请重新训练。',
    runNoOptimizer: '运行 {run} 保存时没有优化器状态：勾选“重新开始优化器”后才能接着训练。',
    runsReadOnly: '运行记录文件夹是只读的：运行记录只能查看，不能更改。',
    stack: '这个网络无法作为分类器训练。'
  }
}
