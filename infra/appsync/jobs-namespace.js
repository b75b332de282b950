// Handlers of the jobs channel namespace of the AppSync Events API, run by
// AppSync's APPSYNC_JS runtime.
//
// A job's channel, /<namespace>/<job id>, is a capability: job ids are
// unguessable and only the job's owner learns one. So a subscription must
// name exactly one job: wildcards (/jobs/*) and shallower or deeper channels
// are refused, whatever the caller's auth mode (API key or IAM).
import { util } from '@aws-appsync/utils';

export function onSubscribe(ctx) {
  const namespace = ctx.info.channelNamespace.name;
  const segments = ctx.info.channel.segments;
  if (segments.length !== 2 || segments[0] !== namespace || !isJobSegment(segments[1])) {
    util.unauthorized();
  }
}

// isJobSegment says whether segment names one job: not empty, no wildcard.
function isJobSegment(segment) {
  return segment.length > 0 && segment.indexOf('*') === -1;
}
