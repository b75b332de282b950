// The jobs console: lists the caller's jobs, follows them live through
// /console/events, submits jobs from forms generated from the job types'
// JSON Schemas, cancels them. Every change on screen is batched into one
// animation frame, so many jobs changing at once do not freeze the page.
'use strict';

const $ = (sel) => document.querySelector(sel);
const terminal = new Set(['Success', 'Failure', 'Cancelled']);

const state = {
  jobs: new Map(),      // id → latest job seen
  timelines: new Map(), // id → states seen, by seq
  rows: new Map(),      // id → its table row
  cursors: [''],        // the cursor of each page visited; the last is shown
  next: '',             // the cursor of the page after the one shown
  selected: '',
  dirty: new Set(),
  frame: 0,
  stream: null,
  live: new Set(), // jobs whose stream has started: their changes arrive here
};

// api calls the console's API; writes carry X-Console, which other sites
// cannot send.
async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (options.method && options.method !== 'GET') headers['X-Console'] = '1';
  const resp = await fetch('/console/api' + path, { ...options, headers });
  const body = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = new Error((body && (body.detail || body.title)) || resp.status + ' ' + resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return body;
}

function say(text) { $('#message').textContent = text; }

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

// --- live updates -----------------------------------------------------

// seen records a state of a job, if newer than what is known, and marks it
// for the next frame.
function seen(job) {
  const prev = state.jobs.get(job.id);
  if (prev && prev.seq >= job.seq) return;
  state.jobs.set(job.id, job);
  let tl = state.timelines.get(job.id);
  if (!tl) state.timelines.set(job.id, tl = []);
  tl.push({ seq: job.seq, status: job.status, progress: job.progress, at: job.updatedAt });
  state.dirty.add(job.id);
  if (!state.frame) state.frame = requestAnimationFrame(render);
}

// follow (re)opens the one event stream for the unfinished jobs on screen.
function follow() {
  const ids = new Set(state.rows.keys());
  if (state.selected) ids.add(state.selected);
  const open = [...ids].filter((id) => !terminal.has(state.jobs.get(id)?.status)).slice(0, 200);
  // A job that finished needs no new stream: the server stops following it.
  if (state.stream && open.every((id) => state.stream.ids.has(id))) return;
  const key = open.join(',');
  if (state.stream) state.stream.close();
  state.stream = null;
  if (!open.length) { $('#live').textContent = 'Nothing unfinished to follow'; return; }
  const stream = new EventSource('/console/events?jobs=' + encodeURIComponent(key).replaceAll('%2C', ','));
  stream.ids = new Set(open);
  stream.onopen = () => { $('#live').textContent = `Live: following ${open.length} unfinished job(s)`; };
  stream.onerror = () => { $('#live').textContent = 'Live updates interrupted; reconnecting…'; };
  stream.onmessage = (e) => {
    const job = JSON.parse(e.data);
    if (!state.live.has(job.id)) { state.live.add(job.id); state.dirty.add(job.id); }
    seen(job);
    if (!state.frame) state.frame = requestAnimationFrame(render);
  };
  stream.addEventListener('refused', (e) => { const r = JSON.parse(e.data); say(`Job ${r.id} cannot be followed (${r.status})`); });
  state.stream = stream;
}

// render applies the changes of the jobs marked since the last frame.
function render() {
  state.frame = 0;
  for (const id of state.dirty) {
    const job = state.jobs.get(id);
    const row = state.rows.get(id);
    if (row) fillRow(row, job);
    if (id === state.selected) renderDetail();
  }
  state.dirty.clear();
}

// --- the list ---------------------------------------------------------

function fillRow(row, job) {
  const [, type, status, progress, created, actions] = row.cells;
  type.textContent = job.type;
  status.className = 'status status-' + job.status;
  status.textContent = job.status + (job.error ? ': ' + job.error.type : '');
  progress.replaceChildren();
  if (job.progress) {
    progress.append(el('progress', { max: job.progress.total, value: job.progress.current }),
      ` ${job.progress.step} ${job.progress.current}/${job.progress.total}`);
  }
  created.textContent = new Date(job.createdAt).toLocaleString();
  actions.replaceChildren();
  if (!terminal.has(job.status)) {
    actions.append(el('button', { type: 'button', className: 'cancel', textContent: 'Cancel', onclick: () => cancel(job.id) },
      el('span', { className: 'sr-only', textContent: ' job ' + job.id })));
  }
}

function rowFor(job) {
  const open = el('button', { type: 'button', textContent: job.id, onclick: () => select(job.id) });
  open.setAttribute('aria-label', 'Open job ' + job.id);
  const row = el('tr', {}, el('td', { className: 'job' }, open), el('td'), el('td'), el('td'), el('td'), el('td'));
  row.dataset.id = job.id;
  return row;
}

