/** An employee as the server lists them. Mirrors server/audience/employeeRows.ts RecipientSummary. */
export interface Employee {
  id: number;
  fullName: string;
  position: string;
  photo: string | null;
  departmentIds: number[];
}
