import type { SimDirectoryGroup } from '../directory.js';
import { getCi, isRecord, phpInt, type Params } from '../phpParams.js';
import { RestError } from '../restAnswer.js';
import { conditionsOf, isDescending, matches, pageOf, sortRows, type FieldReader } from './listFilter.js';
import type { CallContext, MethodTable } from './types.js';

/** The portal lists sonet methods under `sonet_group`; the method pages say `sonet`. Any of them grants. */
const SONET_SCOPES = ['sonet_group', 'sonet', 'socialnetwork'];

const yn = (flag: boolean) => (flag ? 'Y' : 'N');

const READERS: Record<string, FieldReader<SimDirectoryGroup>> = {
  ID: (g) => g.id,
  NAME: (g) => g.name,
  OWNER_ID: (g) => g.ownerId,
  ACTIVE: () => 'Y',
  VISIBLE: (g) => yn(g.visible),
  OPENED: (g) => yn(g.opened),
  CLOSED: () => 'N',
  PROJECT: (g) => yn(g.project),
  IS_EXTRANET: (g) => yn(g.extranet),
  DATE_CREATE: (g) => g.createdAt,
  NUMBER_OF_MEMBERS: (g) => g.members.length,
};

function groupRow(g: SimDirectoryGroup): Record<string, unknown> {
  return {
    ID: String(g.id),
    SITE_ID: 's1',
    NAME: g.name,
    DESCRIPTION: null,
    DATE_CREATE: g.createdAt,
    DATE_UPDATE: g.createdAt,
    ACTIVE: 'Y',
    VISIBLE: yn(g.visible),
    OPENED: yn(g.opened),
    CLOSED: 'N',
    SUBJECT_ID: '1',
    OWNER_ID: String(g.ownerId),
    KEYWORDS: null,
    NUMBER_OF_MEMBERS: String(g.members.length),
    DATE_ACTIVITY: g.createdAt,
    SUBJECT_NAME: 'Workgroups',
    PROJECT: yn(g.project),
    IS_EXTRANET: yn(g.extranet),
  };
}

/** Hidden groups are listed only to their members; extranet users see only their own groups. */
function canSee(ctx: CallContext, group: SimDirectoryGroup, adminMode: boolean): boolean {
  const user = ctx.portal.directory.user(ctx.auth.userId);
  if (adminMode && user?.admin) return true;
  const member = group.members.some((m) => m.userId === ctx.auth.userId);
  if (user?.type === 'extranet') return member;
  return group.visible || member;
}

export const groupMethods: MethodTable = {
  'sonet_group.get': {
    scopes: SONET_SCOPES,
    handle(params: Params, ctx) {
      const filter = getCi(params, 'FILTER');
      const conditions = conditionsOf(isRecord(filter) ? filter : {}).filter((c) => READERS[c.field]);
      const groupId = getCi(params, 'GROUP_ID');
      const adminMode = String(getCi(params, 'IS_ADMIN') ?? '').toUpperCase() === 'Y';
      const rows = ctx.portal.directory.groups.filter(
        (g) =>
          (groupId === undefined || g.id === phpInt(groupId)) &&
          canSee(ctx, g, adminMode) &&
          conditions.every((c) => matches((READERS[c.field] as FieldReader<SimDirectoryGroup>)(g), c.operator, c.value)),
      );
      const order = getCi(params, 'ORDER');
      let sortField = 'ID';
      let descending = true;
      if (isRecord(order)) {
        const first = Object.entries(order)[0];
        if (first) {
          sortField = first[0].toUpperCase();
          descending = isDescending(first[1]);
        }
      }
      const sorted = sortRows([...rows], READERS[sortField] ?? READERS.ID, descending);
      const page = pageOf(sorted, getCi(params, 'start'));
      return { result: page.rows.map(groupRow), total: page.total, next: page.next };
    },
  },
  // Core socialnetwork module, classes/general/rest.php getGroupUsers: members with ROLE <= K whose
  // user is active (=USER_ACTIVE Y), all of them in one answer (no paging, no total).
  'sonet_group.user.get': {
    scopes: SONET_SCOPES,
    handle(params: Params, ctx) {
      const id = phpInt(getCi(params, 'ID'));
      if (id <= 0) throw new RestError(400, '', 'Wrong socialnetwork group ID');
      const group = ctx.portal.directory.group(id);
      const user = ctx.portal.directory.user(ctx.auth.userId);
      if (!group || !(user?.admin || canSee(ctx, group, false))) throw new RestError(400, '', 'Socialnetwork group not found');
      const active = group.members.filter((m) => ctx.portal.directory.user(m.userId)?.active);
      return { result: active.map((m) => ({ USER_ID: String(m.userId), ROLE: m.role })) };
    },
  },
};
