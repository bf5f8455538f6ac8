// The picture of a program's work partition, drawn from its plan.json (codegen: "cores",
// "partition_mode", "target.grid"): the device's core grid, one cell per core; the cores the
// program uses are coloured by their work (tiles), the others grey. A global partition labels
// each core with its range of output tiles [start_id, start_id + count); a local_shard
// partition with its shard (sy, sx) and the shard's Sm x Sn tiles.
"use strict";

function drawPartition(plan) {
  const NS = "http://www.w3.org/2000/svg";
  const grid = (plan.target && plan.target.grid) || [plan.grid[1], plan.grid[0]];
  const rows = grid[0], cols = grid[1];
  const cores = plan.cores || [];
  const cell = 72, gap = 4, pad = 22;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "partition");
  svg.setAttribute("width", pad + cols * (cell + gap));
  svg.setAttribute("height", pad + rows * (cell + gap));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `partition of ${cores.length} cores on a ${rows} x ${cols} grid`);
  const used = new Map();
  let maxWork = 1;
  for (const c of cores) {
    used.set(`${c.core[0]},${c.core[1]}`, c);
    maxWork = Math.max(maxWork, c.count || 0);
  }
  const text = (x, y, s, anchor) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", y);
    if (anchor) t.setAttribute("text-anchor", anchor);
    t.textContent = s;
    svg.appendChild(t);
  };
  for (let x = 0; x < cols; x++) text(pad + x * (cell + gap) + cell / 2, 14, `x${x}`, "middle");
  for (let y = 0; y < rows; y++) text(2, pad + y * (cell + gap) + cell / 2 + 4, `y${y}`);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const c = used.get(`${y},${x}`);
      const r = document.createElementNS(NS, "rect");
      const px = pad + x * (cell + gap), py = pad + y * (cell + gap);
      r.setAttribute("x", px);
      r.setAttribute("y", py);
      r.setAttribute("width", cell);
      r.setAttribute("height", cell);
      r.setAttribute("rx", 4);
      r.setAttribute("data-core", `${y},${x}`);
      const title = document.createElementNS(NS, "title");
      if (c) {
        r.setAttribute("class", "core used");
        const w = (c.count || 0) / maxWork;  // 0..1: light to dark blue
        r.setAttribute("fill", `hsl(212, 80%, ${88 - 40 * w}%)`);
        let label1, label2, tip;
        if (plan.partition_mode === "local_shard") {
          label1 = `shard ${c.sy},${c.sx}`;
          label2 = `${c.Sm}x${c.Sn} tiles`;
          tip = `core (${y},${x}): shard (${c.sy},${c.sx}) of ${c.Gy}x${c.Gx}, ${c.Sm}x${c.Sn} tiles, ${c.count} tiles of work`;
        } else {
          label1 = `t${c.start_id}`;
          label2 = c.count > 1 ? `..${c.start_id + c.count - 1} (${c.count})` : "(1 tile)";
          tip = `core (${y},${x}): tiles [${c.start_id}, ${c.start_id + c.count}) of ${plan.grid_tiles ? plan.grid_tiles.join("x") : "?"}`;
        }
        title.textContent = tip;
        r.appendChild(title);
        svg.appendChild(r);
        text(px + cell / 2, py + cell / 2 - 3, label1, "middle");
        text(px + cell / 2, py + cell / 2 + 11, label2, "middle");
      } else {
        r.setAttribute("class", "core idle");
        r.setAttribute("fill", "#eaeef2");
        title.textContent = `core (${y},${x}): idle`;
        r.appendChild(title);
        svg.appendChild(r);
      }
    }
  }
  return svg;
}