async function loadPage() {
  const q = new URLSearchParams({ limit: $('#filter-limit').value });
  if ($('#filter-status').value) q.set('status', $('#filter-status').value);
  if ($('#filter-type').value) q.set('type', $('#filter-type').value);
  const cursor = state.cursors[state.cursors.length - 1];
  if (cursor) q.set('cursor', cursor);
  let page;
  try { page = await api('/jobs?' + q); } catch (err) { say('Cannot list the jobs: ' + err.message); return; }
  say('');
  state.next = page.next || '';
  state.rows.clear();
  const body = document.createDocumentFragment();
  for (const job of page.jobs) {
    const row = rowFor(job);
    state.rows.set(job.id, row);
    body.append(row);
    seen(job);
    fillRow(row, state.jobs.get(job.id));
  }
  $('#jobs tbody').replaceChildren(body);
  if (!page.jobs.length) $('#jobs tbody').append(el('tr', {}, el('td', { colSpan: 6, className: 'muted', textContent: 'No jobs' })));
  $('#page-number').textContent = `Page ${state.cursors.length}`;
  $('#page-next').disabled = !state.next;
  $('#page-prev').disabled = $('#page-first').disabled = state.cursors.length === 1;
  follow();
}

function firstPage() { state.cursors = ['']; loadPage(); }

// --- one job ----------------------------------------------------------

async function select(id) {
  state.selected = id;
  $('#detail').hidden = false;
  try { seen(await api('/jobs/' + encodeURIComponent(id))); } catch (err) { say(`Cannot read job ${id}: ${err.message}`); }
  renderDetail();
  $('#detail-heading').focus();
  follow();
}

function fields(dl, pairs) {
  dl.replaceChildren(...pairs.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) =>
    [el('dt', { textContent: k }), el('dd', { textContent: typeof v === 'string' ? v : JSON.stringify(v) })]));
}

function renderDetail() {
  const job = state.jobs.get(state.selected);
  if (!job) return;
  $('#detail-heading').textContent = `Job ${job.id}`;
  fields($('#detail-fields'), [['Type', job.type], ['Status', job.status], ['Attempts', job.attempts],
    ['Parameters', job.parameters], ['Results', job.results], ['Created', job.createdAt], ['Finished', job.finishedAt]]);
  $('#detail-error').hidden = !job.error;
  if (job.error) fields($('#error-fields'), [['Type', job.error.type], ['Message', job.error.message], ['Condition', job.error.condition]]);
  $('#detail-cancel').hidden = terminal.has(job.status);
  $('#detail').dataset.live = state.live.has(job.id);
  $('#detail-live').textContent = terminal.has(job.status) ? 'Finished' : state.live.has(job.id) ? 'Live' : 'Not followed yet';
  const items = (state.timelines.get(job.id) || []).map((s) => {
    const li = el('li', { textContent: `seq ${s.seq} ${s.status}` + (s.progress ? ` ${s.progress.step} ${s.progress.current}/${s.progress.total}` : '') });
    li.dataset.seq = s.seq;
    return li;
  });
  $('#timeline').replaceChildren(...items);
}

async function cancel(id) {
  try { seen(await api('/jobs/' + encodeURIComponent(id), { method: 'DELETE' })); } catch (err) { say(`Cannot cancel job ${id}: ${err.message}`); }
}

// --- the submit form, from the job types' JSON Schemas -----------------

let schemas = {}; // type → its parameters' schema

function resolve(doc, schema) {
  const ref = schema && schema.$ref;
  return ref ? ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], doc) : schema;
}

// bounds finds minimum and maximum in a schema or the first of its anyOf
// (an optional number: a range, or 0 for "not given").
function bounds(s) {
  const first = (s.anyOf || [])[0] || {};
  return { min: s.minimum ?? first.minimum, max: s.maximum ?? first.maximum };
}

