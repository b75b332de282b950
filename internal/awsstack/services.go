package awsstack

import (
	"encoding/json"
	"fmt"
)

// Table is the stack's DynamoDB table.
type Table struct {
	LogicalID    string
	Name         string
	Keys         []Key       // KeySchema
	Attributes   []Attribute // AttributeDefinitions
	TTLAttribute string      // "" without TTL
	Indexes      []Index     // GlobalSecondaryIndexes
}

// Index is a global secondary index of the table.
type Index struct {
	Name       string
	Keys       []Key
	Projection string // ProjectionType: ALL, KEYS_ONLY or INCLUDE
}

// Key is an element of a key schema.
type Key struct{ Name, Type string } // Type: HASH or RANGE

// Attribute is an attribute definition.
type Attribute struct{ Name, Type string } // Type: S, N or B

// EventsAPI is the stack's AppSync Events API.
type EventsAPI struct {
	LogicalID        string
	Name             string
	ConnectionAuth   []string // auth types: API_KEY, AWS_IAM, …
	PublishAuth      []string // the default for namespaces
	SubscribeAuth    []string // the default for namespaces
	Namespaces       []Namespace
	HasAPIKey        bool // an AWS::AppSync::ApiKey exists
	HTTPEndpoint     string
	RealtimeEndpoint string
}

// Namespace is a channel namespace of the events API.
type Namespace struct {
	Name          string
	PublishAuth   []string
	SubscribeAuth []string
	CodeHandlers  string // APPSYNC_JS source, "" for none
}

// Bus is an EventBridge event bus with its archives and rules.
type Bus struct {
	LogicalID string
	Name      string
	Arn       string
	Archives  []Archive
	Rules     []Rule
}

// Archive keeps the bus's events that match Pattern (all when nil).
type Archive struct {
	LogicalID string
	Arn       string
	Pattern   json.RawMessage
}

// Rule sends the bus's events that match Pattern to its targets.
type Rule struct {
	LogicalID string
	Pattern   json.RawMessage
	Enabled   bool
	Targets   []RuleTarget
}

// RuleTarget is a function of the stack, given the event or the part of it
// that InputPath selects.
type RuleTarget struct {
	Function  string // logical id
	InputPath string // "" for the whole event
}

func (s *Stack) readTable(r *resolver, _ string) error {
	ids := r.t.ofType(typeTable)
	if len(ids) != 1 {
		return fmt.Errorf("%d DynamoDB tables, want one", len(ids))
	}
	id := ids[0]
	props, err := r.properties(id, "KeySchema", "AttributeDefinitions", "TimeToLiveSpecification", "GlobalSecondaryIndexes")
	if err != nil {
		return err
	}
	name, _ := r.ref(id)
	s.Table = Table{LogicalID: id, Name: name.(string)}
	for _, k := range list(props, "KeySchema") {
		s.Table.Keys = append(s.Table.Keys, Key{Name: str(k, "AttributeName"), Type: str(k, "KeyType")})
	}
	for _, a := range list(props, "AttributeDefinitions") {
		s.Table.Attributes = append(s.Table.Attributes, Attribute{Name: str(a, "AttributeName"), Type: str(a, "AttributeType")})
	}
	for _, gsi := range list(props, "GlobalSecondaryIndexes") {
		index := Index{Name: str(gsi, "IndexName"), Projection: str(object(gsi, "Projection"), "ProjectionType")}
		for _, k := range list(gsi, "KeySchema") {
			index.Keys = append(index.Keys, Key{Name: str(k, "AttributeName"), Type: str(k, "KeyType")})
		}
		s.Table.Indexes = append(s.Table.Indexes, index)
	}
	if ttl := object(props, "TimeToLiveSpecification"); ttl["Enabled"] == true {
		s.Table.TTLAttribute = str(ttl, "AttributeName")
	}
	if len(s.Table.Keys) == 0 {
		return fmt.Errorf("table %s has no key schema", id)
	}
	return nil
}

// authTypes reads a list of {"AuthType": …}.
func authTypes(props map[string]any, key string) []string {
	var out []string
	for _, m := range list(props, key) {
		out = append(out, str(m, "AuthType"))
	}
	return out
}

