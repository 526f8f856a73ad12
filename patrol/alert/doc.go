// Package alert raises, keeps and serves the alerts of real-time supervision: rules over
// officers' fixes evaluated in memory as ingest commits them (sos, mock_location,
// left_area, off_plan's distance from the planned route), and rules evaluated by a ticker
// (offline over the latest positions, off_plan's missed cells, case_overdue's procedure
// and dispatch deadlines, hotspot's daily emerging hot spot analysis), each with
// parameters per township. An alert is open, then acknowledged (who, note), then
// resolved — by the system when its condition clears, or by a person. At most one alert
// per township, rule and subject is not resolved: the database's partial unique index and
// INSERT … ON CONFLICT DO NOTHING make a lasting condition one alert, raised once however
// many instances see it.
package alert
