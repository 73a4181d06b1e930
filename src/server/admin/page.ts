/** The admin UI's HTML shell. Static: every piece of graph data is inserted by app.js as text, never as markup. */
export const ADMIN_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trellis relay</title>
<link rel="stylesheet" href="/_admin/app.css">
</head>
<body>
<header>
  <h1>Trellis <span class="sub">relay</span></h1>
  <ul class="metrics" data-testid="metrics">
    <li><span class="label">peers</span><span class="value" id="m-peers">–</span></li>
    <li><span class="label">souls in memory</span><span class="value" id="m-souls">–</span></li>
    <li><span class="label">frames in / out</span><span class="value" id="m-frames">–</span></li>
    <li><span class="label">writes</span><span class="value" id="m-writes">–</span></li>
    <li><span class="label">memory (RSS)</span><span class="value" id="m-rss">–</span></li>
    <li><span class="label">uptime</span><span class="value" id="m-uptime">–</span></li>
  </ul>
</header>
<main>
  <nav class="souls">
    <form id="filter"><input id="prefix" type="search" placeholder="soul prefix…" autocomplete="off" aria-label="soul prefix"></form>
    <ol id="soul-list" data-testid="soul-list"></ol>
    <button id="more" type="button" hidden>more</button>
  </nav>
  <section class="node">
    <div class="toolbar">
      <form id="open"><input id="soul-input" placeholder="open a soul…" autocomplete="off" aria-label="soul"></form>
      <span id="live" class="live off" data-testid="live">not watching</span>
    </div>
    <h2 id="node-title" data-testid="node-title">Pick a soul</h2>
    <table id="node" data-testid="node">
      <thead><tr><th>key</th><th>value</th><th>state</th></tr></thead>
      <tbody id="node-body"></tbody>
    </table>
    <p id="empty" class="empty">Souls are the nodes of the graph. Click one on the left; links open the node they point to; values update live.</p>
    <h3>Peers</h3>
    <table id="peers" data-testid="peers">
      <thead><tr><th>id</th><th>pid</th><th>url</th><th>direction</th></tr></thead>
      <tbody id="peer-body"></tbody>
    </table>
  </section>
</main>
<script src="/_admin/app.js"></script>
</body>
</html>
`
