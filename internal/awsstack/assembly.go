package awsstack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// manifest is the part of a cloud assembly's manifest.json that lists its stacks.
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// StackFile is a stack of a cloud assembly and its template.
type StackFile struct {
	Name     string
	Template string // path
}

// Stacks lists the stacks of the cloud assembly cdkOut (what `cdk synth`
// wrote), sorted by name.
func Stacks(cdkOut string) ([]StackFile, error) {
	b, err := os.ReadFile(filepath.Join(cdkOut, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("awsstack: read the cloud assembly (run cdk synth): %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("awsstack: %s/manifest.json: %w", cdkOut, err)
	}
	var stacks []StackFile
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		name := a.Properties.StackName
		if name == "" {
			name = id
		}
		stacks = append(stacks, StackFile{Name: name, Template: filepath.Join(cdkOut, a.Properties.TemplateFile)})
	}
	slices.SortFunc(stacks, func(a, b StackFile) int { return strings.Compare(a.Name, b.Name) })
	return stacks, nil
}

// OnlyStack is the one stack of the cloud assembly cdkOut.
func OnlyStack(cdkOut string) (StackFile, error) {
	stacks, err := Stacks(cdkOut)
	if err != nil {
		return StackFile{}, err
	}
	if len(stacks) != 1 {
		return StackFile{}, fmt.Errorf("awsstack: %s holds %d stacks, want one", cdkOut, len(stacks))
	}
	return stacks[0], nil
}
