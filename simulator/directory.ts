import type { Directory, DirectoryDepartment, DirectoryGroup, DirectoryOptions, DirectoryUser, UserType } from './contract.js';
import { seededRandom } from './random.js';

/**
 * A deterministic company: departments tree, users, workgroups. Built from a seed in one pass and
 * indexed so lookups by user id, department or group are O(1).
 *
 * Fixed points tests may rely on:
 * - user 1: active admin employee, head of the root department (id 1), push enabled;
 * - user 2 (`STABLE_EMPLOYEE_ID`): active NON-admin employee with push enabled and a department;
 * - user 3 (when users >= 3): active admin employee;
 * - with users >= 12: the last two ids are bots, the two before are extranet users, the one before an
 *   `email` user (besides the few the PRNG adds).
 */
export const STABLE_EMPLOYEE_ID = 2;
export const MAX_USERS = 50_000;

export interface SimDirectoryGroup extends DirectoryGroup {
  /** Hidden groups are seen only by their members (and admins asking with IS_ADMIN=Y). */
  visible: boolean;
  opened: boolean;
  project: boolean;
  extranet: boolean;
  ownerId: number;
  createdAt: string;
}

export interface SimDirectory extends Directory {
  readonly groups: SimDirectoryGroup[];
  department(id: number): DirectoryDepartment | undefined;
  group(id: number): SimDirectoryGroup | undefined;
  /** Users whose direct departments include `departmentId`. */
  usersInDepartment(departmentId: number): readonly DirectoryUser[];
  childDepartments(departmentId: number): readonly DirectoryDepartment[];
  /** Group ids the user belongs to. */
  groupsOfUser(userId: number): readonly number[];
  email(user: DirectoryUser): string;
  gender(user: DirectoryUser): 'M' | 'F';
  registeredAt(user: DirectoryUser): string;
  /** Rewrites photo URLs after the portal moved to a new origin. */
  setOrigin(origin: string): void;
}

interface NamePool {
  male: string[];
  female: string[];
  last: string[];
  /** Russian last names change with gender. */
  lastFemale?: string[];
  patronymicMale?: string[];
  patronymicFemale?: string[];
}

const POOLS: Array<{ weight: number; pool: NamePool; positions: string[] }> = [
  {
    weight: 0.55,
    pool: {
      male: ['James', 'Oliver', 'Liam', 'Noah', 'Ethan', 'Lucas', 'Mason', 'Logan', 'Henry', 'Jack', 'Daniel', 'Samuel', 'David', 'Ryan', 'Aaron', 'Owen'],
      female: ['Emma', 'Olivia', 'Ava', 'Sophia', 'Mia', 'Amelia', 'Harper', 'Grace', 'Chloe', 'Lily', 'Hannah', 'Zoe', 'Nora', 'Ella', 'Ruby', 'Alice'],
      last: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Clark', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Green', 'Baker', 'Adams', 'Nelson', 'Carter', 'Mitchell', 'Turner', 'Parker', 'Collins', "O'Brien", 'Hughes'],
    },
    positions: ['Sales Manager', 'Account Executive', 'Software Engineer', 'QA Engineer', 'Product Manager', 'Designer', 'Accountant', 'HR Specialist', 'Support Engineer', 'Marketing Specialist', 'Logistics Coordinator', 'Office Manager', 'Data Analyst', 'Team Lead', 'Project Manager', 'Legal Counsel', ''],
  },
  {
    weight: 0.25,
    pool: {
      male: ['Jürgen', 'Lukas', 'Maximilian', 'Stefan', 'Matthias', 'Jörg', 'Tobias', 'Florian', 'Sebastian', 'Uwe'],
      female: ['Jana', 'Lena', 'Katharina', 'Anja', 'Sabine', 'Jülide', 'Franziska', 'Birgit', 'Mareike', 'Lea'],
      last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Becker', 'Schäfer', 'Groß', 'Köhler', 'Hoffmann', 'Krüger', 'Wagner'],
    },
    positions: ['Vertriebsleiter', 'Buchhalterin', 'Softwareentwickler', 'Personalreferentin', 'Teamleiter Logistik', 'Einkäufer', 'Geschäftsführer', 'Werkstudent'],
  },
  {
    weight: 0.2,
    pool: {
      male: ['Алексей', 'Дмитрий', 'Сергей', 'Иван', 'Михаил', 'Андрей', 'Никита', 'Павел'],
      female: ['Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ксения', 'Юлия'],
      last: ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев', 'Козлов', 'Новиков', 'Морозов', 'Волков'],
      lastFemale: ['Иванова', 'Смирнова', 'Кузнецова', 'Попова', 'Соколова', 'Лебедева', 'Козлова', 'Новикова', 'Морозова', 'Волкова'],
      patronymicMale: ['Алексеевич', 'Дмитриевич', 'Сергеевич', 'Иванович', 'Петрович'],
      patronymicFemale: ['Алексеевна', 'Дмитриевна', 'Сергеевна', 'Ивановна', 'Петровна'],
    },
    positions: ['Менеджер по продажам', 'Бухгалтер', 'Программист', 'Специалист отдела кадров', 'Руководитель отдела', 'Юрист', 'Логист'],
  },
];

