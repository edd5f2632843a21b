import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import BuildView from './views/BuildView.vue'
import DataView from './views/DataView.vue'
import TrainView from './views/TrainView.vue'
import RunsView from './views/RunsView.vue'
import ShiftView from './views/ShiftView.vue'
import PredictView from './views/PredictView.vue'
import LearnView from './views/LearnView.vue'
import StudyView from './views/StudyView.vue'

/** The lab's views in the order a student works through them; the nav bar lists these. */
export const LAB_ROUTES = [
  { path: '/build', name: 'build', component: BuildView, meta: { title: 'Build', hint: 'Stack layers and see their shapes' } },
  { path: '/data', name: 'data', component: DataView, meta: { title: 'Data', hint: 'Choose and browse a dataset' } },
  { path: '/train', name: 'train', component: TrainView, meta: { title: 'Train', hint: 'Train the current stack and watch it learn' } },
  { path: '/runs', name: 'runs', component: RunsView, meta: { title: 'Runs', hint: 'Open and compare past runs' } },
  { path: '/shift', name: 'shift', component: ShiftView, meta: { title: 'Shift', hint: 'How predictions change when the image moves' } },
  { path: '/study', name: 'study', component: StudyView, meta: { title: 'Study', hint: 'Shift robustness over the test set, run against run' } },
  { path: '/predict', name: 'predict', component: PredictView, meta: { title: 'Predict', hint: 'Drop an image, get a prediction' } },
  { path: '/learn', name: 'learn', component: LearnView, meta: { title: 'Learn', hint: 'Convolution step by step, and a CNN checked by hand' } }
] satisfies RouteRecordRaw[]

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    hint?: string
  }
}

// Hash history: the route lives in the fragment, so a reload of any view asks the app://
// protocol or the web server for index.html alone, and both transports keep the same URLs.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [{ path: '/', redirect: '/build' }, ...LAB_ROUTES, { path: '/:unknown(.*)*', redirect: '/build' }]
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · ConvLab` : 'ConvLab'
})
