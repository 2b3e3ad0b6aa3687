// Hover card and clicks, delegated from the HTML component's root (survives re-renders). The card is filled with
// textContent only: listing text never becomes markup here.
const tip = () => element.querySelector('.pa-map-tip');
element.addEventListener('mouseover', (ev) => {
  const point = ev.target.closest('.pa-pt');
  const card = tip();
  if (!card) return;
  if (!point) { card.hidden = true; return; }
  card.textContent = '';
  const title = document.createElement('b');
  title.textContent = point.dataset.title;
  const meta = document.createElement('div');
  meta.textContent = [point.dataset.authors, point.dataset.decision].filter(Boolean).join(' · ');
  card.append(title, meta);
  const box = element.querySelector('.pa-map').getBoundingClientRect();
  card.style.left = (ev.clientX - box.left + 14) + 'px';
  card.style.top = (ev.clientY - box.top + 14) + 'px';
  card.hidden = false;
});
element.addEventListener('mouseleave', () => { const card = tip(); if (card) card.hidden = true; });
element.addEventListener('click', (ev) => {
  const topic = ev.target.closest('[data-action="cluster"]');
  if (topic) { trigger('click', {action: 'cluster', cluster: Number(topic.dataset.cluster)}); return; }
  const point = ev.target.closest('.pa-pt');
  if (point) trigger('click', {action: 'point', paper_id: point.dataset.id});
});
