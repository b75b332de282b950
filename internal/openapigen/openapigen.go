// Package openapigen writes the job types' parts of the OpenAPI document
// from a jobs.Registry: each type's parameter schema (<Name>Parameters),
// its envelope (<Name>Job), the Envelope choosing among them by "type", and
// the "x-job-types" extension that maps each type name to its parameter
// schema for the console and jobsctl. Every other part of the document is
// hand-written and kept as it is, in order.
package openapigen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// JobTypesKey is the document's extension listing the job types.
const JobTypesKey = "x-job-types"

const envelopeKey = "Envelope"

// Generate returns doc with its job types' parts written from types.
func Generate(doc []byte, types *jobs.Registry) ([]byte, error) {
	root, err := decode(doc)
	if err != nil {
		return nil, fmt.Errorf("openapigen: read the document: %w", err)
	}
	schemas := root.get("components").get("schemas")
	if schemas == nil {
		return nil, fmt.Errorf("openapigen: the document has no components.schemas")
	}
	generated := map[string]bool{envelopeKey: true}
	if old := root.get(JobTypesKey); old != nil { // the types of the last run, perhaps removed since
		for _, name := range old.keys {
			generated[schemaName(name, "Job")] = true
			generated[schemaName(name, "Parameters")] = true
		}
	}
	block, jobTypes, err := typeSchemas(types)
	if err != nil {
		return nil, err
	}
	for _, key := range block.keys {
		generated[key] = true
	}
	replaceBlock(schemas, block, generated)
	root.set(JobTypesKey, jobTypes)
	var out bytes.Buffer
	if err := root.encode(&out, 0); err != nil {
		return nil, fmt.Errorf("openapigen: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// replaceBlock puts block's members where the first generated member of
// schemas stood (else at the end) and drops the other generated members.
func replaceBlock(schemas, block *node, generated map[string]bool) {
	at := slices.IndexFunc(schemas.keys, func(k string) bool { return generated[k] })
	if at < 0 {
		at = len(schemas.keys)
	}
	keys := slices.DeleteFunc(slices.Clone(schemas.keys[:at]), func(k string) bool { return generated[k] })
	keys = append(keys, block.keys...)
	keys = append(keys, slices.DeleteFunc(slices.Clone(schemas.keys[at:]), func(k string) bool { return generated[k] })...)
	for k := range generated {
		delete(schemas.members, k)
	}
	for _, k := range block.keys {
		schemas.members[k] = block.members[k]
	}
	schemas.keys = keys
}

// typeSchemas returns the generated schemas (Envelope, then each type's
// envelope, then each type's parameters) and the x-job-types extension.
func typeSchemas(types *jobs.Registry) (block, jobTypes *node, err error) {
	block, jobTypes = newObject(), newObject()
	envelope := newObject()
	envelope.set("description", &node{scalar: "Chooses the job type by name. parameters may be omitted (or null), meaning {}: " +
		"that suits a type whose parameters are all optional; the others require parameters."})
	oneOf, mapping := &node{array: true}, newObject()
	var envelopes, parameters []*node
	for _, name := range types.Names() {
		raw, _ := types.ParameterSchema(name)
		params, err := decode(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("openapigen: the parameter schema of %s: %w", name, err)
		}
		jobRef, paramsRef := ref(schemaName(name, "Job")), ref(schemaName(name, "Parameters"))
		oneOf.items = append(oneOf.items, jobRef)
		mapping.set(name, jobRef.get("$ref"))
		envelopes = append(envelopes, typeEnvelope(name, params, paramsRef))
		parameters = append(parameters, params)
		jobTypes.set(name, paramsRef)
	}
	envelope.set("oneOf", oneOf)
	discriminator := newObject()
	discriminator.set("propertyName", &node{scalar: "type"})
	discriminator.set("mapping", mapping)
	envelope.set("discriminator", discriminator)
	block.set(envelopeKey, envelope)
	for i, name := range types.Names() {
		block.set(schemaName(name, "Job"), envelopes[i])
	}
	for i, name := range types.Names() {
		block.set(schemaName(name, "Parameters"), parameters[i])
	}
	return block, jobTypes, nil
}

// typeEnvelope is {"type": name, "parameters": {...}}; parameters are
// required when the type requires any.
func typeEnvelope(name string, params, paramsRef *node) *node {
	required := &node{array: true, items: []*node{{scalar: "type"}}}
	if params.get("required") != nil {
		required.items = append(required.items, &node{scalar: "parameters"})
	}
	typ := newObject()
	typ.set("const", &node{scalar: name})
	properties := newObject()
	properties.set("type", typ)
	properties.set("parameters", paramsRef)
	e := newObject()
	e.set("type", &node{scalar: "object"})
	e.set("required", required)
	e.set("additionalProperties", &node{scalar: false})
	e.set("properties", properties)
	return e
}

func ref(schema string) *node {
	n := newObject()
	n.set("$ref", &node{scalar: "#/components/schemas/" + schema})
	return n
}

// schemaName turns a type name such as "send-email" into "SendEmailJob".
func schemaName(typeName, suffix string) string {
	var b strings.Builder
	for word := range strings.FieldsFuncSeq(typeName, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return b.String() + suffix
}
