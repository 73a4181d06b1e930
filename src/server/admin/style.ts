/** The admin UI's stylesheet: system fonts, no external assets. */
export const ADMIN_CSS = `
:root { --bg:#0f1419; --panel:#171d24; --line:#27313c; --text:#d7dde4; --dim:#8a96a3; --accent:#4fb3a9; --flash:#3b5f2a; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, sans-serif; }
header { display:flex; align-items:center; gap:24px; padding:12px 20px; border-bottom:1px solid var(--line); background:var(--panel); flex-wrap:wrap; }
h1 { margin:0; font-size:20px; color:var(--accent); }
h1 .sub { color:var(--dim); font-weight:400; }
.metrics { display:flex; gap:18px; list-style:none; margin:0; padding:0; flex-wrap:wrap; }
.metrics li { display:flex; flex-direction:column; }
.metrics .label { font-size:11px; color:var(--dim); text-transform:uppercase; letter-spacing:.04em; }
.metrics .value { font-size:18px; font-variant-numeric:tabular-nums; }
main { display:grid; grid-template-columns:280px 1fr; min-height:calc(100vh - 64px); }
nav.souls { border-right:1px solid var(--line); padding:12px; overflow:auto; }
nav ol { list-style:none; margin:8px 0; padding:0; }
nav li a { display:block; padding:3px 6px; border-radius:4px; color:var(--text); text-decoration:none; font-family:ui-monospace, monospace; font-size:13px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
nav li a:hover, nav li a.current { background:var(--line); }
input { width:100%; padding:6px 8px; background:var(--bg); color:var(--text); border:1px solid var(--line); border-radius:4px; }
button { background:var(--line); color:var(--text); border:0; padding:4px 10px; border-radius:4px; cursor:pointer; }
section.node { padding:12px 20px; overflow:auto; }
.toolbar { display:flex; gap:12px; align-items:center; }
.toolbar form { flex:1; max-width:420px; }
.live { font-size:12px; padding:2px 8px; border-radius:10px; }
.live.on { background:#1f4d3a; color:#9be3c0; }
.live.off { background:var(--line); color:var(--dim); }
h2 { font-family:ui-monospace, monospace; font-size:16px; word-break:break-all; }
h3 { margin-top:28px; color:var(--dim); font-size:13px; text-transform:uppercase; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--dim); font-weight:500; font-size:12px; }
td { font-family:ui-monospace, monospace; font-size:13px; word-break:break-all; }
td.state { color:var(--dim); white-space:nowrap; }
a.link { color:var(--accent); }
.null { color:var(--dim); font-style:italic; }
tr.flash td { animation:flash 1.2s ease-out; }
@keyframes flash { from { background:var(--flash); } to { background:transparent; } }
.empty { color:var(--dim); }
`
