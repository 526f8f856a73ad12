// Package documents renders a penalty case's printable documents (执法文书) — 立案审批表,
// 现场检查笔录, 行政处罚事先告知书, 行政处罚决定书, 送达回证 — as A4 HTML pages with print
// CSS, from the case's record: each carries the case number and the hash of the event of
// the hash-chained history it records, so that a printed page can be checked against the
// record. It also publishes decisions (执法公示): the decisions within their disclosure
// window, with a person's name masked.
package documents