const DEPARTMENT_AREAS = [
  'Sales', 'Marketing', 'R&D', 'Customer Support', 'Finance', 'Human Resources', 'Logistics', 'Legal', 'IT',
  'Production', 'Purchasing', 'Quality Assurance', 'Vertrieb', 'Buchhaltung', 'Отдел продаж', 'Бухгалтерия', 'Склад',
];
const DEPARTMENT_QUALIFIERS = ['North', 'South', 'East', 'West', 'Berlin', 'München', 'London', 'Москва', 'Казань', 'Online', 'Enterprise', 'SMB', 'Team A', 'Team B', 'Team C'];
const GROUP_WORDS = ['Project', 'Launch', 'Office', 'Book club', 'Football', 'Onboarding', 'Migration', 'Roadmap', 'Kantine', 'Проект', 'Выставка', 'Hackathon', 'Partners', 'Release'];

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

export function createDirectory(options: DirectoryOptions = {}, origin = ''): SimDirectory {
  const size = Math.max(1, Math.min(MAX_USERS, Math.floor(options.users ?? 60)));
  const rnd = seededRandom(options.seed ?? 1);

  // --- departments: root 1, then a tree a few levels deep -------------------------------------
  const departmentCount = Math.max(3, Math.min(400, Math.round(size / 40)));
  const departments: DirectoryDepartment[] = [{ id: 1, name: 'Company', sort: 500, parent: null, head: 1 }];
  const depth = new Map<number, number>([[1, 0]]);
  const usedNames = new Set<string>(['Company']);
  for (let id = 2; id <= departmentCount; id++) {
    // The first few hang off the root; later ones under random existing departments, at most 5 deep.
    let parent = 1;
    if (id > 7) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const candidate = departments[Math.floor(rnd() * departments.length)] as DirectoryDepartment;
        if ((depth.get(candidate.id) ?? 0) < 5) {
          parent = candidate.id;
          break;
        }
      }
    }
    depth.set(id, (depth.get(parent) ?? 0) + 1);
    let name = pick(rnd, DEPARTMENT_AREAS);
    if (usedNames.has(name)) name = `${name} — ${pick(rnd, DEPARTMENT_QUALIFIERS)}`;
    if (usedNames.has(name)) name = `${name} ${id}`;
    usedNames.add(name);
    departments.push({ id, name, sort: rnd() < 0.8 ? 500 : 100 * (1 + Math.floor(rnd() * 9)), parent, head: null });
  }

  // --- users ---------------------------------------------------------------------------------
  const users: DirectoryUser[] = new Array(size);
  const female = new Uint8Array(size + 1);
  const hasPhoto = new Uint8Array(size + 1);
  const registeredDay = new Uint16Array(size + 1);
  for (let id = 1; id <= size; id++) {
    let type: UserType = 'employee';
    const roll = rnd();
    if (id > 3) {
      if (roll < 0.01) type = 'extranet';
      else if (roll < 0.015) type = 'email';
    }
    if (size >= 12) {
      if (id > size - 2) type = 'bot';
      else if (id > size - 4) type = 'extranet';
      else if (id === size - 4) type = 'email';
    }

    const r = rnd();
    let acc = 0;
    let chosen = POOLS[0] as (typeof POOLS)[number];
    for (const entry of POOLS) {
      acc += entry.weight;
      if (r < acc) {
        chosen = entry;
        break;
      }
    }
    const isFemale = rnd() < 0.5;
    female[id] = isFemale ? 1 : 0;
    const { pool } = chosen;
    const nameIndex = Math.floor(rnd() * 1000);
    const name = isFemale ? (pool.female[nameIndex % pool.female.length] as string) : (pool.male[nameIndex % pool.male.length] as string);
    const lastIndex = Math.floor(rnd() * pool.last.length);
    const lastName = isFemale && pool.lastFemale ? (pool.lastFemale[lastIndex] as string) : (pool.last[lastIndex] as string);
    const patronymics = isFemale ? pool.patronymicFemale : pool.patronymicMale;
    const secondName = patronymics ? pick(rnd, patronymics) : '';

    let departmentsOfUser: number[] = [];
    if (type === 'employee') {
      if (id === 1) departmentsOfUser = [1];
      else {
        const first = 1 + Math.floor(rnd() * departmentCount);
        departmentsOfUser = [first];
        if (rnd() < 0.05 && departmentCount > 1) {
          const second = 1 + Math.floor(rnd() * departmentCount);
          if (second !== first) departmentsOfUser.push(second);
        }
      }
    }

    const active = id <= 3 || type === 'bot' ? true : rnd() >= 0.03;
    const admin = type === 'employee' && (id === 1 || id === 3 || (id > 3 && rnd() < 0.004));
    hasPhoto[id] = type !== 'email' && rnd() < 0.85 ? 1 : 0;
    registeredDay[id] = Math.floor(rnd() * 3000);

    const user: DirectoryUser = {
      id,
      name: type === 'bot' ? (id === size ? 'Helpdesk' : 'CRM') : name,
      lastName: type === 'bot' ? 'Bot' : lastName,
      secondName: type === 'bot' ? '' : secondName,
      position: type === 'bot' ? '' : type === 'email' ? '' : pick(rnd, chosen.positions),
      departments: departmentsOfUser,
      active,
      type,
      admin,
      photo: '',
      online: type !== 'bot' && active && rnd() < 0.3,
      pushEnabled: id <= 3 || (type !== 'bot' && type !== 'email' && rnd() < 0.88),
    };
    if (id === STABLE_EMPLOYEE_ID) {
      user.admin = false;
      user.active = true;
      user.pushEnabled = true;
      user.type = 'employee';
    }
    users[id - 1] = user;
  }

  // --- indexes -------------------------------------------------------------------------------
  const byDepartment = new Map<number, DirectoryUser[]>();
  for (const department of departments) byDepartment.set(department.id, []);
  for (const user of users) for (const d of user.departments) byDepartment.get(d)?.push(user);
  const departmentById = new Map(departments.map((d) => [d.id, d]));
  const children = new Map<number, DirectoryDepartment[]>();
  for (const department of departments) {
    if (department.parent !== null) {
      const list = children.get(department.parent) ?? [];
      list.push(department);
      children.set(department.parent, list);
    }
  }
  // Heads: an active member of the department, or nobody for an empty one (they exist in real portals).
  for (const department of departments) {
    if (department.id === 1) continue;
    const members = byDepartment.get(department.id) ?? [];
    const candidates = members.filter((u) => u.active);
    department.head = candidates.length > 0 && rnd() < 0.9 ? (candidates[Math.floor(rnd() * candidates.length)] as DirectoryUser).id : null;
  }
  // Some departments are run by their parent's head, who is not a member of them (a manager of several
  // teams): the portal still gives that head the department's access codes. Decided without the PRNG,
  // so everything drawn after (groups) stays as it was.
  for (const department of departments) {
    if (department.id % 10 !== 7 || department.parent === null) continue;
    const parent = departments.find((d) => d.id === department.parent);
    if (parent?.head && !(byDepartment.get(department.id) ?? []).some((u) => u.id === parent.head)) department.head = parent.head;
  }

  // --- groups --------------------------------------------------------------------------------
  const groupCount = Math.max(3, Math.min(150, Math.round(size / 100)));
  const groups: SimDirectoryGroup[] = [];
  const groupsOfUser = new Map<number, number[]>();
  const activeHumans = users.filter((u) => u.active && u.type !== 'bot' && u.type !== 'email');
  const extranetUsers = activeHumans.filter((u) => u.type === 'extranet');
  for (let id = 1; id <= groupCount; id++) {
    const owner = id === 1 ? (users[0] as DirectoryUser) : (activeHumans[Math.floor(rnd() * activeHumans.length)] as DirectoryUser);
    const members = new Map<number, 'A' | 'E' | 'K'>([[owner.id, 'A']]);
    const wanted = Math.min(activeHumans.length, 3 + Math.floor(rnd() * Math.min(60, Math.max(4, size / 5))));
    const moderators = Math.floor(rnd() * 3);
    for (let guard = 0; members.size < wanted && guard < wanted * 4; guard++) {
      const candidate = activeHumans[Math.floor(rnd() * activeHumans.length)] as DirectoryUser;
      if (!members.has(candidate.id)) members.set(candidate.id, members.size <= moderators ? 'E' : 'K');
    }
    const extranet = extranetUsers.length > 0 && id % 4 === 0;
    if (extranet) for (const user of extranetUsers.slice(0, 3)) if (!members.has(user.id)) members.set(user.id, 'K');
    // User 2 is in group 1 so a group always has a plain member tests know.
    if (id === 1 && size >= STABLE_EMPLOYEE_ID && !members.has(STABLE_EMPLOYEE_ID)) members.set(STABLE_EMPLOYEE_ID, 'K');
    const group: SimDirectoryGroup = {
      id,
      name: `${pick(rnd, GROUP_WORDS)} ${id === 1 ? 'All hands' : pick(rnd, DEPARTMENT_QUALIFIERS)}`,
      members: [...members].map(([userId, role]) => ({ userId, role })),
      visible: id % 5 !== 0,
      opened: id % 3 === 0,
      project: id % 7 === 0,
      extranet,
      ownerId: owner.id,
      createdAt: isoDay(Math.floor(rnd() * 2000)),
    };
    groups.push(group);
    for (const member of group.members) {
      const list = groupsOfUser.get(member.userId) ?? [];
      list.push(id);
      groupsOfUser.set(member.userId, list);
    }
  }
  const groupById = new Map(groups.map((g) => [g.id, g]));

  const directory: SimDirectory = {
    users,
    departments,
    groups,
    user: (id) => (Number.isInteger(id) && id >= 1 && id <= size ? users[id - 1] : undefined),
    department: (id) => departmentById.get(id),
    group: (id) => groupById.get(id),
    usersInDepartment: (id) => byDepartment.get(id) ?? [],
    childDepartments: (id) => children.get(id) ?? [],
    groupsOfUser: (id) => groupsOfUser.get(id) ?? [],
    email: (user) => (user.type === 'bot' ? '' : `user${user.id}@${user.type === 'email' ? 'mail.example.org' : 'company.example.com'}`),
    gender: (user) => (female[user.id] ? 'F' : 'M'),
    registeredAt: (user) => isoDay(registeredDay[user.id] ?? 0),
    setOrigin(newOrigin) {
      for (const user of users) user.photo = hasPhoto[user.id] && newOrigin ? `${newOrigin}/_sim/photo/${user.id}.svg` : '';
    },
  };
  directory.setOrigin(origin);
  return directory;
}

function isoDay(daysAfterEpoch: number): string {
  // Registered between 2018 and 2026.
  return new Date(Date.UTC(2018, 0, 1) + daysAfterEpoch * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

const AVATAR_COLOURS = ['#2fc6f6', '#9dcf00', '#ff5752', '#ffa900', '#7b61ff', '#1eae43', '#f7a700', '#0091e3'];

/** A simple SVG avatar with the user's initials. */
export function avatarSvg(user: DirectoryUser): string {
  const initials = `${[...user.name][0] ?? ''}${[...user.lastName][0] ?? ''}`.toUpperCase();
  const colour = AVATAR_COLOURS[user.id % AVATAR_COLOURS.length] as string;
  const escaped = initials.replace(/[<>&'"]/g, '');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100"><rect width="100" height="100" rx="50" fill="${colour}"/><text x="50" y="50" dy="0.35em" text-anchor="middle" font-family="Arial,sans-serif" font-size="38" fill="#fff">${escaped}</text></svg>`;
}
