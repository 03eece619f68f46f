// Draws every Plotly figure the server rendered into a data-plotly-figure attribute, with the
// plotly.js this server serves. Watches for figures that client-side navigation adds later.
(function () {
  function draw(el) {
    var json = el.getAttribute('data-plotly-figure');
    if (!json || el.getAttribute('data-drawn') === json || typeof Plotly === 'undefined') return;
    var fig = JSON.parse(json);
    Plotly.react(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
    el.setAttribute('data-drawn', json);
  }
  function drawAll() {
    document.querySelectorAll('[data-plotly-figure]').forEach(draw);
  }
  function start() {
    drawAll();
    new MutationObserver(drawAll).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-plotly-figure'],
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
