// Package calendar keeps the working-day calendar: the State Council's yearly holiday
// arrangement (节假日安排), its holidays and the weekend days it makes working days
// (调休), and the arithmetic of periods counted in working days (Administrative Penalty
// Law art. 85). A year with no arrangement counts Monday to Friday and says so.
package calendar
