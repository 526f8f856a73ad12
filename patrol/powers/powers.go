package powers

import "time"

// Department is a department that holds enforcement powers (部门).
type Department struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Category is the kind of power an item grants.
type Category string

// The categories, as the lists name them: 行政处罚 and 行政强制.
const (
	Penalty  Category = "penalty"  // 行政处罚
	Coercion Category = "coercion" // 行政强制
)

// Level is a discretion level of a penalty (裁量阶次).
type Level string

// The levels, from the least to the most serious.
const (
	Minor    Level = "轻微"
	Ordinary Level = "一般"
	Serious  Level = "严重"
)

// Band is one discretion band of an item (自由裁量基准): the fine, in yuan, for a level,
// and the conditions under which it applies.
type Band struct {
	Level      Level   `json:"level"`
	MinYuan    float64 `json:"min_yuan"`
	MaxYuan    float64 `json:"max_yuan"`
	Conditions string  `json:"conditions"`
}

// Item is one enforcement power (事项).
type Item struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Sector     string   `json:"sector"`     // a sector code (package cases' sectors)
	Department string   `json:"department"` // the department that holds it where no township does
	LegalBasis string   `json:"legal_basis"`
	Category   Category `json:"category"`
	Bands      []Band   `json:"bands"`
}

// Delegation is an item held by a township over [ValidFrom, ValidTo); a nil ValidTo is
// open-ended. Dates are calendar days in China time.
type Delegation struct {
	Item      string `json:"item"`
	Township  string `json:"township"`
	ValidFrom Date   `json:"valid_from"`
	ValidTo   *Date  `json:"valid_to"`
}

// Action is what an adjustment does to an item in some townships.
type Action string

// The actions.
const (
	Grant  Action = "grant"
	Revoke Action = "revoke"
)

// Change is one item granted to or revoked from some townships.
type Change struct {
	Item      string   `json:"item"`
	Townships []string `json:"townships"`
}

// Adjustment is a dated change of who holds which items, as a document decided it.
type Adjustment struct {
	ID         int64     `json:"id"`
	Effective  Date      `json:"effective"`
	Document   string    `json:"document"` // e.g. 澄政发〔2018〕12号
	Grant      []Change  `json:"grant"`
	Revoke     []Change  `json:"revoke"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}
