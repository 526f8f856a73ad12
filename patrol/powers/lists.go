package powers

// ListRow is one item row of a published powers list (赋权清单), as written, with its row
// number in the file. Resolving names to codes and checking them is the import's work.
type ListRow struct {
	Row        int    // 1-based row number in the sheet or CSV file
	Number     string // 序号
	Code       string // 事项编码 / 编码; empty when the list has none
	Name       string // 事项名称
	Sector     string // 所属领域: a sector's Chinese name or its code
	Department string // 实施部门 / 原实施部门: a department's name or code
	LegalBasis string // 法律依据, line breaks kept
	Category   string // 事项类别: 行政处罚 / 处罚 / 行政强制 / 强制 (or penalty / coercion)
	Townships  string // 适用镇街: 全部, or township names or codes separated by 、 or ,
}

// BandRow is one row of a published discretion list (自由裁量基准): an item, a level,
// its conditions and the range of the fine, as written.
type BandRow struct {
	Row        int    // 1-based row number in the sheet or CSV file
	Item       string // the item's code or name
	Level      string // 轻微 / 一般 / 严重
	Conditions string // 适用情形
	Range      string // e.g. 处500元以上2000元以下罚款, 1万元以上3万元以下, or 500-2000
}

// RowError names a bad row of an imported file and why it is bad.
type RowError struct {
	Row     int    `json:"row"`     // 1-based row number in the file
	Reason  string `json:"reason"`  // a stable code, e.g. missing, unknown_sector, unknown_township
	Message string `json:"message"` // a sentence for a person
}

// SheetRow is one row of a sheet or CSV file as read, merged cells already carried to
// every cell they cover.
type SheetRow struct {
	Row   int // 1-based row number in the file
	Cells []string
}

// Format is the kind of file a list comes in.
type Format string

// The formats an import reads.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)