func (s *Stack) readEvents(r *resolver, _ string) error {
	ids := r.t.ofType(typeEventsAPI)
	if len(ids) != 1 {
		return fmt.Errorf("%d AppSync Events APIs, want one", len(ids))
	}
	id := ids[0]
	props, err := r.properties(id, "Name", "EventConfig")
	if err != nil {
		return err
	}
	cfg := object(props, "EventConfig")
	host, err := r.getAtt(id, "Dns.Http")
	if err != nil {
		return err
	}
	s.Events = EventsAPI{
		LogicalID: id, Name: str(props, "Name"),
		ConnectionAuth:   authTypes(cfg, "ConnectionAuthModes"),
		PublishAuth:      authTypes(cfg, "DefaultPublishAuthModes"),
		SubscribeAuth:    authTypes(cfg, "DefaultSubscribeAuthModes"),
		HTTPEndpoint:     "https://" + host.(string) + "/event",
		RealtimeEndpoint: "wss://" + host.(string) + "/event/realtime",
	}
	for _, nsID := range r.t.ofType(typeChannelNamespace) {
		if api, _ := target(r.t.Resources[nsID].Properties["ApiId"]); api != id {
			continue
		}
		ns, err := r.properties(nsID, "Name", "PublishAuthModes", "SubscribeAuthModes", "CodeHandlers")
		if err != nil {
			return err
		}
		n := Namespace{Name: str(ns, "Name"), PublishAuth: authTypes(ns, "PublishAuthModes"),
			SubscribeAuth: authTypes(ns, "SubscribeAuthModes"), CodeHandlers: str(ns, "CodeHandlers")}
		if len(n.PublishAuth) == 0 {
			n.PublishAuth = s.Events.PublishAuth
		}
		if len(n.SubscribeAuth) == 0 {
			n.SubscribeAuth = s.Events.SubscribeAuth
		}
		s.Events.Namespaces = append(s.Events.Namespaces, n)
	}
	for _, keyID := range r.t.ofType(typeAPIKey) {
		if api, _ := target(r.t.Resources[keyID].Properties["ApiId"]); api == id {
			s.Events.HasAPIKey = true
		}
	}
	return nil
}

func (s *Stack) readBuses(r *resolver, _ string) error {
	for _, id := range r.t.ofType(typeEventBus) {
		name, _ := r.ref(id)
		arn, _ := r.getAtt(id, "Arn")
		s.Buses = append(s.Buses, &Bus{LogicalID: id, Name: name.(string), Arn: arn.(string)})
	}
	for _, id := range r.t.ofType(typeArchive) {
		b, err := busOf(s, r, id, "SourceArn")
		if err != nil {
			return err
		}
		arn, _ := r.getAtt(id, "Arn")
		pattern, err := json.Marshal(r.t.Resources[id].Properties["EventPattern"])
		if err != nil {
			return fmt.Errorf("archive %s: %w", id, err)
		}
		b.Archives = append(b.Archives, Archive{LogicalID: id, Arn: arn.(string), Pattern: pattern})
	}
	for _, id := range r.t.ofType(typeRule) {
		b, err := busOf(s, r, id, "EventBusName")
		if err != nil {
			return err
		}
		rule, err := readRule(r, id)
		if err != nil {
			return err
		}
		b.Rules = append(b.Rules, rule)
	}
	return nil
}

// busOf is the bus a rule or archive's property names.
func busOf(s *Stack, r *resolver, id, property string) (*Bus, error) {
	busID, ok := target(r.t.Resources[id].Properties[property])
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a bus of the stack", id, property)
	}
	b, ok := s.Bus(busID)
	if !ok {
		return nil, fmt.Errorf("%s: no bus %s", id, busID)
	}
	return b, nil
}

func readRule(r *resolver, id string) (Rule, error) {
	raw := r.t.Resources[id].Properties
	pattern, err := json.Marshal(raw["EventPattern"])
	if err != nil {
		return Rule{}, fmt.Errorf("rule %s: %w", id, err)
	}
	rule := Rule{LogicalID: id, Pattern: pattern, Enabled: raw["State"] != "DISABLED"}
	targets, _ := raw["Targets"].([]any)
	for _, t := range targets {
		m, _ := t.(map[string]any)
		fn, ok := target(m["Arn"])
		if !ok || r.t.Resources[fn].Type != typeFunction {
			return Rule{}, fmt.Errorf("rule %s: target %v is not a function of the stack", id, m["Arn"])
		}
		inputPath, _ := m["InputPath"].(string)
		rule.Targets = append(rule.Targets, RuleTarget{Function: fn, InputPath: inputPath})
	}
	return rule, nil
}
