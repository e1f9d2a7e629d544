package spec

// This file is the typed model of a Naftiko 1.0.0-alpha2 document. Every
// construct of the schema has a field here, even those the engine does not
// execute yet: the loader parses them all, and the engine reports the ones it
// cannot run as "not supported yet" diagnostics instead of ignoring them.
//
// Every struct carries Pos (where it starts in the YAML file) and Path (its
// location in the document, e.g. "capability.exposes[1].tools[2]") so that
// later stages can report positioned diagnostics without going back to YAML.

// Pos is a position in a capability file. Line and Col are 1-based.
type Pos struct {
	File string
	Line int
	Col  int
}

// Loc is embedded in every model struct: where it was declared.
type Loc struct {
	Pos  Pos
	Path string
}

// Document is one loaded capability file.
type Document struct {
	Loc
	// File is the path the document was loaded from (as given).
	File string
	// Naftiko is the value of the root `naftiko` key (the dialect version).
	Naftiko    string
	Info       *Info
	Binds      []*Bind
	Consumes   []*Consumer // root-level consumes: a shared consumer file
	Capability *Capability
}

// Info is descriptive metadata.
type Info struct {
	Loc
	Label        string
	Description  string
	Tags         []string
	Created      string
	Modified     string
	Stakeholders []*Person
}

// Person is a stakeholder of a capability.
type Person struct {
	Loc
	Role     string
	FullName string
	Email    string
}

// Bind declares external variables (secrets, settings). Without Location the
// source keys are environment variable names.
type Bind struct {
	Loc
	Namespace   string
	Description string
	Location    string
	Keys        []*BindKey // in declaration order
}

// BindKey maps a variable name (as used in templates) to a source key.
type BindKey struct {
	Loc
	Variable string
	Source   string
}

// Capability is the runnable body of a document.
type Capability struct {
	Loc
	Binds      []*Bind
	Exposes    []*Expose
	Consumes   []*Consumer
	Aggregates []*Aggregate
}

// Consumer is an upstream HTTP API (`type: http`), or an import of one from
// another file when Location is set (then Import/As apply and Resources is
// filled in by the loader from the imported file).
type Consumer struct {
	Loc
	Type            string
	Namespace       string
	Description     string
	BaseURI         string
	InputParameters []*ConsumedParam
	Authentication  *Auth
	Resources       []*ConsumedResource

	// Import fields (ImportedConsumesHttp).
	Location string
	Import   string
	As       string

	// source identifies the definition an import was copied from (resolved
	// file path and imported namespace), so that two documents importing the
	// same consumer are not reported as a namespace collision.
	source string
}

// IsImport reports whether the consumer is an ImportedConsumesHttp entry.
func (c *Consumer) IsImport() bool { return c.Location != "" }

// ConsumedResource is a path of an upstream API.
type ConsumedResource struct {
	Loc
	Name            string
	Label           string
	Description     string
	Path            string
	InputParameters []*ConsumedParam
	Operations      []*ConsumedOperation
}

// ConsumedOperation is one upstream HTTP operation.
type ConsumedOperation struct {
	Loc
	Name             string
	Label            string
	Description      string
	Method           string // upper-cased by the loader
	InputParameters  []*ConsumedParam
	OutputRawFormat  string // lower-cased; "" means json
	OutputSchema     string
	OutputParameters []*ConsumedOutput
	Body             *RequestBody

	// Resource is the resource the operation belongs to (set by the loader).
	Resource *ConsumedResource `json:"-"`
	// Consumer is the consumer the operation belongs to (set by the loader).
	Consumer *Consumer `json:"-"`
}

// ConsumedParam is a parameter of an upstream request. Type, Required and
// Description are not in the alpha2 schema (a warning) but generated files
// carry them and the engine honours them.
type ConsumedParam struct {
	Loc
	Name        string
	In          string // query, header, path, cookie, body, environment
	Value       string // template; "" when absent
	HasValue    bool
	Type        string
	Required    bool
	Description string
}

// ConsumedOutput is a named JSONPath projection of an upstream response.
type ConsumedOutput struct {
	Loc
	Name  string
	Type  string
	Value string
}

