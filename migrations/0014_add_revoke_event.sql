-- A decision revoked (撤销: by the bureau correcting itself, on reconsideration or by a
-- court) is a revoke event of the case's history, owned by patrol/cases; 执法公示 withdraws
-- a decision whose case has one. Every earlier type stays allowed.
ALTER TABLE case_events
    DROP CONSTRAINT case_events_type_check,
    ADD CONSTRAINT case_events_type_check
        CHECK (type IN ('report', 'assign', 'accept', 'arrive', 'resolve', 'refer', 'close',
                        'file', 'investigate', 'notify', 'review', 'decide', 'deliver', 'execute', 'evidence',
                        'revoke'));
