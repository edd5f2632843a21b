import { watchEffect } from 'vue'
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { t } from './i18n'
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
  { path: '/build', name: 'build', component: BuildView },
  { path: '/data', name: 'data', component: DataView },
  { path: '/train', name: 'train', component: TrainView },
  { path: '/runs', name: 'runs', component: RunsView },
  { path: '/shift', name: 'shift', component: ShiftView },
  { path: '/study', name: 'study', component: StudyView },
  { path: '/predict', name: 'predict', component: PredictView },
  { path: '/learn', name: 'learn', component: LearnView }
] as const satisfies readonly RouteRecordRaw[]

// Hash history: the route lives in the fragment, so a reload of any view asks the app://
// protocol or the web server for index.html alone, and both transports keep the same URLs.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [{ path: '/', redirect: '/build' }, ...LAB_ROUTES, { path: '/:unknown(.*)*', redirect: '/build' }]
})

export type LabRouteName = (typeof LAB_ROUTES)[number]['name']

function isLabRoute(name: unknown): name is LabRouteName {
  return LAB_ROUTES.some((r) => r.name === name)
}

// The window title follows the view and the language.
watchEffect(() => {
  const name = router.currentRoute.value.name
  document.title = isLabRoute(name) ? `${t(`shell.routes.${name}.title`)} · ConvLab` : 'ConvLab'
})
