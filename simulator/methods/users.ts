import type { Directory, DirectoryUser } from '../contract.js';
import type { SimDirectory } from '../directory.js';
import { asList, getCi, isRecord, phpInt, type Params } from '../phpParams.js';
import { collectFilter, conditionsOf, isDescending, matches, pageOf, sortRows, type FieldReader, type FieldValue, type FilterCondition } from './listFilter.js';
import { USER_SCOPES, type CallContext, type MethodAnswer, type MethodTable } from './types.js';

type UserFieldLevel = 'brief' | 'basic' | 'full';

/**
 * A portal's time zones as Bitrix24 keeps them (tests set them): the portal's default (main's option
 * `default_time_zone`; '' = the server's, UTC here) and a user's own (`TIME_ZONE`, chosen in their profile;
 * absent = the portal's). A user whose zone follows the browser (AUTO_TIME_ZONE) is not simulated.
 */
export interface PortalTimeZones {
  portal: string;
  users: Map<number, string>;
}

const timeZones = new WeakMap<Directory, PortalTimeZones>();

/** The time zones of the portal whose directory this is (one object per portal: change it in place). */
export function timeZonesOf(directory: Directory): PortalTimeZones {
  let zones = timeZones.get(directory);
  if (!zones) {
    zones = { portal: '', users: new Map() };
    timeZones.set(directory, zones);
  }
  return zones;
}

/** Seconds east of UTC of an IANA zone at `at` (epoch ms): what PHP's DateTime::getOffset() answers. */
export function zoneOffsetSeconds(zone: string, at: number): number {
  if (zone === '') return 0;
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0;
}

function fieldLevel(scope: readonly string[]): UserFieldLevel {
  if (scope.includes('user')) return 'full';
  if (scope.includes('user_basic')) return 'basic';
  return 'brief';
}

/** One user as user.get/user.current answer it; the field set depends on the token's user scope. */
export function userRow(directory: SimDirectory, user: DirectoryUser, level: UserFieldLevel): Record<string, unknown> {
  const registered = directory.registeredAt(user);
  const row: Record<string, unknown> = {
    ID: String(user.id),
    XML_ID: '',
    ACTIVE: user.active,
    NAME: user.name,
    LAST_NAME: user.lastName,
    SECOND_NAME: user.secondName,
    TITLE: '',
  };
  if (level !== 'brief') row.EMAIL = directory.email(user);
  if (level === 'full') row.LAST_LOGIN = user.active ? registered : '';
  Object.assign(row, {
    DATE_REGISTER: registered,
    TIME_ZONE: timeZonesOf(directory).users.get(user.id) ?? '',
    IS_ONLINE: user.online ? 'Y' : 'N',
    TIMESTAMP_X: registered,
    LAST_ACTIVITY_DATE: registered,
    PERSONAL_GENDER: directory.gender(user),
    PERSONAL_BIRTHDAY: '',
  });
  if (user.photo) row.PERSONAL_PHOTO = user.photo;
  if (level !== 'brief') {
    row.WORK_PHONE = '';
    row.PERSONAL_MOBILE = '';
  }
  row.WORK_POSITION = user.position;
  row.UF_EMPLOYMENT_DATE = '';
  row.UF_DEPARTMENT = [...user.departments];
  row.USER_TYPE = user.type;
  return row;
}

function selectFields(row: Record<string, unknown>, select: unknown): Record<string, unknown> {
  const wanted = asList(select).map((s) => String(s).toUpperCase());
  if (wanted.length === 0 || wanted.includes('*')) return row;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key === 'ID' || wanted.includes(key)) out[key] = value;
  return out;
}

function words(...parts: string[]): string[] {
  return parts
    .join(' ')
    .toLowerCase()
    .split(/[\s\-—,.()]+/)
    .filter(Boolean);
}

/** Every query word must start some word of the haystack. */
function wordPrefixMatch(haystack: readonly string[], needles: readonly string[]): boolean {
  return needles.length > 0 && needles.every((needle) => haystack.some((word) => word.startsWith(needle)));
}

interface SearchWords {
  /** NAME_SEARCH: names and position. */
  personal: string[];
  /** user.search FIND: also department names. */
  find: string[];
}

