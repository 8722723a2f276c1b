-- Compiled reads (hub/planner): what a query compiled into one statement needs in SQL to
-- answer exactly as the resolvers do.

-- Division names as hub.identity.region_name gives them: the provinces by their two-digit
-- prefix, and Fujian's cities and counties by their full code with the full name. A test
-- compares this table with the Python dictionaries it was generated from.
CREATE TABLE core.division_name (
    code text PRIMARY KEY CHECK (code ~ '^[1-9][0-9]([0-9]{4})?$'),
    name text NOT NULL CHECK (btrim(name) <> '')
);
INSERT INTO core.division_name (code, name) VALUES
    ('11', '北京市'),
    ('12', '天津市'),
    ('13', '河北省'),
    ('14', '山西省'),
    ('15', '内蒙古自治区'),
    ('21', '辽宁省'),
    ('22', '吉林省'),
    ('23', '黑龙江省'),
    ('31', '上海市'),
    ('32', '江苏省'),
    ('33', '浙江省'),
    ('34', '安徽省'),
    ('35', '福建省'),
    ('36', '江西省'),
    ('37', '山东省'),
    ('41', '河南省'),
    ('42', '湖北省'),
    ('43', '湖南省'),
    ('44', '广东省'),
    ('45', '广西壮族自治区'),
    ('46', '海南省'),
    ('50', '重庆市'),
    ('51', '四川省'),
    ('52', '贵州省'),
    ('53', '云南省'),
    ('54', '西藏自治区'),
    ('61', '陕西省'),
    ('62', '甘肃省'),
    ('63', '青海省'),
    ('64', '宁夏回族自治区'),
    ('65', '新疆维吾尔自治区'),
    ('71', '台湾省'),
    ('81', '香港特别行政区'),
    ('82', '澳门特别行政区'),
    ('350000', '福建省'),
    ('350100', '福建省福州市'),
    ('350102', '福建省福州市鼓楼区'),
    ('350103', '福建省福州市台江区'),
    ('350104', '福建省福州市仓山区'),
    ('350105', '福建省福州市马尾区'),
    ('350111', '福建省福州市晋安区'),
    ('350112', '福建省福州市长乐区'),
    ('350121', '福建省福州市闽侯县'),
    ('350122', '福建省福州市连江县'),
    ('350123', '福建省福州市罗源县'),
    ('350124', '福建省福州市闽清县'),
    ('350125', '福建省福州市永泰县'),
    ('350128', '福建省福州市平潭县'),
    ('350181', '福建省福州市福清市'),
    ('350200', '福建省厦门市'),
    ('350203', '福建省厦门市思明区'),
    ('350205', '福建省厦门市海沧区'),
    ('350206', '福建省厦门市湖里区'),
    ('350211', '福建省厦门市集美区'),
    ('350212', '福建省厦门市同安区'),
    ('350213', '福建省厦门市翔安区'),
    ('350300', '福建省莆田市'),
    ('350302', '福建省莆田市城厢区'),
    ('350303', '福建省莆田市涵江区'),
    ('350304', '福建省莆田市荔城区'),
    ('350305', '福建省莆田市秀屿区'),
    ('350322', '福建省莆田市仙游县'),
    ('350400', '福建省三明市'),
    ('350404', '福建省三明市三元区'),
    ('350405', '福建省三明市沙县区'),
    ('350421', '福建省三明市明溪县'),
    ('350423', '福建省三明市清流县'),
    ('350424', '福建省三明市宁化县'),
    ('350425', '福建省三明市大田县'),
    ('350426', '福建省三明市尤溪县'),
    ('350428', '福建省三明市将乐县'),
    ('350429', '福建省三明市泰宁县'),
    ('350430', '福建省三明市建宁县'),
    ('350481', '福建省三明市永安市'),
    ('350500', '福建省泉州市'),
    ('350502', '福建省泉州市鲤城区'),
    ('350503', '福建省泉州市丰泽区'),
    ('350504', '福建省泉州市洛江区'),
    ('350505', '福建省泉州市泉港区'),
    ('350521', '福建省泉州市惠安县'),
    ('350524', '福建省泉州市安溪县'),
    ('350525', '福建省泉州市永春县'),
    ('350526', '福建省泉州市德化县'),
    ('350527', '福建省泉州市金门县'),
    ('350581', '福建省泉州市石狮市'),
    ('350582', '福建省泉州市晋江市'),
    ('350583', '福建省泉州市南安市'),
    ('350600', '福建省漳州市'),
    ('350602', '福建省漳州市芗城区'),
    ('350603', '福建省漳州市龙文区'),
    ('350604', '福建省漳州市龙海区'),
    ('350605', '福建省漳州市长泰区'),
    ('350622', '福建省漳州市云霄县'),
    ('350623', '福建省漳州市漳浦县'),
    ('350624', '福建省漳州市诏安县'),
    ('350626', '福建省漳州市东山县'),
    ('350627', '福建省漳州市南靖县'),
    ('350628', '福建省漳州市平和县'),
    ('350629', '福建省漳州市华安县'),
    ('350700', '福建省南平市'),
    ('350702', '福建省南平市延平区'),
    ('350703', '福建省南平市建阳区'),
    ('350721', '福建省南平市顺昌县'),
    ('350722', '福建省南平市浦城县'),
    ('350723', '福建省南平市光泽县'),
    ('350724', '福建省南平市松溪县'),
    ('350725', '福建省南平市政和县'),
    ('350781', '福建省南平市邵武市'),
    ('350782', '福建省南平市武夷山市'),
    ('350783', '福建省南平市建瓯市'),
    ('350800', '福建省龙岩市'),
    ('350802', '福建省龙岩市新罗区'),
    ('350803', '福建省龙岩市永定区'),
    ('350821', '福建省龙岩市长汀县'),
    ('350823', '福建省龙岩市上杭县'),
    ('350824', '福建省龙岩市武平县'),
    ('350825', '福建省龙岩市连城县'),
    ('350881', '福建省龙岩市漳平市'),
    ('350900', '福建省宁德市'),
    ('350902', '福建省宁德市蕉城区'),
    ('350921', '福建省宁德市霞浦县'),
    ('350922', '福建省宁德市古田县'),
    ('350923', '福建省宁德市屏南县'),
    ('350924', '福建省宁德市寿宁县'),
    ('350925', '福建省宁德市周宁县'),
    ('350926', '福建省宁德市柘荣县'),
    ('350981', '福建省宁德市福安市'),
    ('350982', '福建省宁德市福鼎市');

