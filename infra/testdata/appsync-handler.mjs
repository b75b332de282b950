// Runs an AppSync Events namespace handler file under Node, as the infra
// tests need: node appsync-handler.mjs <handler.js> <namespace> <channel>...
// It prints a JSON object that maps each channel to what onSubscribe did
// with a subscription to it: "allowed", "unauthorized" or "error: <message>".
//
// The file is imported unchanged. Its import of '@aws-appsync/utils' is
// resolved to the util below, which does what the APPSYNC_JS runtime's does
// for the one function the handlers use: util.unauthorized() ends the handler
// and refuses the request.
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

class Unauthorized extends Error {}

globalThis.appsyncUtil = {
  unauthorized() {
    throw new Unauthorized('Unauthorized');
  },
};

const utilsModule = 'data:text/javascript,export const util = globalThis.appsyncUtil;';
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === '@aws-appsync/utils') return { url: ${JSON.stringify(utilsModule)}, shortCircuit: true };
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));

const [handlerFile, namespace, ...channels] = process.argv.slice(2);
const handlers = await import(pathToFileURL(resolve(handlerFile)).href);

const outcomes = {};
for (const path of channels) {
  // The context of a subscribe request with the API key (no identity).
  const ctx = {
    identity: null,
    info: {
      channel: { path, segments: path.split('/').filter((s) => s !== '') },
      channelNamespace: { name: namespace },
      operation: 'SUBSCRIBE',
    },
    request: { headers: {}, domainName: null },
    stash: {},
  };
  try {
    handlers.onSubscribe(ctx);
    outcomes[path] = 'allowed';
  } catch (err) {
    outcomes[path] = err instanceof Unauthorized ? 'unauthorized' : `error: ${err.message}`;
  }
}
process.stdout.write(JSON.stringify(outcomes) + '\n');
