/** The RETURNING rows: TypeORM's postgres driver answers an UPDATE or DELETE with [rows, affected]. */
export function returnedRows(result: unknown): unknown[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
    return result[0] as unknown[];
  }
  return Array.isArray(result) ? result : [];
}
