// GOV.UK Frontend's components (error summary focus, buttons, banners) on every page.
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()

// == triage ==
// MOJ multi-select: a "select all" checkbox in the table's first header cell, added only when
// scripts run (without them each row's checkbox still works on its own).
for (const table of document.querySelectorAll('[data-module="tasking-multi-select"]')) {
  const cell = table.querySelector(table.dataset.multiSelectCheckbox)
  const boxes = [...table.querySelectorAll('tbody .govuk-checkboxes__input')]
  if (!cell || boxes.length === 0) continue
  cell.innerHTML = `<div class="govuk-checkboxes govuk-checkboxes--small tasking-triage__checkbox">
    <div class="govuk-checkboxes__item">
      <input class="govuk-checkboxes__input" id="triage-select-all-box" type="checkbox">
      <label class="govuk-label govuk-checkboxes__label" for="triage-select-all-box"><span class="govuk-visually-hidden">Select all cases on this page</span></label>
    </div></div>`
  const all = cell.querySelector('input')
  const update = () => {
    const ticked = boxes.filter((box) => box.checked).length
    all.checked = ticked === boxes.length
    all.indeterminate = ticked > 0 && ticked < boxes.length
  }
  all.addEventListener('change', () => {
    for (const box of boxes) box.checked = all.checked
    update()
  })
  for (const box of boxes) box.addEventListener('change', update)
  update()
}

// == case list, map and my work ==

// == case page ==

// == finance ==

// == meetings ==
