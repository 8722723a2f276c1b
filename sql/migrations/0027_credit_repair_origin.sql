-- Credit repair applied for by the subject itself (issue 14): through the public page, without
-- an account. Such an application has origin 'subject' and no recording agency (the public
-- side recorded it, as the pseudo-principal ``public``); the publisher verifies and decides it
-- like any other. Existing applications were all recorded by their publisher: origin 'agency'.

ALTER TABLE sanctions.credit_repair
    ADD COLUMN origin text NOT NULL DEFAULT 'agency' CHECK (origin IN ('agency', 'subject')),
    ALTER COLUMN recorded_by DROP NOT NULL,
    ADD CONSTRAINT credit_repair_origin_recorder CHECK ((origin = 'agency') = (recorded_by IS NOT NULL)),
    ADD CONSTRAINT credit_repair_subject_no_user CHECK (origin = 'agency' OR recorded_by_user IS NULL);
