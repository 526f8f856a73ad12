-- The receiving department's answer to a referral (流转/移送), recorded on its word by the
-- bureau: take_up (受理: the department accepted the case) and return (退回: it sent the
-- case back, with its reasons). Events of the case's history, owned by patrol/cases.
-- Every earlier type stays allowed.
ALTER TABLE case_events
    DROP CONSTRAINT case_events_type_check,
    ADD CONSTRAINT case_events_type_check
        CHECK (type IN ('report', 'assign', 'accept', 'arrive', 'resolve', 'refer', 'close',
                        'file', 'investigate', 'notify', 'review', 'decide', 'deliver', 'execute', 'evidence',
                        'revoke', 'take_up', 'return'));
