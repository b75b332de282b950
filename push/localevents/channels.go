package localevents

import (
	"fmt"
	"strings"

	"github.com/asyncjobs/asyncjobs/push"
)

// channel normalises a channel name and checks that its namespace exists;
// job tells whether it is a job namespace.
func (s *Server) channel(channel string, wildcard bool) (ch string, job bool, e *apiError) {
	ch, err := push.NormalizeChannel(channel, wildcard)
	if err != nil {
		return "", false, badRequest("%s", err)
	}
	ns := push.Namespace(ch)
	job, exists := s.namespaces[ns]
	if !exists {
		return "", false, badRequest("namespace %q of channel %q does not exist", ns, channel)
	}
	return ch, job, nil
}

// subscribeChannel checks the channel of a client's subscription and that
// its namespace lets mode subscribe. In a job namespace it must be one
// job's channel, /<ns>/<id>: a job id, given only to the job's owner, is
// what lets a client hear of the job.
func (s *Server) subscribeChannel(channel string, mode AuthMode) (string, *apiError) {
	ch, job, e := s.channel(channel, true)
	if e != nil {
		return "", e
	}
	ns := push.Namespace(ch)
	if e := s.checkMode(opSubscribe, ns, mode); e != nil {
		return "", e
	}
	if job && (strings.Count(ch, "/") != 2 || strings.HasSuffix(ch, "/*")) {
		return "", &apiError{ErrorType: errUnauthorized, Message: fmt.Sprintf(
			"subscriptions to the %s namespace must name one job's channel, /%s/<id>; wildcards are not allowed", ns, ns)}
	}
	return ch, nil
}
