// Package skill is the skill adapter (`type: skill`): a read-only catalogue
// of Agent Skills — their metadata, their tools (derived from a sibling REST
// or MCP adapter, or instruction files) and their files. It never invokes a
// tool; agents call the referenced adapter themselves.
package skill
