() => { if (new URLSearchParams(window.location.search).get('view') === 'map') {
  setTimeout(() => document.querySelector('#pa-map-panel')?.scrollIntoView({block: 'start'}), 300); } }