// RequestBody is the `body:` of a consumed operation. Raw is set for the plain
// string form; otherwise Type and Data (a decoded YAML value: string,
// map[string]any, []any) are set. Parts holds multipartForm parts.
type RequestBody struct {
	Loc
	Raw   string
	IsRaw bool
	Type  string // json, text, xml, sparql, formUrlEncoded, multipartForm
	Data  any
	Parts []*MultipartPart
}

// MultipartPart is one part of a multipartForm body.
type MultipartPart struct {
	Loc
	Name        string
	Value       string
	Filename    string
	ContentType string
}

// Auth is an authentication block, on a consumer (outbound) or on an
// exposing adapter (inbound).
type Auth struct {
	Loc
	Type string // basic, apikey, bearer, digest, oauth2

	Username  string // basic, digest
	Password  string // basic, digest
	Key       string // apikey
	Value     string // apikey
	Placement string // apikey: header | query
	Token     string // bearer

	// oauth2
	AuthorizationServerURI string
	Resource               string
	Scopes                 []string
	Audience               string
	TokenEndpoint          string
	TokenValidation        string

	// oauth2 on a consumer (an engine extension, client-credentials grant):
	// templates rendered against the binds.
	ClientID     string
	ClientSecret string
}

// Expose is an exposing adapter. Exactly one of Rest, MCP, Skill, Control is
// set, chosen by Type.
type Expose struct {
	Loc
	Type           string
	Namespace      string // empty for control adapters
	Port           int
	HasPort        bool
	Address        string
	Description    string
	Authentication *Auth

	Rest    *RestAdapter
	MCP     *MCPAdapter
	Skill   *SkillAdapter
	Control *ControlAdapter

	// doc is the document the adapter belongs to (set by the linker), so
	// that input inference can see binds and consumers.
	doc *Document
}

// RestAdapter is the body of a `type: rest` adapter.
type RestAdapter struct {
	Resources []*RestResource
}

// RestResource is one exposed path.
type RestResource struct {
	Loc
	Path            string
	Name            string
	Label           string
	Description     string
	InputParameters []*ExposedParam
	Operations      []*RestOperation
	Forward         *Forward
}

// Forward passes requests of a resource through to a consumer.
type Forward struct {
	Loc
	TargetNamespace string
	TrustedHeaders  []string
}

// Endpoint is what REST operations, MCP tools and aggregate functions have in
// common: something a caller invokes, which calls upstream operations (call,
// steps) or returns mock values, and shapes the result.
type Endpoint struct {
	Loc
	Name             string
	Label            string
	Description      string
	Ref              string
	Call             string
	With             []*WithEntry
	Steps            []*Step
	Mappings         []*StepMapping
	OutputParameters []*OutputParam

	// Target is the consumed operation named by Call (set by the linker;
	// nil when Call is empty or unresolved).
	Target *ConsumedOperation `json:"-"`
	// Function is the aggregate function named by Ref (set by the linker;
	// nil when Ref is empty or unresolved).
	Function *Function `json:"-"`
}

// RestOperation is one method on an exposed REST resource.
type RestOperation struct {
	Endpoint
	Method          string // upper-cased
	InputParameters []*ExposedParam

	Resource *RestResource `json:"-"`
}

// ExposedParam is a declared input of a REST resource or operation.
type ExposedParam struct {
	Loc
	Name        string
	In          string // query, header, path, cookie, body
	Type        string
	Description string
	Pattern     string
	Value       string
	HasValue    bool
	Required    bool
	HasRequired bool
}

// WithEntry is one `key: value` of a `with` block. Value is a string or a
// float64/int (a YAML number).
type WithEntry struct {
	Loc
	Key   string
	Value any
}

// MCPAdapter is the body of a `type: mcp` adapter.
type MCPAdapter struct {
	Transport string // http (default) or stdio
	Tools     []*Tool
	Resources []*MCPResource
	Prompts   []*MCPPrompt
}

// Tool is an MCP tool.
type Tool struct {
	Endpoint
	InputParameters []*ToolParam
	Hints           *Hints
}

// ToolParam is a declared MCP tool argument.
type ToolParam struct {
	Loc
	Name        string
	Type        string
	Description string
	Required    bool // default true
}

// Hints are MCP tool annotations; nil fields were not set in the file.
type Hints struct {
	Loc
	ReadOnly    *bool
	Destructive *bool
	Idempotent  *bool
	OpenWorld   *bool
}

