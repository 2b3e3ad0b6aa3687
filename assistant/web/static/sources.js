// Card buttons talk to Python through the HTML component's own event: one delegated listener survives re-renders.
element.addEventListener('click', (ev) => {
  const button = ev.target.closest('[data-action="similar"]');
  if (button) trigger('click', {action: 'similar', paper_id: button.dataset.paperId});
});
let selections = 0;  // numbers each selection event: two ticks in quick succession may be handled out of order
element.addEventListener('change', (ev) => {
  if (!ev.target.matches('input[data-action="select"]')) return;
  const ids = [...element.querySelectorAll('input[data-action="select"]:checked')].map((box) => box.value);
  trigger('click', {action: 'select', ids: ids, seq: ++selections});
});
