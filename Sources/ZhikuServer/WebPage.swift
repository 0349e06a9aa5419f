import Hummingbird

/// The built-in web page at `/`: knowledge bases, uploads with live ingest status, and search.
/// Plain HTML and a small script, no build step; all text from the server is inserted as text, never as HTML.
enum WebPage {
    static func register(on router: Router<ZhikuRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Zhiku 知库</title>
    <style>
    :root { color-scheme: light dark; --bg:#fafafa; --fg:#1d1d1f; --muted:#6b6b70; --card:#fff; --line:#e3e3e6; --accent:#2f6fed; --bad:#c0392b; --ok:#1e8e3e; }
    @media (prefers-color-scheme: dark) { :root { --bg:#121214; --fg:#ececef; --muted:#9a9aa2; --card:#1c1c1f; --line:#2c2c31; --accent:#6d9bff; --bad:#ff6b5b; --ok:#4cc76f; } }
    * { box-sizing: border-box; }
    body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif; background:var(--bg); color:var(--fg); }
    header { padding:14px 20px; border-bottom:1px solid var(--line); display:flex; gap:12px; align-items:center; flex-wrap:wrap; }
    header h1 { font-size:18px; margin:0 12px 0 0; }
    main { display:grid; grid-template-columns: minmax(260px, 360px) 1fr; gap:20px; padding:20px; max-width:1200px; margin:0 auto; }
    @media (max-width: 760px) { main { grid-template-columns: 1fr; padding:12px; } }
    section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px; }
    h2 { font-size:15px; margin:0 0 10px; }
    input, select, button { font:inherit; color:inherit; background:var(--bg); border:1px solid var(--line); border-radius:7px; padding:7px 10px; }
    button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
    button.plain { background:transparent; color:var(--fg); border-color:var(--line); }
    :focus-visible { outline:2px solid var(--accent); outline-offset:2px; }
    .row { display:flex; gap:8px; margin-bottom:10px; flex-wrap:wrap; }
    .row > input { flex:1; min-width:120px; }
    ul { list-style:none; padding:0; margin:0; }
    li.file { padding:8px 0; border-top:1px solid var(--line); display:flex; gap:8px; align-items:baseline; justify-content:space-between; }
    .name { overflow-wrap:anywhere; }
    .meta { color:var(--muted); font-size:13px; }
    .failed { color:var(--bad); } .ready { color:var(--ok); }
    .hit { padding:10px 0; border-top:1px solid var(--line); }
    .hit .text { white-space:pre-wrap; overflow-wrap:anywhere; }
    #drop { border:2px dashed var(--line); border-radius:10px; padding:16px; text-align:center; color:var(--muted); margin-bottom:10px; }
    #drop input[type=file] { display:block; width:100%; margin-top:8px; padding:6px; }
    #drop.over { border-color:var(--accent); color:var(--accent); }
    #msg { min-height:1.5em; color:var(--bad); }
    </style>
    </head>
    <body>
    <header>
      <h1>Zhiku 知库</h1>
      <label for="kb">Knowledge base</label>
      <select id="kb"></select>
      <form id="newkb" class="row" style="margin:0">
        <input id="kbname" placeholder="New knowledge base" aria-label="New knowledge base name">
        <button>Create</button>
      </form>
      <button id="delkb" class="plain">Delete</button>
    </header>
    <main>
      <section aria-labelledby="files-h">
        <h2 id="files-h">Files</h2>
        <div id="drop">Drop files here, or <input id="pick" type="file" multiple aria-label="Choose files"></div>
        <div id="msg" role="status"></div>
        <ul id="files"></ul>
      </section>
      <section aria-labelledby="search-h">
        <h2 id="search-h">Search</h2>
        <form id="search" class="row">
          <input id="q" placeholder="Ask or search… 例如：年假怎么申请" aria-label="Search query">
          <button>Search</button>
        </form>
        <div id="hits"></div>
      </section>
    </main>
    <script type="module">
    const $ = (id) => document.getElementById(id);
    const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
    const say = (text) => { $('msg').textContent = text || ''; };
    async function api(path, options) {
      const r = await fetch(path, options);
      if (r.status === 204) return null;
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
      return body;
    }
    const kbId = () => $('kb').value;
    async function loadKBs(select) {
      const { knowledge_bases } = await api('/api/kbs');
      const box = $('kb'); box.replaceChildren();
      for (const kb of knowledge_bases) { const o = el('option', '', kb.name); o.value = kb.id; box.append(o); }
      if (select && knowledge_bases.some(kb => String(kb.id) === String(select))) box.value = select;
      await loadFiles();
    }
    function size(n) { return n < 1024 ? n + ' B' : n < 1048576 ? (n/1024).toFixed(1) + ' KiB' : (n/1048576).toFixed(1) + ' MiB'; }
    let timer;
    async function loadFiles() {
      clearTimeout(timer);
      const list = $('files'); list.replaceChildren();
      if (!kbId()) { list.append(el('li', 'meta', 'Create a knowledge base to start.')); return; }
      const { files } = await api(`/api/kbs/${kbId()}/files`);
      let busy = false;
      for (const f of files) {
        const li = el('li', 'file');
        const left = el('div');
        left.append(el('div', 'name', f.name));
        const status = f.status === 'ready' ? `ready · ${f.page_count} page(s) · ${f.chunk_count} chunk(s)` : f.status;
        left.append(el('div', 'meta ' + f.status, `${size(f.size)} · ${status}${f.error ? ' — ' + f.error : ''}`));
        const del = el('button', 'plain', 'Delete');
        del.onclick = async () => { await api(`/api/kbs/${kbId()}/files/${f.id}`, { method: 'DELETE' }); loadFiles(); };
        li.append(left, del); list.append(li);
        if (f.status === 'pending') busy = true;
      }
      if (!files.length) list.append(el('li', 'meta', 'No files yet.'));
      if (busy) timer = setTimeout(loadFiles, 1000);
    }
    async function upload(fileList) {
      if (!kbId()) { say('Create a knowledge base first.'); return; }
      const form = new FormData();
      for (const f of fileList) form.append('file', f, f.name);
      say('Uploading…');
      try {
        const { uploads } = await api(`/api/kbs/${kbId()}/files`, { method: 'POST', body: form });
        const problems = uploads.filter(u => u.error).map(u => `${u.name}: ${u.error.message}`);
        const dups = uploads.filter(u => u.duplicate).map(u => `${u.name} (already here)`);
        say([...problems, ...dups].join('; '));
      } catch (e) { say(e.message); }
      loadFiles();
    }
    $('pick').onchange = (e) => upload(e.target.files);
    const drop = $('drop');
    drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
    drop.ondragleave = () => drop.classList.remove('over');
    drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files); };
    $('kb').onchange = loadFiles;
    $('newkb').onsubmit = async (e) => {
      e.preventDefault();
      try { const kb = await api('/api/kbs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('kbname').value }) }); $('kbname').value = ''; say(''); loadKBs(kb.id); }
      catch (err) { say(err.message); }
    };
    $('delkb').onclick = async () => {
      if (!kbId() || !confirm('Delete this knowledge base and all its files?')) return;
      await api(`/api/kbs/${kbId()}`, { method: 'DELETE' }); loadKBs();
    };
    $('search').onsubmit = async (e) => {
      e.preventDefault();
      const box = $('hits'); box.replaceChildren();
      if (!kbId()) return;
      try {
        const { hits } = await api(`/api/kbs/${kbId()}/search?q=${encodeURIComponent($('q').value)}&k=10`);
        if (!hits.length) box.append(el('p', 'meta', 'Nothing found in this knowledge base.'));
        hits.forEach((h, i) => {
          const d = el('div', 'hit');
          d.append(el('div', 'meta', `[${i + 1}] ${h.file_name} · page ${h.page} · score ${h.score.toFixed(3)}`));
          d.append(el('div', 'text', h.text));
          box.append(d);
        });
      } catch (err) { box.append(el('p', 'failed', err.message)); }
    };
    // ?kb=ID&q=TEXT opens a knowledge base and runs a search (shareable links).
    const params = new URLSearchParams(location.search);
    loadKBs(params.get('kb')).then(() => {
      if (params.get('q')) { $('q').value = params.get('q'); $('search').requestSubmit(); }
    }).catch(e => say(e.message));
    </script>
    </body>
    </html>
    """#
}
