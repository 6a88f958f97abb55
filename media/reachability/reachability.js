// The reachability view's page. It shows what the extension sends (the grid, an explanation)
// and sends back what the user chose; the extension checks every message. Everything is built
// with DOM nodes and textContent: no HTML strings, no inline handlers, no remote resources.
// @ts-check
(function () {
  'use strict';

  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();

  /** @param {string} id */
  const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const namespaceList = byId('namespace-list');
  const namespaceHint = byId('namespace-hint');
  const portInput = /** @type {HTMLInputElement} */ (byId('port'));
  const portError = byId('port-error');
  const protocolSelect = /** @type {HTMLSelectElement} */ (byId('protocol'));
  const status = byId('status');
  const grid = /** @type {HTMLTableElement} */ (byId('grid'));
  const caption = byId('grid-caption');
  const explanation = byId('explanation');
  const explanationTitle = byId('explanation-title');
  const explanationBody = byId('explanation-body');
  const explanationLinks = byId('explanation-links');

  const ALLOWED = '\u2713';
  const DENIED = '\u2717';
  const PORT_DELAY_MS = 400;

  /** The last state the extension sent. */
  let state = null;
  /** The cell explained (or being explained): [from, to] pod indices. */
  let selected = null;
  /** The cell that takes the keyboard focus (roving tabindex). */
  let active = { row: 0, col: 0 };
  /** The namespace list as last drawn, to redraw it only when it changes. */
  let drawnNamespaces = '';
  let portTimer = undefined;

  /** @param {{kind: string, name: string, namespace: string}} pod */
  function podLabel(pod) {
    return pod.kind === 'Pod' ? pod.namespace + '/' + pod.name : pod.namespace + '/' + pod.name + ' (' + pod.kind + ')';
  }

  /**
   * @param {string} tag
   * @param {{className?: string, text?: string, attrs?: Record<string, string>}} [options]
   */
  function el(tag, options) {
    const node = document.createElement(tag);
    if (options && options.className) node.className = options.className;
    if (options && options.text !== undefined) node.textContent = options.text;
    if (options && options.attrs) for (const [key, value] of Object.entries(options.attrs)) node.setAttribute(key, value);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // ---- The controls ----------------------------------------------------------------------

  function readPort() {
    const text = portInput.value.trim();
    if (!/^\d{1,5}$/.test(text)) return undefined;
    const port = Number(text);
    return port >= 1 && port <= 65535 ? port : undefined;
  }

  function sendQuery() {
    const port = readPort();
    if (port === undefined) {
      portError.textContent = 'Enter a port from 1 to 65535.';
      portInput.setAttribute('aria-invalid', 'true');
      return;
    }
    portError.textContent = '';
    portInput.removeAttribute('aria-invalid');
    const namespaces = Array.from(namespaceList.querySelectorAll('input[type="checkbox"]'))
      .filter((box) => /** @type {HTMLInputElement} */ (box).checked)
      .map((box) => /** @type {HTMLInputElement} */ (box).value);
    status.textContent = 'Updating\u2026';
    vscode.postMessage({ type: 'query', namespaces, port, protocol: protocolSelect.value });
  }

  portInput.addEventListener('input', () => {
    clearTimeout(portTimer);
    portTimer = setTimeout(sendQuery, PORT_DELAY_MS);
  });
  portInput.addEventListener('change', () => {
    clearTimeout(portTimer);
    sendQuery();
  });
  protocolSelect.addEventListener('change', sendQuery);
  namespaceList.addEventListener('change', sendQuery);

  /** @param {string[]} namespaces @param {string[]} chosen */
  function drawNamespaces(namespaces, chosen) {
    // A checked namespace that has no pods any more stays listed, so that it can be unchecked.
    const present = new Set(namespaces);
    const all = Array.from(new Set(namespaces.concat(chosen))).sort();
    const key = JSON.stringify([namespaces, all]);
    if (key !== drawnNamespaces) {
      drawnNamespaces = key;
      clear(namespaceList);
      all.forEach((name, i) => {
        const id = 'ns-' + i;
        const box = /** @type {HTMLInputElement} */ (el('input', { attrs: { type: 'checkbox', id } }));
        box.value = name;
        const label = el('label', { className: 'namespace', attrs: { for: id } });
        label.appendChild(box);
        label.appendChild(document.createTextNode(' ' + name + (present.has(name) ? '' : ' (no pods)')));
        namespaceList.appendChild(label);
      });
      if (all.length === 0) namespaceList.appendChild(el('span', { className: 'hint', text: 'No namespaces with pods yet.' }));
    }
    const wanted = new Set(chosen);
    for (const box of Array.from(namespaceList.querySelectorAll('input[type="checkbox"]'))) {
      const input = /** @type {HTMLInputElement} */ (box);
      input.checked = wanted.has(input.value);
    }
    namespaceHint.textContent = chosen.length === 0 ? 'None checked: every namespace.' : chosen.length + ' checked.';
  }

  // ---- The grid ----------------------------------------------------------------------------

  function cellAt(row, col) {
    return /** @type {HTMLElement | null} */ (grid.querySelector('td[data-from="' + row + '"][data-to="' + col + '"]'));
  }

  function setActive(row, col, focus) {
    const n = state ? state.pods.length : 0;
    if (n === 0) return;
    row = Math.max(0, Math.min(n - 1, row));
    col = Math.max(0, Math.min(n - 1, col));
    const previous = cellAt(active.row, active.col);
    if (previous) previous.tabIndex = -1;
    active = { row, col };
    const cell = cellAt(row, col);
    if (cell) {
      cell.tabIndex = 0;
      if (focus) cell.focus();
    }
  }

  function choose(row, col) {
    if (!state || row >= state.pods.length || col >= state.pods.length) return;
    selected = [row, col];
    markSelected();
    setActive(row, col, false);
    explanation.hidden = false;
    explanationTitle.textContent = 'Explaining ' + podLabel(state.pods[row]) + ' \u2192 ' + podLabel(state.pods[col]) + '\u2026';
    clear(explanationBody);
    clear(explanationLinks);
    vscode.postMessage({ type: 'explain', from: row, to: col });
  }

  function markSelected() {
    for (const cell of Array.from(grid.querySelectorAll('td.selected'))) {
      cell.classList.remove('selected');
      cell.setAttribute('aria-selected', 'false');
    }
    if (!selected) return;
    const cell = cellAt(selected[0], selected[1]);
    if (cell) {
      cell.classList.add('selected');
      cell.setAttribute('aria-selected', 'true');
    }
  }

  /** A header: the pod's label, as a button that reveals its manifest when it has one. */
  function podHeader(pod, index, scope) {
    const th = el('th', { attrs: { scope, title: pod.id + (pod.kind === 'Pod' ? '' : ' (' + pod.kind + ' pod template)') } });
    th.className = scope === 'col' ? 'col-header' : 'row-header';
    const label = podLabel(pod);
    if (pod.revealable) {
      const button = el('button', { className: 'pod-link', text: label, attrs: { type: 'button', 'data-pod': String(index), 'aria-label': 'Open the manifest of ' + label } });
      th.appendChild(button);
    } else th.appendChild(el('span', { text: label }));
    return th;
  }

  function drawGrid() {
    // Keep the caption, replace the rest.
    for (const child of Array.from(grid.children)) if (child !== caption) grid.removeChild(child);
    const pods = state.pods;
    const n = pods.length;
    caption.textContent = n === 0 ? '' : 'Who can reach whom on ' + state.protocol + ' ' + state.port + ': rows are sources, columns are destinations';
    grid.setAttribute('aria-rowcount', String(n + 1));
    grid.setAttribute('aria-colcount', String(n + 1));
    if (n === 0) return;
    const thead = el('thead');
    const headRow = el('tr', { attrs: { role: 'row' } });
    headRow.appendChild(el('th', { className: 'corner', text: 'from \u2193  to \u2192', attrs: { scope: 'col' } }));
    pods.forEach((pod, j) => headRow.appendChild(podHeader(pod, j, 'col')));
    thead.appendChild(headRow);
    grid.appendChild(thead);
    const tbody = el('tbody');
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < n; i++) {
      const tr = el('tr', { attrs: { role: 'row' } });
      tr.appendChild(podHeader(pods[i], i, 'row'));
      const from = podLabel(pods[i]);
      const row = state.allowed[i] || [];
      for (let j = 0; j < n; j++) {
        const ok = row[j] === true;
        const td = document.createElement('td');
        td.className = ok ? 'cell allowed' : 'cell denied';
        if (i === j) td.classList.add('self');
        td.textContent = ok ? ALLOWED : DENIED;
        td.setAttribute('role', 'gridcell');
        td.setAttribute('data-from', String(i));
        td.setAttribute('data-to', String(j));
        td.setAttribute('aria-selected', 'false');
        td.setAttribute('aria-label', from + ' to ' + podLabel(pods[j]) + ': ' + (ok ? 'allowed' : 'denied'));
        td.title = from + ' \u2192 ' + podLabel(pods[j]) + ': ' + (ok ? 'allowed' : 'denied') + ' (select for why)';
        td.tabIndex = -1;
        tr.appendChild(td);
      }
      fragment.appendChild(tr);
    }
    tbody.appendChild(fragment);
    grid.appendChild(tbody);
    if (active.row >= n || active.col >= n) active = { row: 0, col: 0 };
    const focusable = cellAt(active.row, active.col);
    if (focusable) focusable.tabIndex = 0;
    markSelected();
  }

  grid.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const podButton = target.closest('button[data-pod]');
    if (podButton) {
      vscode.postMessage({ type: 'revealPod', pod: Number(podButton.getAttribute('data-pod')) });
      return;
    }
    const cell = target.closest('td[data-from]');
    if (cell) choose(Number(cell.getAttribute('data-from')), Number(cell.getAttribute('data-to')));
  });

  grid.addEventListener('keydown', (event) => {
    const cell = /** @type {HTMLElement} */ (event.target).closest('td[data-from]');
    if (!cell || !state) return;
    const row = Number(cell.getAttribute('data-from'));
    const col = Number(cell.getAttribute('data-to'));
    const n = state.pods.length;
    const moves = {
      ArrowUp: [row - 1, col],
      ArrowDown: [row + 1, col],
      ArrowLeft: [row, col - 1],
      ArrowRight: [row, col + 1],
      Home: event.ctrlKey ? [0, 0] : [row, 0],
      End: event.ctrlKey ? [n - 1, n - 1] : [row, n - 1],
      PageUp: [row - 10, col],
      PageDown: [row + 10, col],
    };
    if (Object.prototype.hasOwnProperty.call(moves, event.key)) {
      event.preventDefault();
      const [r, c] = moves[event.key];
      setActive(r, c, true);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      choose(row, col);
    }
  });

  // ---- The explanation ------------------------------------------------------------------------

  /** @param {HTMLElement} parent @param {{text: string, bold?: boolean, code?: boolean, link?: number}[]} spans */
  function appendSpans(parent, spans) {
    for (const span of spans || []) {
      /** @type {Node} */
      let node = span.code ? el('code', { text: String(span.text) }) : document.createTextNode(String(span.text));
      if (span.bold) {
        const strong = el('strong');
        strong.appendChild(node);
        node = strong;
      }
      if (typeof span.link === 'number') {
        // A link to a rule or policy: the extension reveals it in the editor.
        const button = el('button', { className: 'inline-link', attrs: { type: 'button', 'data-link': String(span.link), title: 'Reveal in the editor' } });
        button.appendChild(node);
        node = button;
      }
      parent.appendChild(node);
    }
  }

  function drawExplanation(message) {
    if (!state || !selected || message.from !== selected[0] || message.to !== selected[1]) {
      // A reloaded page: show the explanation the extension still has.
      selected = [message.from, message.to];
      markSelected();
    }
    explanation.hidden = false;
    explanation.scrollTop = 0;
    explanation.classList.toggle('is-allowed', message.allowed === true && !message.error);
    explanation.classList.toggle('is-denied', message.allowed !== true && !message.error);
    const mark = message.error ? '' : message.allowed ? ALLOWED + ' ' : DENIED + ' ';
    explanationTitle.textContent = mark + String(message.verdict);
    clear(explanationBody);
    clear(explanationLinks);
    if (message.error) explanationBody.appendChild(el('p', { className: 'error-text', text: String(message.error) }));
    for (const block of message.blocks || []) {
      if (block.kind === 'heading') {
        const h = el(block.level <= 1 ? 'h3' : 'h4');
        appendSpans(h, block.spans);
        explanationBody.appendChild(h);
      } else if (block.kind === 'quote') {
        const quote = el('blockquote');
        appendSpans(quote, block.spans);
        explanationBody.appendChild(quote);
      } else if (block.kind === 'paragraph') {
        const p = el('p');
        appendSpans(p, block.spans);
        explanationBody.appendChild(p);
      } else if (block.kind === 'list') {
        const ul = el('ul');
        (block.items || []).forEach((item, index) => {
          const depth = Array.isArray(block.depths) ? Math.max(0, Math.min(5, Number(block.depths[index]) || 0)) : 0;
          const li = el('li', depth > 0 ? { className: 'depth-' + depth } : undefined);
          appendSpans(li, item);
          ul.appendChild(li);
        });
        explanationBody.appendChild(ul);
      } else if (block.kind === 'code') {
        const pre = el('pre');
        pre.appendChild(el('code', { text: String(block.text) }));
        explanationBody.appendChild(pre);
      }
    }
    (message.links || []).forEach((label, index) => {
      const button = el('button', { className: 'rule-link', text: String(label), attrs: { type: 'button', 'data-link': String(index), title: 'Reveal in the editor' } });
      explanationLinks.appendChild(button);
    });
  }

  explanation.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button[data-link]');
    if (button) vscode.postMessage({ type: 'reveal', link: Number(button.getAttribute('data-link')) });
  });

  // ---- Messages from the extension ------------------------------------------------------------

  function drawState(message) {
    state = message;
    drawNamespaces(message.namespaces || [], message.selected || []);
    if (document.activeElement !== portInput) portInput.value = String(message.port);
    protocolSelect.value = message.protocol;
    status.classList.toggle('error-text', Boolean(message.error));
    if (message.error) {
      status.textContent = message.error;
      state = Object.assign({}, message, { pods: [], allowed: [] });
    } else {
      const n = message.pods.length;
      let allowed = 0;
      for (const row of message.allowed) for (const cell of row) if (cell === true) allowed++;
      const parts = [];
      if (n > 0) parts.push(n + ' pods and workloads; ' + allowed + ' of ' + n * n + ' connections allowed on ' + message.protocol + ' ' + message.port + '.');
      if (message.note) parts.push(message.note);
      status.textContent = parts.join(' ');
    }
    if (selected && (selected[0] >= state.pods.length || selected[1] >= state.pods.length)) selected = null;
    drawGrid();
    grid.setAttribute('data-ready', 'true');
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'state') drawState(message);
    else if (message.type === 'explanation') drawExplanation(message);
    else if (message.type === 'clearExplanation') {
      selected = null;
      markSelected();
      explanation.hidden = true;
    }
  });

  vscode.postMessage({ type: 'ready' });
})();