-- region_name(code): the code's own entry, else its city's, else its province's.
CREATE FUNCTION core.region_name(code text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT d.name FROM core.division_name d
     WHERE d.code IN ($1, left($1, 4) || '00', left($1, 2))
     ORDER BY d.code = $1 DESC, length(d.code) DESC
     LIMIT 1
$$;

-- A page cursor as hub.schema.pagination.encode_cursor makes it: URL-safe base64 without
-- padding of the first 12 bytes of HMAC-SHA256(key, payload) and the payload (the JSON of
-- [scope, value]). The key arrives as its HMAC inner and outer pads (RFC 2104), so the
-- secret itself never enters a statement.
CREATE FUNCTION core.hub_cursor(ipad bytea, opad bytea, payload text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(
        encode(substr(sha256(opad || sha256(ipad || convert_to(payload, 'UTF8'))), 1, 12)
               || convert_to(payload, 'UTF8'), 'base64'),
        E'+/=\n', '-_')
$$;

-- A timestamp as the schema's DateTime serialises one (Python's isoformat in UTC):
-- microseconds only when there are any, and the offset written +00:00.
CREATE FUNCTION core.json_datetime(t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
           || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 <> 0
                   THEN to_char(t AT TIME ZONE 'UTC', '.US') ELSE '' END
           || '+00:00'
$$;

-- A float as the hub writes it in JSON (orjson): integral values keep ".0", exponents have
-- no plus sign and no leading zeros.
CREATE FUNCTION core.json_float(x float8) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN x = trunc(x) AND abs(x) < 1e16 THEN trunc(x)::numeric::text || '.0'
                ELSE regexp_replace(regexp_replace(x::text, 'e\+0*', 'e'), 'e-0*', 'e-') END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') THEN
        GRANT SELECT ON core.division_name TO hub_app;
    END IF;
END $$;
