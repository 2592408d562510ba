/// The admin server's status page (`/`): one self-contained HTML document, no build step and
/// nothing fetched but `/status`, which it polls every second. It draws the pipeline's graph
/// (modules as boxes, routes as arrows labelled with their queue's depth, rate and drops) and
/// tables of the queues and modules, and updates them in place.
///
/// For tests and scripts the numbers are also in attributes: `body[data-updates]` counts the
/// polls answered, each queue row has `data-route`, `data-in-total` and `data-first-in-total`
/// (its count when the page first saw it).
enum AdminPage {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>starling status</title>
    <style>
      :root { --fg: #1d2330; --muted: #6b7385; --line: #d5dae3; --ok: #1f8a4c; --warn: #c77700; --bad: #c62828; }
      body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; background: #f6f7f9; }
      header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: #fff; border-bottom: 1px solid var(--line); }
      header h1 { font-size: 18px; margin: 0; }
      .badge { padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; }
      .badge.ready { background: var(--ok); } .badge.waiting { background: var(--warn); } .badge.down { background: var(--bad); }
      #reasons { color: var(--warn); } #updated { margin-left: auto; color: var(--muted); }
      main { padding: 16px 20px; }
      section { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 16px; padding: 12px 16px; overflow-x: auto; }
      h2 { font-size: 15px; margin: 0 0 8px; }
      svg text { font-size: 12px; }
      .node rect { fill: #eef3fb; stroke: #6f8fc7; } .node.funnel rect { stroke-dasharray: 4 3; fill: #f4f4f4; }
      .node .name { font-weight: 600; } .node .type { fill: var(--muted); }
      .edge path { fill: none; stroke: #8a94a8; stroke-width: 2; }
      .edge.busy path { stroke: var(--warn); } .edge.full path { stroke: var(--bad); }
      .edge .label { fill: var(--fg); } .edge .drops { fill: var(--bad); }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
      th { color: var(--muted); font-weight: 600; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
      .bar { display: inline-block; width: 80px; height: 8px; background: #e6e9ef; border-radius: 4px; vertical-align: middle; margin-right: 6px; }
      .bar i { display: block; height: 100%; background: var(--ok); border-radius: 4px; }
      .dropped { color: var(--bad); font-weight: 600; }
    </style>
    </head>
    <body data-updates="0">
    <header><h1>starling</h1><span id="badge" class="badge waiting">connecting</span><span id="reasons"></span><span id="updated"></span></header>
    <main id="main"></main>
    <script>
    "use strict";
    const state = { updates: 0, previous: null, first: {}, shapes: "" };
    const svgNS = "http://www.w3.org/2000/svg";
    function el(tag, attrs, text) {
      const node = tag.startsWith("svg:") ? document.createElementNS(svgNS, tag.slice(4)) : document.createElement(tag);
      for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
      if (text !== undefined) node.textContent = text;
      return node;
    }
    function number(value) { return value.toLocaleString("en-US", { maximumFractionDigits: 1 }); }
    function layout(graph) {
      const layer = {};
      for (const node of graph.nodes) layer[node.name] = 0;
      for (let round = 0; round < graph.nodes.length; round++) {
        for (const edge of graph.edges) {
          const from = edge.from.slice(0, edge.from.lastIndexOf(".")), to = edge.to.slice(0, edge.to.lastIndexOf("."));
          if (from !== to && layer[to] < layer[from] + 1) layer[to] = layer[from] + 1;
        }
      }
      const rows = {}, place = {};
      for (const node of graph.nodes) {
        const column = layer[node.name], row = rows[column] || 0;
        rows[column] = row + 1;
        place[node.name] = { x: 20 + column * 300, y: 20 + row * 90 };
      }
      const width = 20 + (Math.max(0, ...Object.values(layer)) + 1) * 300, height = 20 + Math.max(1, ...Object.values(rows)) * 90;
      return { place, width, height };
    }
    function drawGraph(container, pipeline, index) {
      const { place, width, height } = layout(pipeline.graph);
      const svg = el("svg:svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
      const defs = el("svg:defs");
      const marker = el("svg:marker", { id: `arrow${index}`, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto" });
      marker.appendChild(el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a94a8" }));
      defs.appendChild(marker);
      svg.appendChild(defs);
      for (const edge of pipeline.graph.edges) {
        const from = place[edge.from.slice(0, edge.from.lastIndexOf("."))], to = place[edge.to.slice(0, edge.to.lastIndexOf("."))];
        if (!from || !to) continue;
        const x1 = from.x + 180, y1 = from.y + 27, x2 = to.x, y2 = to.y + 27, mid = (x1 + x2) / 2;
        const group = el("svg:g", { class: "edge", "data-route": `${edge.from} -> ${edge.to}` });
        group.appendChild(el("svg:path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "marker-end": `url(#arrow${index})` }));
        const lx = mid, ly = (y1 + y2) / 2;
        group.appendChild(el("svg:text", { class: "label", x: lx, y: ly - 6, "text-anchor": "middle" }, ""));
        group.appendChild(el("svg:text", { class: "drops", x: lx, y: ly + 12, "text-anchor": "middle" }, ""));
        svg.appendChild(group);
      }
      for (const node of pipeline.graph.nodes) {
        const at = place[node.name];
        const group = el("svg:g", { class: node.name.startsWith("_") ? "node funnel" : "node", transform: `translate(${at.x},${at.y})` });
        group.appendChild(el("svg:rect", { width: 180, height: 54, rx: 6 }));
        group.appendChild(el("svg:text", { class: "name", x: 10, y: 22 }, node.name));
        group.appendChild(el("svg:text", { class: "type", x: 10, y: 40 }, node.type));
        if (node.description) group.appendChild(el("svg:title", {}, node.description));
        svg.appendChild(group);
      }
      container.appendChild(svg);
    }
    function build(status) {
      const main = document.getElementById("main");
      main.textContent = "";
      status.pipelines.forEach((pipeline, index) => {
        const graph = el("section", { class: "graph" });
        graph.appendChild(el("h2", {}, status.pipelines.length > 1 ? `Pipeline ${index + 1}` : "Pipeline"));
        drawGraph(graph, pipeline, index);
        main.appendChild(graph);
        const queues = el("section");
        queues.appendChild(el("h2", {}, "Queues"));
        const table = el("table", { class: "queues" });
        const head = el("tr");
        for (const title of ["route", "depth", "in/s", "out/s", "in", "out", "dropped"]) head.appendChild(el("th", {}, title));
        table.appendChild(head);
        for (const queue of pipeline.queues) {
          const row = el("tr", { "data-route": queue.route });
          row.appendChild(el("td", {}, queue.route));
          const depth = el("td", { class: "depth" });
          depth.appendChild(el("span", { class: "bar" })).appendChild(el("i"));
          depth.appendChild(el("span", { class: "value" }));
          row.appendChild(depth);
          for (const name of ["in-rate", "out-rate", "in-total", "out-total", "drops"]) row.appendChild(el("td", { class: `n ${name}` }));
          table.appendChild(row);
        }
        queues.appendChild(table);
        main.appendChild(queues);
        const modules = el("section");
        modules.appendChild(el("h2", {}, "Modules"));
        const list = el("table", { class: "modules" });
        const top = el("tr");
        for (const title of ["module", "type", "processed", "failed", "pipes", "reconnects", "socket drops", "waiting for"]) top.appendChild(el("th", {}, title));
        list.appendChild(top);
        for (const module of pipeline.modules) {
          const row = el("tr", { "data-module": module.name });
          row.appendChild(el("td", {}, module.name));
          row.appendChild(el("td", {}, module.type));
          for (const name of ["processed", "failed", "pipes", "reconnects", "socket-drops"]) row.appendChild(el("td", { class: `n ${name}` }));
          row.appendChild(el("td", { class: "waiting" }));
          list.appendChild(row);
        }
        modules.appendChild(list);
        main.appendChild(modules);
      });
    }
    function update(status) {
      // Rates by the server's clock: the time between two answers, not between two polls.
      const seconds = state.previous ? status.time - state.previous.time : 0;
      const before = {};
      if (state.previous) for (const p of state.previous.pipelines) for (const q of p.queues) before[q.route] = q;
      const badge = document.getElementById("badge");
      badge.textContent = status.ready ? "ready" : "not ready";
      badge.className = "badge " + (status.ready ? "ready" : "waiting");
      document.getElementById("reasons").textContent = status.not_ready.join("; ");
      for (const pipeline of status.pipelines) {
        for (const queue of pipeline.queues) {
          if (!(queue.route in state.first)) state.first[queue.route] = queue.in_total;
          const previous = before[queue.route];
          const inRate = previous && seconds > 0 ? (queue.in_total - previous.in_total) / seconds : 0;
          const outRate = previous && seconds > 0 ? (queue.out_total - previous.out_total) / seconds : 0;
          const row = document.querySelector(`tr[data-route="${CSS.escape(queue.route)}"]`);
          if (row) {
            // An unconnected output (capacity 0) is shown once something reached it: what it dropped.
            row.hidden = queue.capacity === 0 && queue.in_total === 0 && queue.dropped_total === 0;
            row.dataset.inTotal = queue.in_total;
            row.dataset.firstInTotal = state.first[queue.route];
            row.querySelector(".depth .value").textContent = queue.capacity ? `${queue.size}/${queue.capacity}` : `${queue.size}`;
            row.querySelector(".depth i").style.width = queue.capacity ? `${Math.round(100 * queue.size / queue.capacity)}%` : "0";
            row.querySelector(".in-rate").textContent = number(inRate);
            row.querySelector(".out-rate").textContent = number(outRate);
            row.querySelector(".in-total").textContent = number(queue.in_total);
            row.querySelector(".out-total").textContent = number(queue.out_total);
            const dropped = row.querySelector(".drops");
            dropped.textContent = number(queue.dropped_total);
            dropped.classList.toggle("dropped", queue.dropped_total > 0);
          }
          const edge = document.querySelector(`g.edge[data-route="${CSS.escape(queue.route)}"]`);
          if (edge) {
            const fill = queue.capacity ? queue.size / queue.capacity : 0;
            edge.setAttribute("class", "edge" + (fill >= 0.9 ? " full" : fill >= 0.5 ? " busy" : ""));
            edge.querySelector(".label").textContent = `${queue.size}/${queue.capacity} · ${number(inRate)}/s`;
            edge.querySelector(".drops").textContent = queue.dropped_total > 0 ? `${number(queue.dropped_total)} dropped` : "";
          }
        }
        for (const module of pipeline.modules) {
          const row = document.querySelector(`tr[data-module="${CSS.escape(module.name)}"]`);
          if (!row) continue;
          row.querySelector(".processed").textContent = number(module.processed);
          row.querySelector(".failed").textContent = number(module.failed);
          const socket = module.socket;
          row.querySelector(".pipes").textContent = socket ? socket.pipes_open : "";
          row.querySelector(".reconnects").textContent = socket ? socket.reconnects : "";
          row.querySelector(".socket-drops").textContent = socket ? Object.values(socket.drops).reduce((a, b) => a + b, 0) : "";
          row.querySelector(".waiting").textContent = module.waiting_for || "";
        }
      }
      state.previous = status;
      state.updates += 1;
      document.body.dataset.updates = state.updates;
      document.getElementById("updated").textContent = "updated " + new Date(status.time * 1000).toLocaleTimeString();
    }
    async function poll() {
      try {
        const response = await fetch("status", { cache: "no-store" });
        const status = await response.json();
        const shapes = JSON.stringify(status.pipelines.map((p) => [p.graph, p.queues.map((q) => q.route), p.modules.map((m) => m.name)]));
        if (shapes !== state.shapes) { build(status); state.shapes = shapes; state.previous = null; }
        update(status);
      } catch (error) {
        const badge = document.getElementById("badge");
        badge.textContent = "unreachable";
        badge.className = "badge down";
      }
      setTimeout(poll, 1000);
    }
    poll();
    </script>
    </body>
    </html>
    """#
}
