-- Public disclosure (信息公示, issue 14) reads sanctions.list_kind.public. 0019 marked the
-- courts' consumption-restriction list public; the public search never showed it (the SPC
-- rules on the dishonest list, art. 7, make that list public; the consumption-restriction
-- order is served on the debtor and checked by agencies, and the issue names the dishonest
-- list and the red list as what the law makes public). The flag now says what the search does.
UPDATE sanctions.list_kind SET public = false WHERE code = 'restricted';
