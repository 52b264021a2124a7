// Progressive help only: every page works without it.
// A form with data-confirm asks before it posts (disconnect, revoke, remove).
document.addEventListener('submit', (event) => {
  const form = event.target
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault()
})
// Print sheets have a button that prints.
document.addEventListener('click', (event) => {
  const el = event.target
  if (el instanceof HTMLElement && el.dataset.print !== undefined) window.print()
})
