// Package webhook delivers events to other systems (the city platform, the hotline's
// system) — alerts, case events and penalty decisions (of a party, only what 执法公示
// publishes): subscriptions to event types, township-scoped, each with a secret; an
// outbox written in the transaction of the event it reports; a worker that posts each
// delivery as JSON signed with HMAC-SHA256, retried with exponential backoff until the
// receiver answers 2xx, at least once. A receiver that hangs, fails or redirects holds up
// only its own subscription's deliveries, never ingest nor other subscriptions.
package webhook
