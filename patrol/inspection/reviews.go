package inspection

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridwatch/gridwatch/internal/apperr"
	"github.com/gridwatch/gridwatch/internal/auth"
	"github.com/gridwatch/gridwatch/internal/pgdb"
	"github.com/gridwatch/gridwatch/patrol/calendar"
	"github.com/gridwatch/gridwatch/patrol/cases"
	"github.com/gridwatch/gridwatch/patrol/draw"
	"github.com/gridwatch/gridwatch/patrol/evidence"
)

// The areas of the review checklist, after the seed's four faults (程序执行不严格、调查取证
// 不充分、文书制作不规范、说理式执法不到位); each is scored 0 to AreaPoints.
var Areas = []string{"procedure", "evidence", "documents", "reasoning"}

// AreaPoints is the most an area scores: four areas make 100.
const AreaPoints = 25

// FixupWorkdays is the default period of a fix-up, in working days after the review.
const FixupWorkdays = 20

// Checks are what the system finds in a case's record by itself, pre-filled on the
// reviewer's checklist.
type Checks struct {
	DeadlinesMet     bool `json:"deadlines_met"`      // no stage of the bureau past its due day
	EvidencePresent  bool `json:"evidence_present"`   // at least one piece of evidence
	EvidencePosition bool `json:"evidence_positions"` // every piece with a capture position checked ok against the track
	ReviewBefore     bool `json:"review_before_decision"`
	DocumentsMade    bool `json:"documents_generated"` // 立案, 告知, 决定 and 送达 recorded: their 文书 can be printed
	ReasonsWritten   bool `json:"reasons_written"`     // the decision states its reasons (说理) in its note
}

// PreFill computes the checks of a case from its record: its deadlines (as the case
// store computes them), its history and its evidence.
func PreFill(c cases.Case, events []cases.Event, ev []evidence.Record) Checks {
	var k Checks
	k.DeadlinesMet = true
	for _, d := range c.Deadlines {
		if !d.Party && d.Met != nil && !*d.Met {
			k.DeadlinesMet = false
		}
	}
	k.EvidencePresent = len(ev) > 0
	k.EvidencePosition = k.EvidencePresent
	for _, r := range ev {
		if r.PositionCheck != nil && *r.PositionCheck != evidence.PositionOK {
			k.EvidencePosition = false
		}
	}
	seen := map[cases.EventType]bool{}
	approved := false
	for _, e := range events {
		seen[e.Type] = true
		if e.Type == cases.EventReview {
			var d cases.Detail
			approved = approved || (json.Unmarshal(e.Detail, &d) == nil && d.Outcome == cases.ReviewApprove)
		}
		if e.Type == cases.EventDecide {
			k.ReviewBefore = approved
			k.ReasonsWritten = strings.TrimSpace(e.Note) != ""
		}
	}
	k.DocumentsMade = seen[cases.EventFile] && seen[cases.EventNotify] && seen[cases.EventDecide] && seen[cases.EventDeliver]
	return k
}

// Review is the review of one drawn case file.
type Review struct {
	ID         int64          `json:"id"`
	Draw       int64          `json:"draw"`
	Case       int64          `json:"case"`
	Township   string         `json:"township"`
	Checks     *Checks        `json:"checks"` // pre-filled from the record (GET of one review; the stored ones once reviewed)
	Scores     map[string]int `json:"scores,omitempty"`
	Score      *int           `json:"score"`
	Findings   string         `json:"findings"`
	Reviewer   *string        `json:"reviewer"`
	ReviewedAt *time.Time     `json:"reviewed_at"`
	Fixup      *Fixup         `json:"fixup"`
}

// Fixup is the fix-up (整改) a review's findings open.
type Fixup struct {
	ID      int64         `json:"id"`
	Finding string        `json:"finding"`
	Due     calendar.Date `json:"due"`
	// Calendar is "weekdays only" when the default due day was counted on weekdays alone:
	// a year it crossed had no working-day calendar when the review was scored.
	Calendar string     `json:"calendar,omitempty"`
	ClosedAt *time.Time `json:"closed_at"`
	ClosedBy *string    `json:"closed_by"`
	Closure  *string    `json:"closure"`
	Overdue  bool       `json:"overdue"`
}

// stored is what the checks column keeps: the pre-filled checks and the area scores.
type stored struct {
	Checks Checks         `json:"checks"`
	Scores map[string]int `json:"scores"`
}