const searchWords = new WeakMap<DirectoryUser, SearchWords>();

function wordsOf(directory: SimDirectory, user: DirectoryUser): SearchWords {
  let cached = searchWords.get(user);
  if (!cached) {
    const personal = words(user.name, user.lastName, user.secondName, user.position);
    const departmentNames = user.departments.map((id) => directory.department(id)?.name ?? '');
    cached = { personal, find: [...personal, ...words(...departmentNames)] };
    searchWords.set(user, cached);
  }
  return cached;
}

const READERS: Record<string, FieldReader<DirectoryUser>> = {
  ID: (u) => u.id,
  NAME: (u) => u.name,
  LAST_NAME: (u) => u.lastName,
  SECOND_NAME: (u) => u.secondName,
  WORK_POSITION: (u) => u.position,
  UF_DEPARTMENT: (u) => u.departments,
  IS_ONLINE: (u) => (u.online ? 'Y' : 'N'),
  USER_TYPE: (u) => u.type,
};

function activeMatches(user: DirectoryUser, operator: string, value: unknown): boolean {
  const wanted = asList(value).map((v) => (typeof v === 'boolean' ? v : ['Y', 'TRUE', '1'].includes(String(v).trim().toUpperCase())));
  const hit = wanted.includes(user.active);
  return operator.startsWith('!') ? !hit : hit;
}

function buildPredicate(directory: SimDirectory, conditions: FilterCondition[], mode: 'get' | 'search'): (user: DirectoryUser) => boolean {
  const tests: Array<(user: DirectoryUser) => boolean> = [];
  for (const { operator, field, value } of conditions) {
    if (field === 'ACTIVE') tests.push((u) => activeMatches(u, operator, value));
    else if (field === 'NAME_SEARCH' || field === 'FIND') {
      const needles = words(String(asList(value)[0] ?? ''));
      if (needles.length === 0) continue;
      const key = field === 'FIND' ? 'find' : 'personal';
      tests.push((u) => wordPrefixMatch(wordsOf(directory, u)[key], needles));
    } else if (field === 'UF_DEPARTMENT_NAME') {
      const query = String(asList(value)[0] ?? '').toLowerCase();
      tests.push((u) => u.departments.some((d) => (directory.department(d)?.name ?? '').toLowerCase().startsWith(query)));
    } else if (mode === 'search' && operator === '' && (field === 'NAME' || field === 'LAST_NAME' || field === 'WORK_POSITION')) {
      // user.search compares personal fields with a right LIKE: "Iva" finds "Ivanov".
      const read = READERS[field] as FieldReader<DirectoryUser>;
      const query = String(asList(value)[0] ?? '').toLowerCase();
      tests.push((u) => String(read(u)).toLowerCase().startsWith(query));
    } else {
      const read = READERS[field];
      // Unknown fields are ignored, as the portal ignores filter keys it does not know.
      if (read) tests.push((u) => matches(read(u) as FieldValue, operator, value));
    }
  }
  return (user) => tests.every((test) => test(user));
}

const RESERVED = ['sort', 'order', 'start', 'select', 'ADMIN_MODE', 'IMAGE_RESIZE', 'auth', 'FILTER', 'bx24_request_id', 'bx24_sdk_ver', 'bx24_sdk_type'];

