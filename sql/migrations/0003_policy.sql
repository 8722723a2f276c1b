-- Policy: agency roles, key labels, and the catalogue of matters an agency may declare as the
-- purpose of a question (Hub-Purpose).

-- A role narrows an agency kind: the hotel front-desk system is a police agency with role
-- 'hotel' and may only screen.
ALTER TABLE core.agency ADD COLUMN role text CHECK (role ~ '^[a-z][a-z_]{1,31}$');

-- One active key per label and agency, so `key revoke --label` is unambiguous.
CREATE UNIQUE INDEX api_key_active_label ON core.api_key (agency_id, label) WHERE revoked_at IS NULL;

CREATE TABLE core.matter (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z_]{2,63}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    description text NOT NULL CHECK (btrim(description) <> '')
);

INSERT INTO core.matter (code, name, description) VALUES
    ('REAL_ESTATE_REGISTRATION', '不动产登记', 'Registration or transfer of real estate at the land registry.'),
    ('LUXURY_PROPERTY_PURCHASE', '购买非经营必需不动产', 'Purchase of real estate not needed for living or business.'),
    ('HOTEL_CHECK_IN', '星级以上宾馆入住', 'Check-in at a star-rated hotel.'),
    ('ENTERPRISE_REGISTRATION_CHANGE', '企业登记事项变更', 'Registration or change of registered particulars of an enterprise.'),
    ('LEGAL_REPRESENTATIVE_APPOINTMENT', '担任法定代表人或高管', 'Appointment as legal representative, director, supervisor or senior manager.'),
    ('GOVERNMENT_PROCUREMENT', '政府采购和招投标', 'Participation in government procurement and public tendering.'),
    ('VILLAGE_COMMITTEE_CANDIDACY', '村（居）委会候选人资格', 'Candidacy for a village or community committee or party branch.'),
    ('CIVIL_SERVICE_RECRUITMENT', '公务员和事业单位招录', 'Recruitment as a civil servant or public-institution employee.'),
    ('FLIGHT_TICKET', '乘坐飞机', 'Purchase of an air ticket.'),
    ('HIGH_SPEED_RAIL_TICKET', '乘坐高铁及软卧', 'Purchase of a high-speed rail or first-class rail ticket.'),
    ('VEHICLE_REGISTRATION', '机动车登记', 'Registration or transfer of a motor vehicle.'),
    ('LOAN_APPROVAL', '授信审批', 'Approval of a loan or credit line.'),
    ('PRIVATE_SCHOOL_ENROLMENT', '子女就读高收费私立学校', 'Enrolment of a child at a high-fee private school.'),
    ('HOUSING_SUBSIDY', '保障性住房和补贴', 'Application for subsidised housing or housing benefits.'),
    ('SOCIAL_ASSISTANCE', '社会救助审核', 'Review of social assistance entitlement.'),
    ('VEHICLE_ENFORCEMENT', '车辆查控', 'Locating and seizing a debtor''s vehicle for a court.'),
    ('PLATFORM_OVERSIGHT', '平台监督管理', 'Oversight of the platform by its operator.');
