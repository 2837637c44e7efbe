/**
 * The preview page's own script (the preview page is not the print page: the
 * print page runs no script at all). Listens to Server-Sent Events and swaps
 * in the pages that changed, without reloading, so the scroll position stays.
 */
export const CLIENT_SCRIPT = String.raw`
(() => {
  const pages = document.getElementById('pages');
  const list = document.getElementById('diagnostics');
  const status = document.getElementById('status');
  let state = { pages: [], diagnostics: [] };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const place = (f) => f.line == null ? f.file : f.file + ':' + f.line + ':' + (f.column || 1);
  function marks(p) {
    return p.findings.map((f) => f.rects.map((r, i) =>
      '<div class="mark ' + esc(f.source === 'change' ? 'change' : f.severity) + '" title="' + esc('[' + f.id + '] ' + place(f) + (f.where ? ' ' + f.where : '') + '\n' + f.message) + '" style="left:' + (100 * r.x / p.width) + '%;top:' + (100 * r.y / p.height) + '%;width:' + (100 * r.w / p.width) + '%;height:' + (100 * r.h / p.height) + '%">' +
      (i === 0 ? '<span>' + f.id + (f.ruleId === 'overset' ? ' 超版' : '') + '</span>' : '') + '</div>').join('')).join('');
  }
  // The parts of a page that changed since its picture, laid over it in order, each shown once loaded.
  function showPatches(section) {
    const p = section.bmPage;
    const patches = section.querySelector('.patches');
    const want = p.patches.map((q) => '/page/' + p.index + '/patch/' + q.version + '.jpg');
    for (const el of [...patches.children]) if (!want.includes(el.getAttribute('src'))) el.remove();
    p.patches.forEach((q, i) => {
      if ([...patches.children].some((el) => el.getAttribute('src') === want[i])) return;
      const patch = new Image();
      patch.alt = '';
      patch.style.cssText = 'left:' + (100 * q.x / p.width) + '%;top:' + (100 * q.y / p.height) + '%;width:' + (100 * q.width / p.width) + '%;height:' + (100 * q.height / p.height) + '%';
      patch.onload = () => {
        const now = section.bmPage.patches.map((r) => '/page/' + p.index + '/patch/' + r.version + '.jpg');
        if (patch.isConnected || !now.includes(want[i])) return;
        const after = [...patches.children].find((el) => now.indexOf(el.getAttribute('src')) > now.indexOf(want[i]));
        patches.insertBefore(patch, after || null);
        section.dataset.patches = String(patches.children.length);
      };
      patch.src = want[i];
    });
    section.dataset.patches = String(patches.children.length);
  }
  function renderPage(p) {
    let section = document.getElementById('page-' + p.index);
    if (!section) {
      section = document.createElement('section');
      section.id = 'page-' + p.index;
      section.className = 'page';
      section.innerHTML = '<h2></h2><div class="sheet"><img class="base" alt=""><div class="patches"></div><div class="marks"></div></div>';
      pages.appendChild(section);
    }
    section.querySelector('h2').textContent = '第' + p.label + '版 ' + p.name;
    const sheet = section.querySelector('.sheet');
    sheet.style.aspectRatio = p.width + ' / ' + p.height;
    const img = section.querySelector('img.base');
    const src = '/page/' + p.index + '.png?v=' + p.version;
    section.bmPage = p;
    if (img.getAttribute('src') !== src) {
      // Load the new picture first, then swap: no blank flash, no layout shift (the sheet keeps its size).
      const next = new Image();
      next.onload = () => { img.src = src; section.dataset.version = String(p.version); showPatches(section); };
      next.src = src;
    } else {
      showPatches(section);
    }
    section.querySelector('.marks').innerHTML = marks(p);
  }
  function render(next) {
    state = next;
    for (const p of state.pages) renderPage(p);
    for (const s of [...pages.querySelectorAll('section.page')]) if (!state.pages.some((p) => 'page-' + p.index === s.id)) s.remove();
    const all = [...state.diagnostics, ...state.pages.flatMap((p) => p.findings)];
    list.innerHTML = all.length ? all.map((f) => '<li class="' + esc(f.severity) + '"><a href="#page-' + esc(f.pageIndex ?? '') + '">' + esc(place(f)) + '</a> ' + esc(f.severity) + (f.page ? ' 第' + esc(f.page) + '版' : '') + (f.where ? ' ' + esc(f.where) : '') + ': ' + esc(f.message) + ' <code>' + esc(f.ruleId) + '</code></li>').join('') : '<li>没有问题 no findings</li>';
    status.textContent = state.building ? '排版中…' : '已更新 ' + new Date(state.updated).toLocaleTimeString();
  }
  fetch('/state.json').then((r) => r.json()).then(render);
  const events = new EventSource('/events');
  events.addEventListener('update', (e) => render(JSON.parse(e.data)));
  events.addEventListener('building', () => { status.textContent = '排版中…'; });
})();
`;

export function previewPageHtml(title: string): string {
  return `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>${title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'">
<style>
body{margin:0;font-family:'Noto Sans SC',system-ui,sans-serif;background:#666;display:grid;grid-template-columns:1fr 24rem;min-height:100vh}
#pages{padding:1rem 2rem}.page h2{color:#fff;font-size:1rem;margin:1rem 0 .3rem}
.sheet{position:relative;background:#fff;box-shadow:0 2px 12px rgba(0,0,0,.5);max-width:1100px}
.sheet img.base{display:block;width:100%;height:100%}
.patches{position:absolute;inset:0;pointer-events:none}.patches img{position:absolute;display:block}
.marks{position:absolute;inset:0;pointer-events:none}
.mark{position:absolute;pointer-events:auto;border:1.5px solid;box-sizing:border-box}
.mark span{position:absolute;left:-1px;top:-1.2em;font:700 11px/1.2em sans-serif;color:#fff;padding:0 3px;white-space:nowrap}
.mark.error{border-color:#d00;background:rgba(220,0,0,.14)}.mark.error span{background:#d00}
.mark.warning{border-color:#e70;background:rgba(238,119,0,.12)}.mark.warning span{background:#e70}
.mark.info{border-color:#25d;background:rgba(34,85,221,.1)}.mark.info span{background:#25d}
.mark.change{border-color:#d9a600;background:rgba(255,210,0,.25)}
aside{background:#fafafa;padding:1rem;position:sticky;top:0;height:100vh;overflow:auto;box-sizing:border-box;font-size:13px}
aside li{margin:.3rem 0}aside li.error{color:#b00}aside li.warning{color:#a50}#status{color:#555}
</style></head><body><main id="pages"></main><aside><p id="status">…</p><ol id="diagnostics"></ol></aside>
<script src="/client.js"></script></body></html>`;
}