/** user.get / user.search: all users but bots (and `email` users unless USER_TYPE asks for them). */
function listUsers(params: Params, ctx: CallContext, mode: 'get' | 'search'): MethodAnswer {
  const { directory } = ctx.portal;
  // Core rest module, lib/api/user.php userGet (user.search is the same method): a FILTER array replaces
  // the top-level keys altogether, and FIND is merged with the other filter keys (ACTIVE, USER_TYPE, …),
  // although the docs say the two cannot be combined.
  const filterParam = getCi(params, 'FILTER');
  const filter = isRecord(filterParam) ? { ...filterParam } : collectFilter(params, RESERVED);
  const conditions = conditionsOf(filter);
  const typeCondition = conditions.find((c) => c.field === 'USER_TYPE' && (c.operator === '' || c.operator === '=' || c.operator === '@'));
  const wantsEmail = typeCondition ? asList(typeCondition.value).some((v) => String(v) === 'email') : false;

  let candidates: readonly DirectoryUser[] = directory.users;
  /** The condition the candidates were taken by: already applied, so not tested again row by row. */
  let applied: FilterCondition | undefined;
  const idCondition = conditions.find((c) => c.field === 'ID' && (c.operator === '' || c.operator === '=' || c.operator === '@'));
  const departmentCondition = conditions.find((c) => c.field === 'UF_DEPARTMENT' && (c.operator === '' || c.operator === '=' || c.operator === '@'));
  if (idCondition) {
    const ids = [...new Set(asList(idCondition.value).map(phpInt))].sort((a, b) => a - b);
    candidates = ids.map((id) => directory.user(id)).filter((u): u is DirectoryUser => u !== undefined);
    applied = idCondition;
  } else if (departmentCondition) {
    const ids = new Set<number>();
    for (const d of asList(departmentCondition.value)) for (const u of directory.usersInDepartment(phpInt(d))) ids.add(u.id);
    candidates = [...ids].sort((a, b) => a - b).map((id) => directory.user(id) as DirectoryUser);
    applied = departmentCondition;
  }

  const predicate = buildPredicate(
    directory,
    conditions.filter((c) => c !== applied),
    mode,
  );
  const rows = candidates.filter((u) => u.type !== 'bot' && (u.type !== 'email' || wantsEmail) && predicate(u));

  const sortField = String(getCi(params, 'sort') ?? 'ID').toUpperCase();
  const reader = READERS[sortField];
  // Rows are already in id order; only another field needs a sort.
  const sorted = sortRows(rows, reader && sortField !== 'ID' ? reader : undefined, isDescending(getCi(params, 'order')));
  const page = pageOf(sorted, getCi(params, 'start'));
  const level = fieldLevel(ctx.auth.scope);
  const select = getCi(params, 'select');
  const answer: MethodAnswer = { result: page.rows.map((u) => selectFields(userRow(directory, u, level), select)) };
  if (page.total !== undefined) answer.total = page.total;
  if (page.next !== undefined) answer.next = page.next;
  return answer;
}

function currentUser(ctx: CallContext): DirectoryUser {
  const user = ctx.portal.directory.user(ctx.auth.userId);
  if (!user) throw new Error(`token user ${ctx.auth.userId} is not in the directory`);
  return user;
}

export const userMethods: MethodTable = {
  profile: {
    scopes: null,
    handle(_params, ctx) {
      const user = currentUser(ctx);
      if (!user.active) return { result: {} };
      const result: Record<string, unknown> = {
        ID: String(user.id),
        ADMIN: user.admin,
        NAME: user.name,
        LAST_NAME: user.lastName,
        PERSONAL_GENDER: ctx.portal.directory.gender(user),
      };
      if (user.photo) result.PERSONAL_PHOTO = user.photo;
      // Core rest module, classes/general/rest_provider.php getProfile: TIME_ZONE is the user's own zone
      // ('' when they have none or it follows the browser), TIME_ZONE_OFFSET the seconds east of UTC now
      // (CTimeZone::GetOffset, the user's or else the portal's default zone relative to the server, plus
      // the server's date('Z')); the docs list only TIME_ZONE.
      const zones = timeZonesOf(ctx.portal.directory);
      const own = zones.users.get(user.id) ?? '';
      result.TIME_ZONE = own;
      result.TIME_ZONE_OFFSET = zoneOffsetSeconds(own || zones.portal, ctx.portal.clock.now());
      return { result };
    },
  },
  'user.admin': {
    scopes: null,
    handle: (_params, ctx) => ({ result: currentUser(ctx).admin }),
  },
  'user.current': {
    scopes: USER_SCOPES,
    handle: (_params, ctx) => ({ result: userRow(ctx.portal.directory, currentUser(ctx), fieldLevel(ctx.auth.scope)) }),
  },
  'user.get': { scopes: USER_SCOPES, handle: (params, ctx) => listUsers(params, ctx, 'get') },
  'user.search': { scopes: USER_SCOPES, handle: (params, ctx) => listUsers(params, ctx, 'search') },
};

