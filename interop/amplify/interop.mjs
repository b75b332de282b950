// Drives the unmodified aws-amplify `events` client against a running jobsd:
// the local AppSync Events endpoint for push, the HTTP API to submit jobs.
// Env: EVENTS_ENDPOINT (https://127.0.0.1:PORT/event), EVENTS_API_KEY, API_URL
// (http://127.0.0.1:PORT); NODE_EXTRA_CA_CERTS must name jobsd's ca.pem.
// Exits non-zero, saying why, when the client and the endpoint disagree.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { events } from 'aws-amplify/data';

// Node 20 has no global WebSocket; without it `connect` retries silently.
globalThis.WebSocket = WebSocket;

const { EVENTS_ENDPOINT, EVENTS_API_KEY, API_URL } = process.env;
assert.ok(EVENTS_ENDPOINT && EVENTS_API_KEY && API_URL, 'EVENTS_ENDPOINT, EVENTS_API_KEY and API_URL are required');

Amplify.configure({
  API: { Events: { endpoint: EVENTS_ENDPOINT, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: EVENTS_API_KEY } },
});

const TERMINAL = new Set(['Success', 'Failure', 'Cancelled']);

async function submit(body) {
  const res = await fetch(`${API_URL}/jobs`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 202, `POST /jobs answered ${res.status}`);
  return (await res.json()).id;
}

// collect subscribes to a channel and gathers what arrives, by job id.
async function collect(channelName) {
  const channel = await events.connect(channelName);
  const byJob = new Map();
  const waiters = [];
  const sub = channel.subscribe({
    next: (data) => {
      const { event } = data;
      const list = byJob.get(event.id) ?? [];
      list.push({ ...event, receivedAt: Date.now() });
      byJob.set(event.id, list);
      for (const w of waiters.splice(0)) w();
    },
    error: (err) => { console.error(`subscription to ${channelName} failed:`, err); process.exit(1); },
  });
  await sub.ready;
  const until = async (done, what) => {
    const deadline = Date.now() + 20000;
    while (!done()) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what} on ${channelName}`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 500); });
    }
  };
  return { channel, byJob, until };
}

function assertIncreasingSeq(list, id) {
  for (let i = 1; i < list.length; i++) {
    assert.ok(list[i].seq > list[i - 1].seq, `job ${id}: seq ${list[i - 1].seq} then ${list[i].seq}`);
  }
}

async function expectUnauthorized(what, fn) {
  try {
    await fn();
  } catch (err) {
    const text = `${err?.name} ${err?.message} ${JSON.stringify(err?.errors ?? err)}`;
    assert.match(text, /Unauthorized/, `${what}: rejected, but not as UnauthorizedException: ${text}`);
    return;
  }
  assert.fail(`${what}: a wrong API key was accepted`);
}

// A wrong key is refused, over WebSocket and over HTTP.
await expectUnauthorized('events.connect with a wrong key', () =>
  events.connect('/jobs/interop', { apiKey: 'da2-wrong' }));
await expectUnauthorized('events.post with a wrong key', () =>
  events.post('/jobs/interop', { hello: 'nobody' }, { apiKey: 'da2-wrong' }));

// Every change of a job, in order, on the wildcard channel subscribed first.
const all = await collect('/jobs/*');
const orderId = await submit({ type: 'order', parameters: { orderId: 'interop-1' } });
const own = await collect(`/jobs/${orderId}`);
const isDone = (m, id) => (m.get(id) ?? []).some((e) => TERMINAL.has(e.status));
await all.until(() => isDone(all.byJob, orderId), `the end of job ${orderId}`);
await own.until(() => isDone(own.byJob, orderId), `the end of job ${orderId}`);

const seen = all.byJob.get(orderId);
assertIncreasingSeq(seen, orderId);
assert.deepEqual(seen.map((e) => e.seq), seen.map((_, i) => i + 1), 'the wildcard subscriber missed a change');
assert.equal(seen.at(-1).status, 'Success');
assert.ok(seen.some((e) => e.status === 'Running'), 'no Running event');
assert.deepEqual([...new Set(seen.filter((e) => e.progress).map((e) => e.progress.step))],
  ['PAID', 'PREPARING', 'OUT_FOR_DELIVERY', 'DELIVERED']);
const mine = own.byJob.get(orderId);
assertIncreasingSeq(mine, orderId);
assert.equal(mine.at(-1).status, 'Success', 'the job channel did not get the terminal event');

// The wildcard channel carries several jobs at once.
const ids = await Promise.all([1, 2, 3].map(() => submit({ type: 'noop' })));
await all.until(() => ids.every((id) => isDone(all.byJob, id)), 'three noop jobs');

// Publishing from the client: over the socket and over HTTP.
const chat = await collect('/jobs/interop-chat');
await chat.channel.publish({ id: 'socket', seq: 1 });
const failed = await events.post('/jobs/interop-chat', { id: 'http', seq: 1 });
assert.ok(!failed || failed.length === 0, `events.post: ${JSON.stringify(failed)}`);
await chat.until(() => chat.byJob.has('socket') && chat.byJob.has('http'), 'both published events');

// How long from the commit (updatedAt) to this subscriber; informative only.
const lags = seen.map((e) => e.receivedAt - Date.parse(e.updatedAt)).sort((a, b) => a - b);
console.log(JSON.stringify({ ok: true, events: seen.length, lagMs: { p50: lags[Math.floor(lags.length / 2)], max: lags.at(-1) } }));

for (const c of [all, own, chat]) await c.channel.close();
process.exit(0);
