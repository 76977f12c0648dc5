package compliance

// Schema identifies the report's JSON form. Fields may be added; renaming or
// removing one bumps it.
const Schema = "ibmitap.report/1"

// Report is the whole compliance report. The JSON field names are a stable
// contract (the JSON format of `ibmitap report`; the README lists its fields).
type Report struct {
	Schema   string    `json:"schema"`
	Period   Period    `json:"period"`
	Coverage Coverage  `json:"coverage"`
	Controls []Control `json:"controls"`
	Systems  []System  `json:"systems"`
	// Exposures are credential exposures, one row per class × user ×
	// system × service; the three classes are never merged.
	Exposures []Exposure `json:"exposures"`
	Clients   []Client   `json:"clients"`
	// EnforcementImpact is the migration work list: who stops working if
	// TLS-only were enforced today.
	EnforcementImpact []Impact `json:"enforcement_impact"`
	// Findings are rolled up by kind × severity × system × service.
	Findings    []FindingGroup `json:"findings"`
	Remediation []Remediation  `json:"remediation"`
	Trend       []Day          `json:"trend"`
	// Baseline compares the exposures with an earlier report.
	Baseline *Change `json:"baseline,omitempty"`
	// Redacted is set when user profiles were replaced by pseudonyms.
	Redacted bool `json:"redacted"`
	// Top is how many clients, users and samples a row lists at most.
	Top int `json:"top"`
}

// Period is the time span the report covers.
type Period struct {
	// From and Until are the requested bounds (--since, --until), else
	// the first and last packet time of the flows read.
	From  string `json:"from"`
	Until string `json:"until"`
	// FirstSeen and LastSeen bound the flows actually read.
	FirstSeen string `json:"first_seen,omitempty"`
	LastSeen  string `json:"last_seen,omitempty"`
}

// Coverage says what the report saw and how complete that is.
type Coverage struct {
	Sensors []string `json:"sensors"`
	Inputs  []string `json:"inputs"`
	Runs    int      `json:"runs"`
	// Known is false when no run summary was read: packets and drops
	// are then unknown (and written as 0).
	Known       bool   `json:"known"`
	Systems     int    `json:"systems"`
	Packets     uint64 `json:"packets"`
	Flows       uint64 `json:"flows"`
	KernelDrops uint64 `json:"kernel_drops"`
	OutputDrops uint64 `json:"output_drops"`
	Evicted     uint64 `json:"evicted"`
	// CaptureLoss is gap bytes / (gap + seen payload bytes) over the runs,
	// -1 when it cannot be estimated.
	CaptureLoss float64 `json:"capture_loss"`
	// NoPayload counts flows without payload (nothing to judge);
	// Uninspected flows whose payload could not be looked at.
	NoPayload   uint64 `json:"no_payload"`
	Uninspected uint64 `json:"uninspected"`
	// Statement is a plain sentence of what this report can and cannot
	// prove.
	Statement string `json:"statement"`
}

// Control is one control's verdict.
type Control struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	Requirements []string `json:"requirements"`
	Status       string   `json:"status"` // pass, fail, not_assessed
	// Evidence counts the flows the verdict rests on: the failing flows
	// for fail, the flows judged for pass, 0 for not_assessed.
	Evidence int `json:"evidence"`
	// Assessed counts the flows the control could judge.
	Assessed int    `json:"assessed"`
	Reason   string `json:"reason"`
}

// Control statuses.
const (
	Pass        = "pass"
	Fail        = "fail"
	NotAssessed = "not_assessed"
)

// System is one IBM i system (a server address with IBM i traffic).
type System struct {
	Address   string    `json:"address"`
	Flows     uint64    `json:"flows"`
	Plaintext uint64    `json:"plaintext"`
	TLS       uint64    `json:"tls"`
	Services  []Service `json:"services"`
}

// Service is one server or service of a system.
type Service struct {
	Service     string   `json:"service"`
	Port        uint16   `json:"port"`
	IBMi        bool     `json:"ibmi"`
	Flows       uint64   `json:"flows"`
	Plaintext   uint64   `json:"plaintext"`
	TLS         uint64   `json:"tls"`
	NoPayload   uint64   `json:"no_payload"`
	Bytes       uint64   `json:"bytes"`
	ClientCount int      `json:"client_count"`
	Clients     []string `json:"clients"`
	UserCount   int      `json:"user_count"`
	Users       []string `json:"users"`
	TLSVersions []string `json:"tls_versions"`
	FirstSeen   string   `json:"first_seen"`
	LastSeen    string   `json:"last_seen"`
}