// MCPResource is an MCP resource, dynamic (call/steps) or static (Location).
type MCPResource struct {
	Endpoint
	URI      string
	MimeType string
	Location string
}

// MCPPrompt is an MCP prompt, inline (Template) or from a file (Location).
type MCPPrompt struct {
	Loc
	Name        string
	Label       string
	Description string
	Arguments   []*PromptArgument
	Template    []*PromptMessage
	Location    string
}

// PromptArgument is an argument of an MCP prompt.
type PromptArgument struct {
	Loc
	Name        string
	Label       string
	Description string
	Required    bool // default true
}

// PromptMessage is one message of an inline prompt template.
type PromptMessage struct {
	Loc
	Role    string
	Content string
}

// SkillAdapter is the body of a `type: skill` adapter.
type SkillAdapter struct {
	Skills []*Skill
}

// Skill is one Agent Skill served by a skill adapter.
type Skill struct {
	Loc
	Name                   string
	Description            string
	License                string
	Compatibility          string
	Metadata               map[string]string
	AllowedTools           string
	ArgumentHint           string
	UserInvocable          *bool
	DisableModelInvocation *bool
	Location               string
	Tools                  []*SkillTool
}

// SkillTool is a tool of a skill: derived from another adapter (From) or an
// instruction file.
type SkillTool struct {
	Loc
	Name        string
	Description string
	From        *SkillFrom
	Instruction string
}

// SkillFrom names an operation or tool of a sibling adapter.
type SkillFrom struct {
	Loc
	SourceNamespace string
	Action          string
}

// ControlAdapter is the body of a `type: control` adapter.
type ControlAdapter struct {
	Management    *Management
	Observability *Observability
}

// Management configures the control adapter's endpoints. Pointers are nil
// when not set in the file.
type Management struct {
	Loc
	Health    *bool
	Info      *bool
	Reload    *bool
	Validate  *bool
	Logs      any // bool or map (ControlLogsEndpointSpec), as decoded
	Scripting *Scripting
}

// Scripting configures script steps.
type Scripting struct {
	Loc
	Enabled          *bool
	DefaultLocation  string
	DefaultLanguage  string
	Timeout          int
	StatementLimit   int
	AllowedLanguages []string
}

// Observability configures metrics and traces.
type Observability struct {
	Loc
	Enabled          *bool
	MetricsLocal     *bool
	TracesSampling   *float64
	TracesPropagate  string
	TracesLocal      *bool
	TracesBufferSize int
	OTLPEndpoint     string
}

// Step is one step of an orchestrated endpoint. Type is call, lookup or
// script.
type Step struct {
	Loc
	Type string
	Name string

	// call
	Call   string
	With   []*WithEntry
	Target *ConsumedOperation `json:"-"`

	// lookup
	Index         string
	Match         string
	LookupValue   string
	LookupOutputs []string

	// script
	Language     string
	File         string
	Location     string
	Dependencies []string
}

// StepMapping maps a step output to a field of the orchestrated result.
type StepMapping struct {
	Loc
	TargetName string
	Value      string
}

// OutputParam is an output of an exposed endpoint: mapped (Mapping or Value
// on a typed parameter), orchestrated (Name + Type) or mock (Name + Value).
type OutputParam struct {
	Loc
	Name       string
	Type       string // string, number, integer, boolean, object, array
	In         string
	Mapping    string
	HasMapping bool
	Value      string
	HasValue   bool
	Const      any
	HasConst   bool
	Properties []*OutputParam // for objects, in declaration order; Name is the key
	Items      *OutputParam   // for arrays (mapped form)
	ItemList   []*OutputParam // for arrays (orchestrated form: a list)
	MaxLength  int
}

// Aggregate groups reusable functions referenced by `ref`.
type Aggregate struct {
	Loc
	Label     string
	Namespace string
	Functions []*Function
}

// Function is an aggregate function.
type Function struct {
	Endpoint
	InputParameters []*ToolParam
	Semantics       *Semantics

	// Aggregate is the aggregate the function belongs to (set by the loader).
	Aggregate *Aggregate `json:"-"`
}

// Semantics describe a function's behaviour; they derive MCP hints.
type Semantics struct {
	Loc
	Safe       *bool
	Idempotent *bool
	Cacheable  *bool
}