function renderForm() {
  const schema = schemas[$('#submit-type').value] || {};
  $('#submit-description').textContent = schema.description || '';
  const required = new Set(schema.required || []);
  const set = $('#submit-fields');
  set.replaceChildren(el('legend', { textContent: 'Parameters' }));
  for (const [name, prop] of Object.entries(schema.properties || {})) {
    const id = 'param-' + name;
    const input = el('input', { id, name, required: required.has(name) });
    if (prop.type === 'integer' || prop.type === 'number') {
      input.type = 'number';
      input.step = prop.type === 'integer' ? '1' : 'any';
      const { min, max } = bounds(prop);
      if (min !== undefined) input.min = min;
      if (max !== undefined) input.max = max;
    } else if (prop.type === 'boolean') {
      input.type = 'checkbox';
    } else {
      input.type = 'text';
      if (prop.minLength) input.minLength = prop.minLength;
      if (prop.maxLength) input.maxLength = prop.maxLength;
    }
    input.dataset.kind = prop.type;
    const hint = el('span', { id: id + '-hint', className: 'muted', textContent: prop.description || '' });
    input.setAttribute('aria-describedby', hint.id);
    set.append(el('label', { htmlFor: id, textContent: name + (required.has(name) ? ' (required)' : '') }), input, hint);
  }
  if (!Object.keys(schema.properties || {}).length) set.append(el('p', { className: 'muted', textContent: 'No parameters.' }));
}

function formParameters() {
  const params = {};
  for (const input of $('#submit-fields').querySelectorAll('input')) {
    if (input.type === 'checkbox') { params[input.name] = input.checked; continue; }
    if (input.value === '') continue;
    params[input.name] = input.dataset.kind === 'integer' || input.dataset.kind === 'number' ? Number(input.value) : input.value;
  }
  return params;
}

async function submit(e) {
  e.preventDefault();
  const form = $('#submit-form');
  if (!form.reportValidity()) return;
  const result = $('#submit-result');
  const type = $('#submit-type').value;
  try {
    const job = await api('/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type, parameters: formParameters() }) });
    result.textContent = `Submitted ${type} job ${job.id}`;
    result.dataset.job = job.id;
    seen(job);
    state.cursors = [''];
    await loadPage();
    select(job.id);
  } catch (err) {
    result.textContent = `Not submitted: ${err.message}`;
    delete result.dataset.job;
  }
}

async function loadTypes() {
  let doc;
  try { doc = await api('/openapi.json'); } catch (err) { say('Cannot read the job types: ' + err.message); return; }
  for (const [type, ref] of Object.entries(doc['x-job-types'] || {})) {
    schemas[type] = resolve(doc, ref);
    $('#submit-type').append(el('option', { value: type, textContent: type }));
    $('#filter-type').append(el('option', { value: type, textContent: type }));
  }
  renderForm();
}

// --- the local archive (jobsd only: elsewhere the route answers 404) -----

async function loadArchive() {
  let answer;
  try { answer = await api('/local/archive'); } catch (err) {
    if (err.status !== 404) say('Cannot read the archive: ' + err.message);
    return;
  }
  $('#archive').hidden = false;
  $('#archive-empty').hidden = answer.events.length > 0;
  $('#archive-events tbody').replaceChildren(...answer.events.map((e) => {
    const replay = el('button', { type: 'button', textContent: 'Replay' });
    replay.setAttribute('aria-label', `Replay the failure of job ${e.jobId}`);
    replay.addEventListener('click', () => replayEvent(e));
    const row = el('tr', {}, el('td', { textContent: e.time }), el('td', { className: 'job' }, jobLink(e.jobId)),
      el('td', { textContent: [e.condition, e.errorType, e.errorMessage].filter(Boolean).join(' · ') }), el('td', {}, replay));
    row.dataset.event = e.id;
    return row;
  }));
}

function jobLink(id) {
  const b = el('button', { type: 'button', textContent: id });
  b.addEventListener('click', () => select(id));
  return b;
}

async function replayEvent(e) {
  let answer;
  try { answer = await api('/local/archive/replay', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ids: [e.id] }) }); } catch (err) {
    say(`Cannot replay the failure of job ${e.jobId}: ${err.message}`);
    return;
  }
  $('#archive-result').textContent = answer.replayed.includes(e.id) ? `Replayed the failure of job ${e.jobId}`
    : answer.refusedAgain.includes(e.id) ? `The error handler refused the failure of job ${e.jobId} again` : `The failure of job ${e.jobId} is not in your archive`;
  select(e.jobId);
}

// --- wiring -------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('#submit-type').addEventListener('change', renderForm);
  $('#submit-form').addEventListener('submit', submit);
  for (const f of ['#filter-status', '#filter-type', '#filter-limit']) $(f).addEventListener('change', firstPage);
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadPage(); });
  $('#refresh').addEventListener('click', loadPage);
  $('#page-first').addEventListener('click', firstPage);
  $('#page-prev').addEventListener('click', () => { state.cursors.pop(); loadPage(); });
  $('#page-next').addEventListener('click', () => { if (state.next) { state.cursors.push(state.next); loadPage(); } });
  $('#detail-cancel').addEventListener('click', () => cancel(state.selected));
  $('#archive-refresh').addEventListener('click', loadArchive);
  loadTypes();
  loadPage();
  loadArchive();
});
