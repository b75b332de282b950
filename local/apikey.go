package local

import "github.com/asyncjobs/asyncjobs/internal/eventskey"

// EventsAPIKeyFile is the file in the data directory that holds the events
// endpoint's API key when none is configured: the key alone on one line
// (internal/eventskey, which the AWS stack run locally shares).
const EventsAPIKeyFile = eventskey.File