// Exposure classes: never blurred.
const (
	ClassPassword   = "password"            // the password itself crossed in clear
	ClassSubstitute = "password_substitute" // an offline-guessable substitute with its seeds
	ClassUserID     = "user_id"             // a user ID alone
)

// Exposure is one credential exposure: class × user × system × service.
type Exposure struct {
	Class       string   `json:"class"`
	User        string   `json:"user"`
	System      string   `json:"system"`
	Service     string   `json:"service"`
	Mechanisms  []string `json:"mechanisms"`
	ClientCount int      `json:"client_count"`
	Clients     []string `json:"clients"`
	Flows       uint64   `json:"flows"`
	FirstSeen   string   `json:"first_seen"`
	LastSeen    string   `json:"last_seen"`
}

// Client is one client address.
type Client struct {
	Address string `json:"address"`
	Flows   uint64 `json:"flows"`
	// Functions are the IBM i client functions inferred from the servers
	// the client used (the catalog's function table).
	Functions []string `json:"functions"`
	Services  []string `json:"services"`
	// Plaintext lists the services it used without TLS where TLS exists.
	Plaintext []string `json:"plaintext"`
	UserCount int      `json:"user_count"`
	Users     []string `json:"users"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
}

// Impact is one server that a TLS-only setting would close, with who still
// uses it in plaintext.
type Impact struct {
	Measure     string   `json:"measure"` // e.g. "CHGTELNA ALWSSL(*ONLY)"
	Remedy      string   `json:"remedy"`  // remediation id
	System      string   `json:"system"`
	Service     string   `json:"service"`
	Port        uint16   `json:"port"`
	Flows       uint64   `json:"flows"`
	ClientCount int      `json:"client_count"`
	Clients     []string `json:"clients"`
	UserCount   int      `json:"user_count"`
	Users       []string `json:"users"`
	// Loopback is set when clients on the system itself use the port
	// (IBM i web tools do): enforcing stops them too.
	Loopback bool   `json:"loopback"`
	LastSeen string `json:"last_seen"`
}

// FindingGroup is the findings of one kind and severity on one system and
// service, rolled up.
type FindingGroup struct {
	Kind        string   `json:"kind"`
	Severity    string   `json:"severity"`
	System      string   `json:"system"`
	Service     string   `json:"service"`
	Count       uint64   `json:"count"` // flows with this finding
	ClientCount int      `json:"client_count"`
	Clients     []string `json:"clients"`
	UserCount   int      `json:"user_count"`
	Users       []string `json:"users"`
	FirstSeen   string   `json:"first_seen"`
	LastSeen    string   `json:"last_seen"`
	Remedy      string   `json:"remedy,omitempty"`
	// Samples are the earliest flows of the group, for a second person
	// to check.
	Samples []Sample `json:"samples"`
}

// Sample points at one flow: its Community ID and, for capture input, the
// file and first packet number.
type Sample struct {
	CommunityID string `json:"community_id"`
	Client      string `json:"client"`
	Server      string `json:"server"`
	Sensor      string `json:"sensor,omitempty"`
	FirstSeen   string `json:"first_seen"`
	LastSeen    string `json:"last_seen"`
	File        string `json:"file,omitempty"`
	FirstPacket uint64 `json:"first_packet,omitempty"`
}

// Remediation is one remedy the findings call for, with where it applies.
type Remediation struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Steps    []string `json:"steps"`
	Cautions []string `json:"cautions,omitempty"`
	// Targets are "system service" pairs the remedy applies to.
	Targets []string `json:"targets"`
	Kinds   []string `json:"kinds"`
}

// Day is one day (UTC) of the trend.
type Day struct {
	Date      string            `json:"date"`
	Plaintext uint64            `json:"plaintext"`
	TLS       uint64            `json:"tls"`
	Findings  map[string]uint64 `json:"findings"` // by severity
}

// Change is the comparison with a baseline report.
type Change struct {
	File      string     `json:"file"`
	Period    Period     `json:"period"`
	New       []Exposure `json:"new"`
	Resolved  []Exposure `json:"resolved"`
	Unchanged int        `json:"unchanged"`
}
