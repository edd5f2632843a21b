/**
 * The only Chart.js pieces the lab draws with, registered once: a smaller bundle than
 * `registerables`, and a chart type added later fails loudly instead of silently bloating it.
 */
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip
} from 'chart.js'

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Filler, Legend, Tooltip)

export { Chart }
