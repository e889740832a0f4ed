// GOV.UK Frontend's components (error summary focus, buttons, banners) on every page.
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()
