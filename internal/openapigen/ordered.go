package openapigen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is a JSON value that keeps its members in order, so that the parts
// of the document the generator does not write come out as they went in.
type node struct {
	keys    []string         // an object's member names, in order
	members map[string]*node // an object's members
	items   []*node          // an array's items
	array   bool
	scalar  any // a string, json.Number, bool or nil when neither object nor array
}

func (n *node) isObject() bool { return n.members != nil }

// get returns the member called key of an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || !n.isObject() {
		return nil
	}
	return n.members[key]
}

// set replaces the member called key, or appends it.
func (n *node) set(key string, v *node) {
	if _, ok := n.members[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.members[key] = v
}

func newObject() *node { return &node{members: map[string]*node{}} }

func decode(raw []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return n, nil
}

func decodeValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := newObject()
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			n.set(key.(string), v)
		}
		_, err := dec.Token()
		return n, err
	case json.Delim('['):
		n := &node{array: true}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err := dec.Token()
		return n, err
	}
	return &node{scalar: tok}, nil
}

// encode writes n as json.MarshalIndent does with two spaces, without
// escaping <, > and &.
func (n *node) encode(w *bytes.Buffer, depth int) error {
	indent := "\n" + strings.Repeat("  ", depth)
	switch {
	case n.isObject() && len(n.keys) == 0:
		w.WriteString("{}")
	case n.isObject():
		w.WriteByte('{')
		for i, key := range n.keys {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(indent + "  ")
			if err := writeScalar(w, key); err != nil {
				return err
			}
			w.WriteString(": ")
			if err := n.members[key].encode(w, depth+1); err != nil {
				return err
			}
		}
		w.WriteString(indent + "}")
	case n.array && len(n.items) == 0:
		w.WriteString("[]")
	case n.array:
		w.WriteByte('[')
		for i, item := range n.items {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(indent + "  ")
			if err := item.encode(w, depth+1); err != nil {
				return err
			}
		}
		w.WriteString(indent + "]")
	default:
		return writeScalar(w, n.scalar)
	}
	return nil
}

func writeScalar(w *bytes.Buffer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %v: %w", v, err)
	}
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}
