// Drives the unmodified aws-amplify `events` client against a running jobsd:
// the local AppSync Events endpoint for push, the HTTP API to submit jobs.
// Env: EVENTS_ENDPOINT (https://127.0.0.1:PORT/event), EVENTS_API_KEY, API_URL
// (http://127.0.0.1:PORT, or the AWS stage's URL); ACCESS_KEY_ID and
// SECRET_ACCESS_KEY to sign API calls; NODE_EXTRA_CA_CERTS must name the
// endpoint's ca.pem. The system must run one job at a time (jobsd: --workers
// 1; the AWS shape: one processor environment): a 30-second sleep job holds
// it, so that the order job stays Pending until it is subscribed to, and is
// then cancelled.
// Exits non-zero, saying why, when the client and the endpoint disagree.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { events } from 'aws-amplify/data';
import { signRequest } from '@aws-amplify/core/internals/aws-client-utils';

// Node 20 has no global WebSocket; without it `connect` retries silently.
globalThis.WebSocket = WebSocket;

const { EVENTS_ENDPOINT, EVENTS_API_KEY, API_URL } = process.env;
assert.ok(EVENTS_ENDPOINT && EVENTS_API_KEY && API_URL, 'EVENTS_ENDPOINT, EVENTS_API_KEY and API_URL are required');

Amplify.configure({
  API: { Events: { endpoint: EVENTS_ENDPOINT, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: EVENTS_API_KEY } },
});

const TERMINAL = new Set(['Success', 'Failure', 'Cancelled']);

// With ACCESS_KEY_ID and SECRET_ACCESS_KEY set, API calls are signed with
// SigV4 for execute-api (the AWS shape, or jobsd with auth on), by Amplify's
// own signer.
const { ACCESS_KEY_ID, SECRET_ACCESS_KEY } = process.env;

async function api(method, path, body) {
  const url = new URL(`${API_URL}${path}`);
  let request = {
    url, method, body: body && JSON.stringify(body),
    headers: body ? { 'content-type': 'application/json' } : {},
  };
  if (ACCESS_KEY_ID) {
    request = signRequest({ ...request, headers: { ...request.headers, host: url.host } }, {
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      signingRegion: 'us-east-1', signingService: 'execute-api',
    });
    delete request.headers.host; // fetch sets it, from the URL
  }
  const res = await fetch(url, { method, headers: request.headers, body: request.body });
  return { status: res.status, job: await res.json() };
}

async function submit(body) {
  const { status, job } = await api('POST', '/jobs', body);
  assert.equal(status, 202, `POST /jobs answered ${status}`);
  return job;
}

// follow subscribes to one job's channel and gathers its events.
async function follow(jobId) {
  const channel = await events.connect(`/jobs/${jobId}`);
  const seen = [];
  const waiters = [];
  const sub = channel.subscribe({
    next: ({ event }) => {
      seen.push({ ...event, receivedAt: Date.now() });
      for (const w of waiters.splice(0)) w();
    },
    error: (err) => { console.error(`subscription to /jobs/${jobId} failed:`, err); process.exit(1); },
  });
  await sub.ready;
  const untilEnd = async () => {
    const deadline = Date.now() + 20000;
    while (!seen.some((e) => TERMINAL.has(e.status))) {
      assert.ok(Date.now() < deadline, `timed out waiting for the end of job ${jobId}`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 500); });
    }
  };
  return { channel, seen, untilEnd };
}

async function expectUnauthorized(what, fn) {
  try {
    await fn();
  } catch (err) {
    const text = `${err?.name} ${err?.message} ${JSON.stringify(err?.errors ?? err)}`;
    assert.match(text, /Unauthorized/, `${what}: rejected, but not as UnauthorizedException: ${text}`);
    return;
  }
  assert.fail(`${what}: accepted, want UnauthorizedException`);
}

// A subscription the endpoint refuses: subscribe_error reaches `error`.
async function expectSubscriptionRefused(channelName) {
  const channel = await events.connect(channelName);
  const refused = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscription to ${channelName} was neither refused nor ended`)), 20000);
    channel.subscribe({
      next: (data) => reject(new Error(`subscription to ${channelName} delivered ${JSON.stringify(data)}`)),
      error: (err) => { clearTimeout(timer); resolve(err); },
    });
  });
  await expectUnauthorized(`subscribe to ${channelName}`, async () => { throw await refused; });
  channel.close();
}

// A wrong key is refused, over WebSocket and over HTTP.
await expectUnauthorized('events.connect with a wrong key', () =>
  events.connect('/jobs/interop', { apiKey: 'da2-wrong' }));
await expectUnauthorized('events.post with a wrong key', () =>
  events.post('/jobs/interop', { hello: 'nobody' }, { apiKey: 'da2-wrong' }));

// No one may follow every job: a subscription names one job's channel.
await expectSubscriptionRefused('/jobs/*');

// Every change of a job after Pending, in order, on its own channel: the
// order job waits behind a sleep job until the subscription is ready.
const sleeper = await submit({ seconds: 30 });
const order = await submit({ type: 'order', parameters: { orderId: 'interop-1' } });
assert.equal(order.status, 'Pending');
const own = await follow(order.id);
assert.equal((await api('DELETE', `/jobs/${sleeper.id}`)).status, 200, 'cancelling the sleep job');
await own.untilEnd();

const seen = own.seen;
const final = await api('GET', `/jobs/${order.id}`);
assert.equal(final.status, 200);
assert.deepEqual(seen.map((e) => e.seq), seen.map((_, i) => i + 2), 'the subscriber missed a change after Pending');
assert.equal(seen.at(-1).status, 'Success');
assert.equal(seen.at(-1).seq, final.job.seq, 'the last event is not the job as GET returns it');
assert.equal(seen[0].status, 'Running', 'the first change after Pending is not Running');
assert.deepEqual([...new Set(seen.filter((e) => e.progress).map((e) => e.progress.step))],
  ['PAID', 'PREPARING', 'OUT_FOR_DELIVERY', 'DELIVERED']);

// Only jobsd publishes job events: the client is refused over the socket and over HTTP.
await expectUnauthorized('publish to the job channel over the socket', () =>
  own.channel.publish({ id: order.id, status: 'Success', seq: 99 }));
await expectUnauthorized('events.post to the job channel', () =>
  events.post(`/jobs/${order.id}`, { id: order.id, status: 'Success', seq: 99 }));
assert.equal(own.seen.length, seen.length, 'a refused publish reached the subscriber');

// How long from the commit (updatedAt) to this subscriber; informative only.
const lags = seen.map((e) => e.receivedAt - Date.parse(e.updatedAt)).sort((a, b) => a - b);
console.log(JSON.stringify({ ok: true, events: seen.length, lagMs: { p50: lags[Math.floor(lags.length / 2)], max: lags.at(-1) } }));

own.channel.close();
process.exit(0);
