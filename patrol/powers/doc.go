// Package powers is the catalog of enforcement powers (赋权清单): the departments that
// hold powers, the items (事项) — one penalty or coercive power each, with its sector,
// legal basis and discretion bands — and which township holds which item on which day.
//
// Who holds an item changes only through dated adjustments (a grant or a revocation,
// effective on a date, under a document number such as 澄政发〔2018〕12号), kept append-only
// like a case's history; the delegations — item × township × [valid_from, valid_to) — are
// what the adjustments add up to, so the state of any date can be answered. Lists are
// imported as the city publishes them (CSV or XLSX, with title rows, merged cells and
// blank separator rows): an import is an adjustment whose changes are the difference
// between the list and the state on its effective date.
package powers