func (s *Store) makeReviews(ctx context.Context, tx pgx.Tx, d Draw, picks []draw.Pick) error {
	for _, pk := range picks {
		id, err := strconv.ParseInt(pk.Unit, 10, 64)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_reviews (draw, case_id, township) VALUES ($1, $2, $3)`, d.ID, id, pk.Stratum); err != nil {
			return err
		}
	}
	return nil
}

const reviewColumns = `r.id, r.draw, r.case_id, r.township, r.checks, r.score, r.findings, r.reviewer, r.reviewed_at,
	f.id, f.finding, f.due, f.due_weekdays_only, f.closed_at, f.closed_by, f.closure`

func (s *Store) scanReview(row pgx.CollectableRow) (Review, error) {
	var r Review
	var st *stored
	var fid *int64
	var finding *string
	var due *time.Time
	var weekdaysOnly *bool
	var f Fixup
	err := row.Scan(&r.ID, &r.Draw, &r.Case, &r.Township, &st, &r.Score, &r.Findings, &r.Reviewer, &r.ReviewedAt,
		&fid, &finding, &due, &weekdaysOnly, &f.ClosedAt, &f.ClosedBy, &f.Closure)
	if st != nil {
		r.Checks, r.Scores = &st.Checks, st.Scores
	}
	if fid != nil {
		f.ID, f.Finding, f.Due = *fid, *finding, calendar.DateOf(*due)
		f.Overdue = f.ClosedAt == nil && s.today().After(f.Due.Time)
		if weekdaysOnly != nil && *weekdaysOnly {
			f.Calendar = calendar.WeekdaysOnly
		}
		r.Fixup = &f
	}
	return r, err
}

// Reviews lists the reviews of a draw (all when draw is 0): a scoped token's of its
// township.
func (s *Store) Reviews(ctx context.Context, who auth.Identity, drawID int64) ([]Review, error) {
	rows, err := s.db.Query(ctx, `SELECT `+reviewColumns+` FROM case_reviews r LEFT JOIN review_fixups f ON f.review = r.id
		WHERE ($1 = 0 OR r.draw = $1) AND ($2 = '' OR r.township = $2) ORDER BY r.id`, drawID, who.Township)
	if err != nil {
		return nil, pgdb.Translate(err, "case reviews")
	}
	list, err := pgx.CollectRows(rows, s.scanReview)
	return list, pgdb.Translate(err, "case reviews")
}

// reviewOf reads one review under q. Errors: not_found, forbidden.
func (s *Store) reviewOf(ctx context.Context, q querier, who auth.Identity, id int64, lock string) (Review, error) {
	rows, err := q.Query(ctx, `SELECT `+reviewColumns+` FROM case_reviews r LEFT JOIN review_fixups f ON f.review = r.id
		WHERE r.id = $1 `+lock, id)
	if err != nil {
		return Review{}, err
	}
	r, err := pgx.CollectExactlyOneRow(rows, s.scanReview)
	if err != nil {
		return Review{}, pgdb.Translate(err, fmt.Sprintf("case review %d", id))
	}
	if who.Scoped() && r.Township != who.Township {
		return Review{}, apperr.Forbiddenf("case review %d is not of township %s", id, who.Township)
	}
	return r, nil
}

// checksOf computes a case's pre-filled checks through the owners' stores.
func (s *Store) checksOf(ctx context.Context, who auth.Identity, caseID int64) (Checks, error) {
	c, err := s.src.Cases.WithDeadlines(ctx, who, caseID)
	if err != nil {
		return Checks{}, err
	}
	events, err := s.src.Cases.Events(ctx, who, caseID)
	if err != nil {
		return Checks{}, err
	}
	ev, err := s.src.Evidence.List(ctx, who, caseID)
	if err != nil {
		return Checks{}, err
	}
	return PreFill(c, events, ev), nil
}

// ReviewFile returns one review; before it is scored, with the checks pre-filled from
// the case's record now. Errors: not_found, forbidden.
func (s *Store) ReviewFile(ctx context.Context, who auth.Identity, id int64) (Review, error) {
	r, err := s.reviewOf(ctx, s.db, who, id, "")
	if err != nil || r.Checks != nil {
		return r, err
	}
	k, err := s.checksOf(ctx, who, r.Case)
	r.Checks = &k
	return r, err
}

// Scoring is a reviewer's scoring of a case file.
type Scoring struct {
	Scores   map[string]int `json:"scores"`   // each of Areas, 0 to AreaPoints
	Findings string         `json:"findings"` // what is to be fixed; opens a fix-up when not blank
	FixDue   *calendar.Date `json:"fix_due"`  // the fix-up's due day (default FixupWorkdays working days)
}

// Score records a legal reviewer's scoring, once, with the checks pre-filled from the
// record at that moment, and opens the fix-up its findings ask for. Errors: not_found;
// forbidden (not a legal token, or a scoped one of another township); invalid (areas
// missing or out of range, a due day in the past); conflict when already scored.
func (s *Store) Score(ctx context.Context, who auth.Identity, id int64, sc Scoring) (Review, error) {
	if who.Role != auth.Legal {
		return Review{}, apperr.Forbiddenf("案卷评查 is scored by legal reviewers")
	}
	total := 0
	for _, a := range Areas {
		v, ok := sc.Scores[a]
		if !ok || v < 0 || v > AreaPoints {
			return Review{}, apperr.Invalidf("scores.%s must be 0 to %d", a, AreaPoints)
		}
		total += v
	}
	if len(sc.Scores) != len(Areas) {
		return Review{}, apperr.Invalidf("scores has areas other than %s", strings.Join(Areas, ", "))
	}
	sc.Findings = strings.TrimSpace(sc.Findings)
	if len(sc.Findings) > 4000 {
		return Review{}, apperr.Invalidf("findings are longer than 4,000 bytes")
	}
	if sc.FixDue != nil && sc.FixDue.Before(s.today().Time) {
		return Review{}, apperr.Invalidf("fix_due %s is in the past", sc.FixDue)
	}
	r, err := s.reviewOf(ctx, s.db, who, id, "")
	if err != nil {
		return Review{}, err
	}
	checks, err := s.checksOf(ctx, who, r.Case)
	if err != nil {
		return Review{}, err
	}
	due, weekdaysOnly := sc.FixDue, false
	if sc.Findings != "" && due == nil {
		d, w, err := s.publishBy(ctx, s.now())
		if err != nil {
			return Review{}, err
		}
		due, weekdaysOnly = &d, w
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		cur, err := s.reviewOf(ctx, tx, who, id, "FOR UPDATE OF r")
		if err != nil {
			return err
		}
		if cur.ReviewedAt != nil {
			return apperr.New(apperr.Conflict, "case review %d is already scored", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE case_reviews SET checks = $2, score = $3, findings = $4, reviewer = $5, reviewed_at = $6
			WHERE id = $1`, id, stored{Checks: checks, Scores: sc.Scores}, total, sc.Findings, who.Name, s.now()); err != nil {
			return err
		}
		if sc.Findings == "" {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO review_fixups (review, finding, due, due_weekdays_only) VALUES ($1, $2, $3, $4)`,
			id, sc.Findings, due.Time, weekdaysOnly)
		return err
	})
	if err != nil {
		return Review{}, pgdb.Translate(err, fmt.Sprintf("case review %d", id))
	}
	return s.reviewOf(ctx, s.db, who, id, "")
}

// CloseFixup closes a review's fix-up with what was done. Errors: not_found (no review or
// no fix-up), forbidden (another township), invalid (a blank closure), conflict (closed).
func (s *Store) CloseFixup(ctx context.Context, who auth.Identity, reviewID int64, closure string) (Review, error) {
	closure = strings.TrimSpace(closure)
	if closure == "" || len(closure) > 4000 {
		return Review{}, apperr.Invalidf("a closure of 1 to 4,000 bytes says what was fixed")
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		r, err := s.reviewOf(ctx, tx, who, reviewID, "FOR UPDATE OF r")
		switch {
		case err != nil:
			return err
		case r.Fixup == nil:
			return apperr.NotFoundf("case review %d opened no fix-up", reviewID)
		case r.Fixup.ClosedAt != nil:
			return apperr.New(apperr.Conflict, "the fix-up of case review %d is already closed", reviewID)
		}
		_, err = tx.Exec(ctx, `UPDATE review_fixups SET closed_at = $2, closed_by = $3, closure = $4 WHERE id = $1`,
			r.Fixup.ID, s.now(), who.Name, closure)
		return err
	})
	if err != nil {
		return Review{}, pgdb.Translate(err, fmt.Sprintf("case review %d", reviewID))
	}
	return s.reviewOf(ctx, s.db, who, reviewID, "")
}
